#include "cli/sweep_spec.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <set>
#include <sstream>

#include "cli/job.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/rng.h"

namespace pimtx::cli {

namespace fs = std::filesystem;

namespace {

struct Reader {
  std::string file;

  [[nodiscard]] std::string where(const toml::node* n) const {
    if (n != nullptr && n->source().begin.line > 0) {
      return fmt::format(" ({}:{})", file, n->source().begin.line);
    }
    return fmt::format(" ({})", file);
  }
  [[noreturn]] void fail(const std::string& key, const toml::node* n, const std::string& msg) const {
    throw ConfigError(fmt::format("sweep key '{}'{}: {}", key, where(n), msg));
  }
  void check_keys(const toml::table& t, const std::string& path, const std::set<std::string>& allowed) const {
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (allowed.count(key) == 0) {
        std::string valid;
        for (const auto& a : allowed) {
          valid += (valid.empty() ? "" : ", ") + a;
        }
        throw ConfigError(
            fmt::format("unknown sweep key '{}.{}'{}; valid keys in [{}]: {}", path, key, where(&v), path, valid));
      }
    }
  }
};

// TOML text of a value, as `--set key=<text>` parses it back.
std::string value_text(const toml::node& n) {
  std::ostringstream os;
  n.visit([&os](const auto& v) { os << toml::toml_formatter(v); });
  return os.str();
}

std::vector<std::string> string_list(const Reader& rd, const toml::table& t, const std::string& path,
                                     const std::string& key) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return out;
  }
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    rd.fail(path + "." + key, n, "must be an array of strings");
  }
  for (const auto& e : *a) {
    if (!e.is_string()) {
      rd.fail(path + "." + key, &e, fmt::format("must be an array of strings, found {}", value_text(e)));
    }
    out.push_back(std::string(*e.value<std::string>()));
  }
  return out;
}

struct Axis {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;  // values[point][key]
};

}  // namespace

std::pair<size_t, size_t> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  size_t i = 0;
  size_t n = 0;
  try {
    if (slash == std::string::npos) {
      throw std::invalid_argument("no slash");
    }
    size_t used_i = 0;
    size_t used_n = 0;
    i = std::stoul(text.substr(0, slash), &used_i);
    n = std::stoul(text.substr(slash + 1), &used_n);
    if (used_i != slash || used_n != text.size() - slash - 1) {
      throw std::invalid_argument("trailing text");
    }
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--shard '{}': expected I/N, e.g. 0/4", text));
  }
  if (n == 0 || i >= n) {
    throw UsageError(fmt::format("--shard '{}': need 0 <= I < N", text));
  }
  return {i, n};
}

