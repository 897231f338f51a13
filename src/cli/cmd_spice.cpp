// `pimtx spice FILE.cir --analysis "..." --save VEC... -o OUT.h5`: run a netlist through libngspice and
// store the vectors (with units) in a result file.
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/errors.h"
#include "io/output_path.h"
#include "spice/engine.h"
#include "spice/pool.h"

namespace pimtx::cli {

namespace {

// HDF5 dataset name for a vector: non-alphanumerics become '_' ("v(out)" -> "v_out_").
std::string dataset_name(const std::string& vec) {
  std::string s = vec;
  for (char& c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      c = '_';
    }
  }
  return s;
}

// The netlist file as lines; ConfigError if it is missing, not a regular file or implausibly large.
std::vector<std::string> read_netlist(const std::string& path, std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw ConfigError(fmt::format("netlist file '{}' not found", path));
  }
  if (!fs::is_regular_file(path, ec)) {
    throw ConfigError(fmt::format("netlist file '{}' is not a regular file", path));
  }
  if (fs::file_size(path, ec) > spice::k_max_include_bytes) {
    throw ConfigError(
        fmt::format("netlist file '{}' is larger than {} MiB: not a netlist", path, spice::k_max_include_bytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("cannot read netlist file '{}'", path));
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    text += line + "\n";
    lines.push_back(line);
  }
  return lines;
}

// In this process, or (with a timeout) in one pool worker that is killed if an analysis ignores bg_halt,
// so the timeout holds (spice/pool.h).
spice::Result simulate(const spice::Job& job) {
  if (job.timeout_s <= 0.0) {
    return spice::run_job(job);
  }
  spice::WorkerPool pool(1);
  return pool.run({job}).at(0).value();
}

}  // namespace

void add_spice_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string netlist, out;
    std::vector<std::string> analyses, save;
    double timeout_s = 0.0;
    bool allow_control = false;
    CommonOptions common;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* sub = app.add_subcommand("spice", "Run a netlist through libngspice and write its vectors to HDF5");
  sub->add_option("netlist", o->netlist, "Netlist file (first line = title)")->required();
  sub->add_option("--analysis", o->analyses,
                  "ngspice command(s) run in order, e.g. \"op\", \"tran 1n 1u\", \"alter r1 2k\" (default: run)");
  sub->add_option("--save", o->save, "Vectors to store (default: all of the final plot)");
  sub->add_option("--timeout-s", o->timeout_s, "Wall-clock limit per analysis (0 = none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--allow-control", o->allow_control,
                "Trust the netlist: run its .control block and any --analysis command (shell, write, source, ...); "
                "refused by default (src/spice/README.md, netlist policy)");
  sub->add_option("-o,--output", o->out, "Result file (HDF5)")->required();
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    core::Config cfg = load_config("", o->common);
    const uint64_t seed = master_seed(cfg);
    io::check_output_path(o->out, {o->netlist});
    std::string text;
    spice::Job job;
    job.netlist = read_netlist(o->netlist, text);
    job.commands = o->analyses.empty() ? std::vector<std::string>{"run"} : o->analyses;
    job.save = o->save;
    job.timeout_s = o->timeout_s;
    job.policy.allow_control = o->allow_control;
    job.policy.source = o->netlist;
    job.policy.base_dir = std::filesystem::path(o->netlist).parent_path().string();
    spice::Result r;
    try {
      r = simulate(job);  // before the result file exists: a failure leaves no output
    } catch (const Error& e) {
      if (chain_contains<ConfigError>(e)) {
        rethrow_with_context<ConfigError>(fmt::format("simulating '{}'", o->netlist));
      }
      rethrow_with_context<SpiceError>(fmt::format("simulating '{}'", o->netlist));
    }
    run_job(cfg, seed, o->out, [&](io::ResultFile& f) {
      f.write_string("/spice/netlist", text);
      f.write_string("/spice/netlist_path", o->netlist);
      f.write_strings("/spice/commands", job.commands);
      f.write_string("/spice/plot", r.plot);
      f.write_strings("/spice/warnings", r.warnings);
      for (const auto& v : r.vectors) {
        const std::string path = "/spice/vectors/" + dataset_name(v.name);
        f.write(path, v.real, {}, v.units);
        f.set_attr(path, "vector", v.name);
        if (!v.imag.empty()) {
          f.write(path + "_imag", v.imag, {}, v.units);
        }
      }
    });
    for (const auto& w : r.warnings) {
      std::cerr << "ngspice: " << w << "\n";
    }
    std::cout << fmt::format("{} vectors from plot {} -> {}\n", r.vectors.size(), r.plot, o->out);
    return 0;
  };
}

}  // namespace pimtx::cli
