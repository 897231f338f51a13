// `digital` linear unit: exact float32 y = x W^T with Eigen (the reference every crossbar unit is
// compared against). Counts: macs = n*in*out; bytes_read = weights (4*in*out, fetched once per call,
// as a weight-streaming digital accelerator would) + inputs; bytes_written = outputs.
#pragma once

#include "arch/linear/linear.h"

namespace pimtx::arch {

class DigitalLinear final : public Linear {
 public:
  DigitalLinear(core::Section& cfg, const LinearInit& init);
  [[nodiscard]] int64_t in_features() const override { return w_.cols(); }
  [[nodiscard]] int64_t out_features() const override { return w_.rows(); }
  void forward(const ConstMatRef& x, MatRef y, OpCounts& counts) override;

 private:
  Mat w_;  // (out, in)
};

}  // namespace pimtx::arch
