// The three FP8 GEMMs of a linear layer y = x W^T in training, mapped onto D = A B^T (gemm_ref.h):
// which tensor each operand is, how it is tiled, and the resulting M, N, K (DeepSeek-V3 tech report fig. 6).
#pragma once
#include <span>
#include <string_view>

#include "kernels/fp8/quantize.h"

namespace trainsim::kernels::fp8 {

enum class GemmKind {
  kFprop,  // Y[T,out]  = X[T,in] W[out,in]^T:  A = X (1x128),          B = W (128x128)
  kDgrad,  // dX[T,in]  = dY[T,out] W[out,in]:   A = dY (1x128),         B = W^T (128x128, transposed)
  kWgrad,  // dW[out,in] = dY^T X:                A = dY^T (128x1 of dY), B = X^T (128x1 of X)
};
std::string_view to_string(GemmKind kind);

enum class OutputType { kBF16, kFP32 };
std::string_view to_string(OutputType type);

struct GemmShape {
  int m = 0;
  int n = 0;
  int k = 0;
  double flops() const { return 2.0 * m * n * k; }
};

// M, N, K of `kind` for a layer in -> out over `tokens` tokens.
GemmShape training_gemm_shape(GemmKind kind, int tokens, int in_features, int out_features);

struct GemmOperands {
  QuantizedMatrix a;
  QuantizedMatrix b;
};
// Quantizes the layer's tensors as DeepSeek-V3 does for `kind`. `first` and `second` are, in order:
// Fprop X[T,in], W[out,in]; Dgrad dY[T,out], W[out,in]; Wgrad dY[T,out], X[T,in].
GemmOperands make_training_operands(GemmKind kind, int tokens, int in_features, int out_features,
                                    std::span<const float> first, std::span<const float> second,
                                    bool power_of_two_scales = false);

}  // namespace trainsim::kernels::fp8
