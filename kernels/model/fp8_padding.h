// The zero padding that lets kernels/fp8's GEMM kernels run a linear layer's FP8 GEMM at any size: they want K a
// multiple of 16 (TMA rows of 16 bytes) and N a multiple of 8 (sm90_fp8_gemm.h's validate). A zero changes no 1x128
// tile's or 128x128 block's amax, hence no scale and no other code, and adds nothing to any sum, so the padded GEMM's
// top-left m x n is the unpadded one's, bit for bit (tests/kernels/model/fp8_padding_test.cc, on the CPU references).
// Plain C++: the CUDA back-end pads on the host before it uploads.
#pragma once
#include <span>
#include <vector>

#include "kernels/fp8/training_gemm.h"

namespace trainsim::kernels::model {

// A linear layer's sizes (training_gemm.h's tokens, in, out) after padding the GEMM `kind`'s K to 16 and N to 8:
// Fprop K = in, N = out; Dgrad K = out, N = in; Wgrad K = tokens, N = in. M is never padded.
struct Fp8LayerSizes {
  int tokens = 0, in = 0, out = 0;
};
Fp8LayerSizes fp8_padded_sizes(fp8::GemmKind kind, const Fp8LayerSizes& sizes);

// The GEMM's two tensors (training_gemm.h's order: Fprop X, W; Dgrad dY, W; Wgrad dY, X) at `to`'s sizes, zeros
// added after each row and after the last row.
struct Fp8GemmTensors {
  std::vector<float> first, second;
};
Fp8GemmTensors fp8_padded_tensors(fp8::GemmKind kind, const Fp8LayerSizes& from, const Fp8LayerSizes& to,
                                  std::span<const double> first, std::span<const double> second);

// The top-left rows x cols of d (rows x padded_cols), as doubles.
std::vector<double> fp8_unpadded_output(std::span<const float> d, int rows, int padded_cols, int cols);

}  // namespace trainsim::kernels::model
