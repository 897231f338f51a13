// Gain-cell units through the CLI (issue 13): bad settings are configuration errors (exit 2) that name the key and
// leave no result file.
#include "pimtx_cli.h"

using pimtx::test::run_pimtx;
namespace fs = std::filesystem;

TEST_CASE("gain-cell units: bad settings exit 2 and write no file", "[cli][gain_cell]") {
  const fs::path dir = pimtx::test::scratch_dir("gain_cell_cli");
  const fs::path out = dir / "out.h5";
  const std::string base =
      "eval -q --model data/models/stories260K.bin --tokenizer data/models/tok512.bin "
      "--text data/text/tinystories_valid_excerpt.txt --max-tokens 50 --set arch.kv_cache.type='\"gain_cell\"' "
      "--set arch.attention.type='\"gain_cell\"' -o " +
      out.string();
  for (const auto& [set, key] :
       std::vector<std::pair<std::string, std::string>>{{"arch.kv_cache.n_levels=1", "arch.kv_cache.n_levels"},
                                                        {"arch.attention.n_window=0", "arch.attention.n_window"},
                                                        {"arch.kv_cache.n_window=0", "arch.kv_cache.n_window"},
                                                        {"arch.kv_cache.t_token_s=0", "arch.kv_cache.t_token_s"},
                                                        {"arch.kv_cache.t_token_s=-1e-9", "arch.kv_cache.t_token_s"}}) {
    const auto r = run_pimtx(base + " --set " + set);
    INFO(set << ": " << r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(key) != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
  fs::remove_all(dir);
}
