// Normalization costs per element of [rows, dim] (see layer_norms.h).
// RMSNorm y = g * x * rstd, rstd = 1 / sqrt(mean(x^2) + eps): forward square, sum, scale by rstd, scale by g
// (4 FLOPs); backward 8 (x-hat again, g * dy, the row dot product and its correction, dg's column sum).
// LayerNorm y = g * (x - mean) * rstd + b (Ba et al. 2016) adds the mean's sum, the centring and the shift
// forward (3 more), and backward the centring in x-hat, the mean of g * dy and its subtraction, and the bias
// gradient's column sum of dy (4 more). The weight and bias (2h values) are negligible bytes beside [rows, dim].
#include "models/layer_norms.h"

#include "models/op.h"

namespace trainsim::models {
namespace {

constexpr double kRmsForwardFlopsPerElement = 4, kRmsBackwardFlopsPerElement = 8;
constexpr double kLayerNormExtraForward = 3, kLayerNormExtraBackward = 4;

}  // namespace

NormCost norm_cost(NormKind kind, double rows, double dim) {
  const double elements = rows * dim;
  const bool layer = kind == NormKind::kLayer;
  NormCost c;
  c.forward_flops = (kRmsForwardFlopsPerElement + (layer ? kLayerNormExtraForward : 0)) * elements;
  c.backward_flops = (kRmsBackwardFlopsPerElement + (layer ? kLayerNormExtraBackward : 0)) * elements;
  c.forward_bytes = 2.0 * elements * bytes_per_element(Dtype::kBf16);
  c.backward_bytes = 3.0 * elements * bytes_per_element(Dtype::kBf16);
  c.saved_bytes = elements * bytes_per_element(Dtype::kBf16) + rows * bytes_per_element(Dtype::kFp32) * (layer ? 2 : 1);
  return c;
}

}  // namespace trainsim::models
