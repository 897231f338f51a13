#include "cli/sweep_mpi.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "core/errors.h"

#ifdef PIMTX_HAVE_MPI
#include <mpi.h>
#endif

namespace pimtx::cli {

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_RANK") != nullptr;
}

#ifdef PIMTX_HAVE_MPI

bool mpi_built_in() { return true; }

MpiWorld mpi_start() {
  MpiWorld w;
  if (!launched_by_mpirun()) {
    return w;
  }
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) {
    throw Error("MPI_Init failed");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &w.local_size);
  MPI_Comm_free(&local);
  w.active = true;
  return w;
}

void mpi_barrier(const MpiWorld& w) {
  if (w.active) {
    MPI_Barrier(MPI_COMM_WORLD);
  }
}

long mpi_sum(const MpiWorld& w, long value) {
  if (!w.active) {
    return value;
  }
  long total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

void mpi_finish(const MpiWorld& w) {
  if (w.active) {
    MPI_Finalize();
  }
}

#else

bool mpi_built_in() { return false; }

MpiWorld mpi_start() {
  if (launched_by_mpirun()) {
    throw UsageError(
        "pimtx sweep was started by mpirun, but MPI is not built in (install libopenmpi-dev and rebuild); "
        "run it without mpirun (local worker processes, --jobs N) or split it with --shard I/N");
  }
  return {};
}

void mpi_barrier(const MpiWorld&) {}
long mpi_sum(const MpiWorld&, long value) { return value; }
void mpi_finish(const MpiWorld&) {}

#endif

}  // namespace pimtx::cli
