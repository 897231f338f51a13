// Dense float32 tensor aliases used throughout arch/ (Eigen, row-major like llama2.c and PyTorch).
#pragma once

#include <Eigen/Dense>

namespace pimtx::arch {

// (rows, cols) row-major; activations are (n_tokens, features), weights are (out, in).
using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXf;
// Views onto a block of a row-major matrix (any row stride).
using MatRef = Eigen::Ref<Mat, 0, Eigen::OuterStride<>>;
using ConstMatRef = Eigen::Ref<const Mat, 0, Eigen::OuterStride<>>;

}  // namespace pimtx::arch
