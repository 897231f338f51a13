#include "arch/linear/digital.h"

namespace pimtx::arch {

DigitalLinear::DigitalLinear(core::Section& /*cfg*/, const LinearInit& init) : w_(init.weight) {}

void DigitalLinear::forward(const ConstMatRef& x, MatRef y, OpCounts& counts) {
  const int64_t n = x.rows();
  if (n == 1) {
    // One token: a matrix-vector product over contiguous weight rows (Eigen's GEMV path).
    y.row(0).transpose().noalias() = w_ * x.row(0).transpose();
  } else {
    y.noalias() = x * w_.transpose();
  }
  counts.macs += n * w_.rows() * w_.cols();
  counts.bytes_read += 4 * (w_.rows() * w_.cols() + n * w_.cols());
  counts.bytes_written += 4 * n * w_.rows();
  counts.calls += 1;
}

}  // namespace pimtx::arch
