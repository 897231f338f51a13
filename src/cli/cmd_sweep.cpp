// `pimtx sweep SWEEP.toml [-o OUT.h5]`: many `pimtx run` points as worker processes, resumable, over MPI
// ranks or batch-scheduler shards, merged into one result file. File format and point ids: sweep_spec.h;
// workers, status files and the merged layout: sweep_run.h; README "Sweeps" has the commands.
#include <fmt/format.h>

#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/sweep_mpi.h"
#include "cli/sweep_run.h"
#include "cli/sweep_spec.h"
#include "core/errors.h"
#include "core/progress.h"

namespace pimtx::cli {

namespace fs = std::filesystem;

void add_sweep_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string sweep;
    std::string out;
    size_t jobs = 0;
    std::string shard;
    bool merge = false;
    bool list = false;
    bool quiet = false;
    std::vector<std::string> sweep_set;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand(
      "sweep",
      std::string("Run a `pimtx run` experiment over a grid of --set values and seeds, resumably, and merge ") +
          "the points into one HDF5 table (MPI: " + (mpi_built_in() ? "built in" : "not built in") + ")");
  sub->add_option("sweep", o->sweep, "Sweep file (TOML): [sweep] base config, set, seeds, [[sweep.grid]] axes")
      ->required();
  sub->add_option("-o,--output", o->out,
                  "Merged result (default: results/<sweep name>.h5); points go to <OUT without .h5>.points/");
  sub->add_option("-j,--jobs", o->jobs, "Worker processes (default: cores; under mpirun: cores / ranks per node)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--shard", o->shard,
                  "Run only points with index % N == I (batch job arrays); merge later with --merge");
  sub->add_flag("--merge", o->merge, "Only merge the points already in OUT.points into OUT (after --shard runs)");
  sub->add_flag("--list", o->list, "Print the points (index, id, seed, values) and exit");
  sub->add_option("--sweep-set", o->sweep_set, "Override a key of the sweep file: sweep.key=value (repeatable)");
  sub->add_flag("-q,--quiet", o->quiet, "No progress display or per-point lines");
  actions[sub] = [o]() {
    if (o->quiet) {
      core::set_progress_enabled(false);
    }
    const SweepSpec spec = load_sweep(o->sweep, o->sweep_set);
    const fs::path out =
        o->out.empty() ? fs::path("results") / (fs::path(o->sweep).stem().string() + ".h5") : fs::path(o->out);
    const fs::path dir = points_dir_for(out);
    if (o->list) {
      for (const auto& p : spec.points) {
        std::cout << fmt::format("{} {} seed={}", p.index, p.id, p.seed);
        for (const auto& [k, v] : p.params) {
          std::cout << fmt::format(" {}={}", k, v);
        }
        std::cout << "\n";
      }
      return 0;
    }
    const MpiWorld world = mpi_start();
    if (world.active && (!o->shard.empty() || o->merge)) {
      throw UsageError("--shard and --merge are for runs without mpirun");
    }
    size_t shard_i = 0;
    size_t shard_n = 1;
    if (!o->shard.empty()) {
      std::tie(shard_i, shard_n) = parse_shard(o->shard);
    } else if (world.active) {
      shard_i = static_cast<size_t>(world.rank);
      shard_n = static_cast<size_t>(world.size);
    }
    if (!o->merge) {
      std::vector<size_t> mine;
      for (const auto& p : spec.points) {
        if (p.index % shard_n == shard_i) {
          mine.push_back(p.index);
        }
      }
      SweepRunOptions ro;
      const size_t cores = std::max<unsigned>(1, std::thread::hardware_concurrency());
      ro.jobs = o->jobs > 0 ? o->jobs : std::max<size_t>(1, cores / static_cast<size_t>(world.local_size));
      ro.quiet = o->quiet;
      if (world.active) {
        ro.label = fmt::format("sweep rank {}/{}", world.rank, world.size);
      } else if (shard_n > 1) {
        ro.label = fmt::format("sweep shard {}/{}", shard_i, shard_n);
      }
      const SweepRunCounts c = run_points(spec, mine, dir, ro);
      mpi_barrier(world);
      if (world.active && world.rank != 0) {
        mpi_finish(world);
        return 0;
      }
      if (!world.active && shard_n > 1) {
        std::cout << fmt::format("{}: {} points ran ({} failed), {} were complete; points in {}\n", ro.label,
                                 c.ok + c.failed, c.failed, c.skipped, dir.string());
        std::cout << fmt::format("merge all shards with: pimtx sweep {} --merge -o {}\n", o->sweep, out.string());
        if (c.failed > 0) {
          throw Error(
              fmt::format("{} of this shard's points failed (errors in {}/<id>.status)", c.failed, dir.string()));
        }
        return 0;
      }
    }
    const SweepMergeCounts m = merge_points(spec, dir, out);
    mpi_finish(world);
    std::cout << fmt::format("sweep: {} points: {} ok, {} failed, {} missing\n", spec.points.size(), m.ok, m.failed,
                             m.missing);
    std::cout << "wrote " << out.string() << "\n";
    if (m.failed + m.missing > 0) {
      std::string lines;
      for (size_t i = 0; i < m.failed_lines.size() && i < 20; ++i) {
        lines += "\n  " + m.failed_lines[i];
      }
      throw Error(fmt::format("{} of {} sweep points failed or are missing (recorded in {}):{}", m.failed + m.missing,
                              spec.points.size(), out.string(), lines));
    }
    return 0;
  };
}

}  // namespace pimtx::cli
