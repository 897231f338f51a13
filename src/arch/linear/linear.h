// Pluggable matrix-vector / matrix-matrix product y = W x (the transformer's weight layers).
//
// Contract: a Linear unit is built once per weight matrix from a LinearInit (the exact float32 weights
// W, shape (out, in), row-major [out][in] as in PyTorch/llama2.c, plus the matrix's role and layer) and
// its config section (`[arch.linear]`, `type` selects the unit). It may copy, quantize or program W
// into whatever it simulates at construction; it must not keep a reference to init.weight afterwards.
// forward(x, y, counts): x is (n_tokens, in), one token per row; the unit writes y = x W^T, shape
// (n_tokens, out), every element of y (y is not pre-zeroed), and adds its work to `counts`. It must not
// modify x. Biases are not part of the unit: the engine adds them digitally after forward().
// forward() may be called with any n_tokens >= 1 (prefill blocks and single decode steps) and must give
// for each row the same result as if that row were passed alone (no batch-dependent behaviour) unless
// the unit documents otherwise. Stochastic units draw from init.seed-derived core::Rng streams only.
// write_stats() lets a unit add its own datasets under `group` of the result file (may do nothing).
// Calibration (optional): a unit that sets ranges from data (DAC/ADC of an in-memory unit) asks for
// n_calibration_passes() > 0; the owner (Transformer::calibrate) then runs calibration text that many times,
// calling begin_calibration_pass(p) before and end_calibration_pass(p) after pass p on every unit. During a
// pass forward() must still write y (a unit may return the exact product so that later layers see the
// digital model's activations). Counts gathered during calibration are discarded by the owner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "arch/op_counts.h"
#include "arch/tensor.h"
#include "core/config.h"
#include "core/registry.h"

namespace pimtx::io {
class ResultFile;
}

namespace pimtx::arch {

struct LinearInit {
  std::string role;   // "wq", "wk", "wv", "wqkv", "wo", "w1", "w2", "w3", "classifier"
  int layer = 0;      // transformer layer, or n_layers for the classifier
  const Mat& weight;  // (out, in)
  uint64_t seed = 0;  // master seed (derive streams as core::Rng(seed, "arch.linear.<role>", layer))
};

class Linear {
 public:
  virtual ~Linear() = default;
  [[nodiscard]] virtual int64_t in_features() const = 0;
  [[nodiscard]] virtual int64_t out_features() const = 0;
  virtual void forward(const ConstMatRef& x, MatRef y, OpCounts& counts) = 0;
  virtual void write_stats(io::ResultFile& /*file*/, const std::string& /*group*/) const {}
  [[nodiscard]] virtual int n_calibration_passes() const { return 0; }
  virtual void begin_calibration_pass(int /*pass*/) {}
  virtual void end_calibration_pass(int /*pass*/) {}
};

using LinearRegistry = core::Registry<Linear, const LinearInit&>;
const LinearRegistry& linear_registry();

}  // namespace pimtx::arch