SweepSpec load_sweep(const fs::path& sweep_file, const std::vector<std::string>& sweep_overrides) {
  SweepSpec spec;
  spec.sweep_file = sweep_file;
  Reader rd{sweep_file.string()};
  toml::table doc;
  if (sweep_overrides.empty()) {
    if (!fs::exists(sweep_file)) {
      throw ConfigError(fmt::format("sweep file not found: {}", sweep_file.string()));
    }
    try {
      doc = toml::parse_file(sweep_file.string());
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}:{}: {}", sweep_file.string(), e.source().begin.line, e.description()));
    }
  } else {
    core::Config c = core::Config::from_file(sweep_file.string());
    for (const auto& o : sweep_overrides) {
      c.apply_override(o);
    }
    doc = toml::parse(c.document_text(), sweep_file.string());
  }
  {
    std::ostringstream os;
    os << toml::toml_formatter(doc);
    spec.sweep_text = os.str();
  }
  rd.check_keys(doc, "<top level>", {"sweep", "figure"});  // [figure]: read by scripts/reproduce_figures.py
  const toml::table* sw = doc["sweep"].as_table();
  if (sw == nullptr) {
    throw ConfigError(fmt::format("{}: no [sweep] table", sweep_file.string()));
  }
  rd.check_keys(*sw, "sweep", {"base", "set", "seeds", "n_seeds", "seed", "grid"});

  // Base config, relative to the sweep file.
  const toml::node* base = sw->get("base");
  if (base == nullptr || !base->is_string()) {
    rd.fail("sweep.base", base, "required: the `pimtx run` config file (a string, relative to the sweep file)");
  }
  fs::path bp = *base->value<std::string>();
  if (bp.is_relative()) {
    bp = sweep_file.parent_path() / bp;
  }
  if (!fs::exists(bp)) {
    rd.fail("sweep.base", base, fmt::format("file not found: {}", bp.string()));
  }
  spec.base_config = fs::absolute(bp).lexically_normal();
  spec.fixed = string_list(rd, *sw, "sweep", "set");

  // Axes.
  std::vector<Axis> axes;
  if (const toml::node* g = sw->get("grid")) {
    const toml::array* ga = g->as_array();
    if (ga == nullptr || !ga->is_array_of_tables()) {
      rd.fail("sweep.grid", g, "must be an array of tables ([[sweep.grid]])");
    }
    std::set<std::string> seen;
    for (size_t ai = 0; ai < ga->size(); ++ai) {
      const toml::table& t = *(*ga)[ai].as_table();
      const std::string path = fmt::format("sweep.grid[{}]", ai);
      rd.check_keys(t, path, {"key", "keys", "values"});
      Axis axis;
      if (t.contains("key") == t.contains("keys")) {
        rd.fail(path, &t, "give either `key` (one axis) or `keys` (zipped axis), not both or neither");
      }
      if (const toml::node* k = t.get("key")) {
        if (!k->is_string()) {
          rd.fail(path + ".key", k, "must be a string (a dotted config key)");
        }
        axis.keys.push_back(std::string(*k->value<std::string>()));
      } else {
        axis.keys = string_list(rd, t, path, "keys");
        if (axis.keys.empty()) {
          rd.fail(path + ".keys", t.get("keys"), "must not be empty");
        }
      }
      for (const auto& k : axis.keys) {
        if (!seen.insert(k).second) {
          rd.fail(path, &t, fmt::format("config key '{}' is swept by more than one axis", k));
        }
        if (k == "seed") {
          rd.fail(path, &t, "sweep the seed with sweep.seeds or sweep.n_seeds, not as a grid key");
        }
      }
      const toml::node* vn = t.get("values");
      const toml::array* va = vn != nullptr ? vn->as_array() : nullptr;
      if (va == nullptr || va->empty()) {
        rd.fail(path + ".values", vn != nullptr ? vn : &t, "required: a non-empty array");
      }
      for (const auto& v : *va) {
        if (v.is_table()) {
          rd.fail(path + ".values", &v, "values must be numbers, booleans, strings or arrays");
        }
        if (axis.keys.size() == 1) {
          axis.values.push_back({value_text(v)});
          continue;
        }
        const toml::array* tuple = v.as_array();
        if (tuple == nullptr || tuple->size() != axis.keys.size()) {
          rd.fail(path + ".values", &v,
                  fmt::format("each entry of a zipped axis must be an array of {} values (one per key), found {}",
                              axis.keys.size(), value_text(v)));
        }
        std::vector<std::string> row;
        for (const auto& e : *tuple) {
          row.push_back(value_text(e));
        }
        axis.values.push_back(row);
      }
      for (const auto& k : axis.keys) {
        spec.param_keys.push_back(k);
      }
      axes.push_back(std::move(axis));
    }
  }

  // Seeds.
  std::vector<uint64_t> seeds;
  bool seed_axis = false;
  const toml::node* seeds_node = sw->get("seeds");
  const toml::node* n_seeds_node = sw->get("n_seeds");
  if (seeds_node != nullptr && n_seeds_node != nullptr) {
    rd.fail("sweep.seeds", seeds_node, "give either seeds or n_seeds, not both");
  }
  if (sw->contains("seed") && n_seeds_node == nullptr) {
    rd.fail("sweep.seed", sw->get("seed"), "only used with n_seeds (the master seed the replicate seeds derive from)");
  }
  if (seeds_node != nullptr) {
    const toml::array* a = seeds_node->as_array();
    if (a == nullptr || a->empty()) {
      rd.fail("sweep.seeds", seeds_node, "must be a non-empty array of integers");
    }
    for (const auto& e : *a) {
      const auto v = e.value<int64_t>();
      if (!e.is_integer() || !v || *v < 0) {
        rd.fail("sweep.seeds", &e, fmt::format("{}: seeds are integers >= 0", value_text(e)));
      }
      seeds.push_back(static_cast<uint64_t>(*v));
    }
    seed_axis = true;
  } else if (n_seeds_node != nullptr) {
    const auto k = n_seeds_node->value<int64_t>();
    if (!n_seeds_node->is_integer() || !k || *k < 1 || *k > 1000000) {
      rd.fail("sweep.n_seeds", n_seeds_node, "must be an integer in [1, 1000000]");
    }
    int64_t master = 1;
    if (const toml::node* s = sw->get("seed")) {
      const auto v = s->value<int64_t>();
      if (!s->is_integer() || !v || *v < 0) {
        rd.fail("sweep.seed", s, "must be an integer >= 0");
      }
      master = *v;
    }
    for (int64_t i = 0; i < *k; ++i) {
      seeds.push_back(core::stream_key(static_cast<uint64_t>(master), fmt::format("sweep.seed/{}", i)) &
                      0x7fffffffffffffffULL);
    }
    seed_axis = true;
  }

  // Outer product: axes in file order (first slowest), then seeds (fastest).
  size_t n_settings = 1;
  for (const auto& a : axes) {
    n_settings *= a.values.size();
  }
  const size_t n_seed_values = seed_axis ? seeds.size() : 1;
  std::set<std::string> ids;
  for (size_t s = 0; s < n_settings; ++s) {
    std::vector<std::pair<std::string, std::string>> params;
    size_t rem = s;
    std::vector<size_t> pick(axes.size());
    for (size_t a = axes.size(); a-- > 0;) {
      pick[a] = rem % axes[a].values.size();
      rem /= axes[a].values.size();
    }
    for (size_t a = 0; a < axes.size(); ++a) {
      for (size_t k = 0; k < axes[a].keys.size(); ++k) {
        params.emplace_back(axes[a].keys[k], axes[a].values[pick[a]][k]);
      }
    }
    for (size_t r = 0; r < n_seed_values; ++r) {
      SweepPoint p;
      p.index = spec.points.size();
      p.params = params;
      p.overrides = spec.fixed;
      for (const auto& [k, v] : params) {
        p.overrides.push_back(k + "=" + v);
      }
      CommonOptions opts;
      opts.overrides = p.overrides;
      if (seed_axis) {
        p.seed_from_axis = true;
        p.seed = seeds[r];
        opts.seed = static_cast<int64_t>(p.seed);
      }
      core::Config cfg;
      try {
        cfg = load_config(spec.base_config.string(), opts);
        if (!seed_axis) {
          p.seed = master_seed(cfg);
        }
      } catch (const Error&) {
        rethrow_with_context<ConfigError>(fmt::format("sweep point {} of {}", p.index, sweep_file.string()));
      }
      p.id = fmt::format("{:016x}", core::stream_key(0, cfg.document_text()));
      if (!ids.insert(p.id).second) {
        throw ConfigError(fmt::format(
            "{}: point {} repeats an earlier point (same resolved config and seed); check the axes and seeds",
            sweep_file.string(), p.index));
      }
      spec.points.push_back(std::move(p));
    }
  }
  return spec;
}

}  // namespace pimtx::cli
