// CPU references of the block-scaled FP8 GEMM: FP64 accumulation, and the tensor-core accumulation model.
// Products of two E4M3 values have at most 8 significant bits and are exact in double.
#include "kernels/fp8/gemm_ref.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/fp8/e4m3.h"

namespace trainsim::kernels::fp8 {

namespace {
void check_operands(const QuantizedMatrix& a, const QuantizedMatrix& b) {
  if (a.cols != b.cols) throw std::invalid_argument("gemm: A and B must share K (their cols)");
}
std::vector<float> decode_all(const QuantizedMatrix& q) {
  std::vector<float> out(q.codes.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = e4m3_to_float(q.codes[i]);
  return out;
}
}  // namespace

std::vector<double> gemm_ref(const QuantizedMatrix& a, const QuantizedMatrix& b) {
  check_operands(a, b);
  const int m = a.rows, n = b.rows, k = a.cols;
  const std::vector<float> av = decode_all(a), bv = decode_all(b);
  std::vector<double> d(static_cast<size_t>(m) * n, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0;
      for (int k0 = 0; k0 < k; k0 += kScaleTile) {
        double block = 0;
        for (int kk = k0; kk < std::min(k, k0 + kScaleTile); ++kk)
          block += static_cast<double>(av[static_cast<size_t>(i) * k + kk]) * bv[static_cast<size_t>(j) * k + kk];
        sum += block * a.scale(i, k0) * b.scale(j, k0);
      }
      d[static_cast<size_t>(i) * n + j] = sum;
    }
  }
  return d;
}

std::vector<float> round_output(std::span<const double> d, OutputType type) {
  std::vector<float> out(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    const auto f = static_cast<float>(d[i]);
    out[i] = type == OutputType::kBF16 ? round_to_bf16(f) : f;
  }
  return out;
}

float truncated_accumulate(float acc, std::span<const double> terms, int significand_bits) {
  double largest = std::fabs(static_cast<double>(acc));
  for (double t : terms) largest = std::max(largest, std::fabs(t));
  if (largest == 0) return acc;
  int exponent = 0;
  std::frexp(largest, &exponent);  // largest in [2^(exponent-1), 2^exponent)
  const double ulp = std::ldexp(1.0, exponent - significand_bits);
  double sum = std::trunc(static_cast<double>(acc) / ulp) * ulp;
  for (double t : terms) sum += std::trunc(t / ulp) * ulp;
  return static_cast<float>(sum);
}

std::vector<float> gemm_tensor_core_model(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                          TensorCoreAccumulation model, bool promote) {
  check_operands(a, b);
  if (model.group_k <= 0 || kScaleTile % model.group_k != 0)
    throw std::invalid_argument("gemm_tensor_core_model: group_k must divide 128");
  const int m = a.rows, n = b.rows, k = a.cols;
  const std::vector<float> av = decode_all(a), bv = decode_all(b);
  std::vector<float> d(static_cast<size_t>(m) * n);
  std::vector<double> terms(model.group_k);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float promoted = 0.0f;  // FP32 registers on the CUDA cores
      float partial = 0.0f;   // the tensor-core accumulator
      for (int k0 = 0; k0 < k; k0 += model.group_k) {
        const int k1 = std::min(k, k0 + model.group_k);
        for (int kk = k0; kk < k1; ++kk)
          terms[kk - k0] = static_cast<double>(av[static_cast<size_t>(i) * k + kk]) * bv[static_cast<size_t>(j) * k + kk];
        partial = truncated_accumulate(partial, std::span<const double>(terms.data(), k1 - k0), model.significand_bits);
        const bool block_done = k1 % kScaleTile == 0 || k1 == k;
        if (promote && block_done) {
          promoted = std::fmaf(partial, a.scale(i, k0) * b.scale(j, k0), promoted);
          partial = 0.0f;
        }
      }
      d[static_cast<size_t>(i) * n + j] = promote ? promoted : partial * (a.scale(i, 0) * b.scale(j, 0));
    }
  }
  return d;
}

}  // namespace trainsim::kernels::fp8
