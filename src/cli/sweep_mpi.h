// Optional Open MPI support for `pimtx sweep` (built only when CMake finds MPI: PIMTX_HAVE_MPI).
//
// Contract: mpi_start() returns {rank, size, active = true} after MPI_Init when this process was launched
// by mpirun/mpiexec (detected from the launcher's environment: OMPI_COMM_WORLD_SIZE, PMIX_RANK or
// PMI_RANK), and {0, 1, false} otherwise, without touching MPI. Launched by mpirun in a build without MPI it
// throws UsageError ("MPI is not built in"), because every rank would otherwise run every point.
// mpi_barrier() and mpi_finish() (MPI_Finalize) are no-ops when inactive. Only `pimtx sweep` calls these;
// the `pimtx run` workers it spawns never initialise MPI.
#pragma once

namespace pimtx::cli {

struct MpiWorld {
  int rank = 0;
  int size = 1;
  int local_size = 1;  // ranks on this node (for the default number of worker processes)
  bool active = false;
};

bool mpi_built_in();
bool launched_by_mpirun();
MpiWorld mpi_start();
void mpi_barrier(const MpiWorld& w);
// Sum of `value` over ranks, on every rank (value itself when inactive).
long mpi_sum(const MpiWorld& w, long value);
void mpi_finish(const MpiWorld& w);

}  // namespace pimtx::cli
