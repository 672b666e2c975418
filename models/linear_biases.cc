// The bias gradient's column reduction (see linear_biases.h): rows x n additions, dY read once in BF16, the
// n-wide FP32 gradient of each weight set written once.
#include "models/linear_biases.h"

namespace trainsim::models {

Op bias_gradient_op(const std::string& gemm_name, OpRole role, double rows, double n, double weight_sets) {
  return {gemm_name + ".bias_grad", OpKind::kElementwise, Dtype::kFp32, Pass::kBackwardWeight, role, rows * n,
          rows * n * bytes_per_element(Dtype::kBf16) + weight_sets * n * bytes_per_element(Dtype::kFp32)};
}

}  // namespace trainsim::models
