// `dense` attention unit: exact causal softmax attention over every cached key (the reference for LSH,
// gain-cell and CAM units). float32 scores, max-subtracted softmax, as llama2.c run.c.
#pragma once

#include "arch/attention/attention.h"

namespace pimtx::arch {

class DenseAttention final : public Attention {
 public:
  DenseAttention(core::Section& cfg, const AttentionInit& init);
  void reset() override {}
  void forward(AttentionCall& call, OpCounts& counts) override;

 private:
  AttentionInit init_;
  Mat scores_;  // (n_new, n_held) scratch
};

}  // namespace pimtx::arch
