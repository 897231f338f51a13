// `pimtx spice FILE.cir --analysis "..." --save VEC... -o OUT.h5`: run a netlist through libngspice and
// store the vectors (with units) in a result file.
#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/errors.h"
#include "spice/engine.h"

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

}  // namespace

void add_spice_command(CLI::App& app, ActionTable& actions) {
  struct Opts {
    std::string netlist, out;
    std::vector<std::string> analyses, save;
    double timeout_s = 0.0;
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
  sub->add_option("-o,--output", o->out, "Result file (HDF5)")->required();
  add_common_options(sub, o->common);
  actions[sub] = [o]() {
    core::Config cfg = load_config("", o->common);
    const uint64_t seed = master_seed(cfg);
    std::ifstream in(o->netlist);
    if (!in) {
      throw IoError(fmt::format("cannot read netlist file '{}'", o->netlist));
    }
    spice::Job job;
    std::string line;
    std::string text;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      text += line + "\n";
      job.netlist.push_back(line);
    }
    job.commands = o->analyses.empty() ? std::vector<std::string>{"run"} : o->analyses;
    job.save = o->save;
    job.timeout_s = o->timeout_s;
    spice::Result r;
    try {
      r = spice::run_job(job);  // before the result file exists: a failure leaves no output
    } catch (const SpiceError&) {
      rethrow_with_context<SpiceError>(fmt::format("simulating '{}'", o->netlist));
    }
    run_job(cfg, seed, o->out, [&](io::ResultFile& f) {
      f.write_string("/spice/netlist", text);
      f.write_string("/spice/netlist_path", o->netlist);
      f.write_strings("/spice/commands", job.commands);
      f.write_string("/spice/plot", r.plot);
      for (const auto& v : r.vectors) {
        const std::string path = "/spice/vectors/" + dataset_name(v.name);
        f.write(path, v.real, {}, v.units);
        f.set_attr(path, "vector", v.name);
        if (!v.imag.empty()) {
          f.write(path + "_imag", v.imag, {}, v.units);
        }
      }
    });
    std::cout << fmt::format("{} vectors from plot {} -> {}\n", r.vectors.size(), r.plot, o->out);
    return 0;
  };
}

}  // namespace pimtx::cli
