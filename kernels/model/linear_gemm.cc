// linear_gemm.h's GEMMs: the model's calls, which check sizes, count FLOPs and go to the thread's back-end
// (compute_backend.h); and the CPU back-end's three precisions: FP64 through mla/'s linear_ref, BF16 through
// bf16_host.h's rounding and an FP32-accumulating loop, FP8 through fp8/'s operand quantization and tensor-core
// model, rows spread over cores.
#include "kernels/model/linear_gemm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/common/parallel_for.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/fp8/training_gemm.h"
#include "kernels/mla/bf16_host.h"
#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/compute_backend.h"
#include "kernels/model/deferred_weight_gradients.h"
#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {

std::string_view to_string(GemmPrecision precision) {
  switch (precision) {
    case GemmPrecision::kFP64:
      return "fp64";
    case GemmPrecision::kBF16:
      return "bf16";
    case GemmPrecision::kFP8:
      return "fp8";
  }
  return "?";
}

GemmPrecision parse_gemm_precision(std::string_view name) {
  for (GemmPrecision p : {GemmPrecision::kFP64, GemmPrecision::kBF16, GemmPrecision::kFP8})
    if (name == to_string(p)) return p;
  throw std::invalid_argument("unknown GEMM precision '" + std::string(name) + "' (expected fp64, bf16 or fp8)");
}

namespace {

// rows x cols (row-major) as BF16 values, optionally transposed to cols x rows.
std::vector<float> to_bf16(std::span<const double> x, int rows, int cols, bool transpose) {
  std::vector<float> out(x.size());
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      out[transpose ? size_t(c) * rows + r : size_t(r) * cols + c] = round_to_bf16(float(x[size_t(r) * cols + c]));
  return out;
}

// D[m][n] = sum_k a[m][k] b[n][k]: products of two BF16 values are exact in FP32 (8 + 8 significant bits), so the
// only roundings are the FP32 additions, in K order (a model of the tensor cores' FP32 accumulator).
std::vector<double> gemm_nt_fp32(const std::vector<float>& a, const std::vector<float>& b, int m, int n, int k) {
  std::vector<double> d(size_t(m) * n);
  parallel_for(m, [&](int i) {
    for (int j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int kk = 0; kk < k; ++kk) acc += a[size_t(i) * k + kk] * b[size_t(j) * k + kk];
      d[size_t(i) * n + j] = acc;
    }
  });
  return d;
}

// Rows [first, last) of a 1x128-tiled operand, with their scales (fp8_scaling.h: kb * rows + row).
fp8::QuantizedMatrix row_slice(const fp8::QuantizedMatrix& q, int first, int last) {
  fp8::QuantizedMatrix s{last - first, q.cols, q.tiling, {}, {}};
  s.codes.assign(q.codes.begin() + size_t(first) * q.cols, q.codes.begin() + size_t(last) * q.cols);
  for (int kb = 0; kb < fp8::k_blocks(q.cols); ++kb)
    for (int r = first; r < last; ++r) s.scales.push_back(q.scales[size_t(kb) * q.rows + r]);
  return s;
}

// One FP8 GEMM of a linear, quantized as DeepSeek-V3 does for `kind` (first, second: training_gemm.h's order).
// The tensor-core model runs on slices of A's rows (every A is 1x128-tiled: X, dY or dY^T), one per task; each
// output row depends on its own row of A only, so the result equals one call on the whole operands.
std::vector<double> fp8_gemm(fp8::GemmKind kind, int tokens, int in, int out, std::span<const double> first,
                             std::span<const double> second) {
  const std::vector<float> f(first.begin(), first.end()), s(second.begin(), second.end());
  const fp8::GemmOperands ops = fp8::make_training_operands(kind, tokens, in, out, f, s);
  if (ops.a.tiling != fp8::ScaleTiling::kRow1x128) throw std::logic_error("fp8_gemm: A is not 1x128-tiled");
  const int m = ops.a.rows, n = ops.b.rows, rows_per_task = 16;
  std::vector<double> d(size_t(m) * n);
  parallel_for((m + rows_per_task - 1) / rows_per_task, [&](int task) {
    const int r0 = task * rows_per_task, r1 = std::min(m, r0 + rows_per_task);
    const std::vector<float> part =
        fp8::gemm_tensor_core_model(row_slice(ops.a, r0, r1), ops.b, fp8::TensorCoreAccumulation{}, true);
    std::copy(part.begin(), part.end(), d.begin() + size_t(r0) * n);
  });
  return d;
}

}  // namespace

std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                   GemmPrecision precision) {
  if (x.size() != size_t(m) * k || w.size() != size_t(n) * k)
    throw std::invalid_argument("linear_forward: sizes do not match m, n, k");
  count_flops(2.0 * m * n * k);
  return current_backend().linear_forward(x, w, m, n, k, precision);
}

std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                 GemmPrecision precision) {
  if (w.size() != size_t(n) * k || dy.size() != size_t(m) * n)
    throw std::invalid_argument("linear_dgrad: sizes do not match m, n, k");
  count_flops(2.0 * m * n * k);
  return current_backend().linear_dgrad(w, dy, m, n, k, precision);
}

void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                  GemmPrecision precision) {
  if (x.size() != size_t(m) * k || dy.size() != size_t(m) * n || dw.size() != size_t(n) * k)
    throw std::invalid_argument("linear_wgrad: sizes do not match m, n, k");
  if (DeferredWeightGradients* deferred = AttachDeferredWeightGradients::attached())
    return deferred->keep(x, dy, m, n, k, dw, precision);  // its FLOPs counted where it runs
  count_flops(2.0 * m * n * k);
  current_backend().linear_wgrad(x, dy, m, n, k, dw, precision);
}

std::vector<double> linear_forward_cpu(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                       GemmPrecision precision) {
  if (m == 0 || n == 0 || k == 0) precision = GemmPrecision::kFP64;  // an expert without tokens: nothing to round
  switch (precision) {
    case GemmPrecision::kFP64:
      return linear_ref(x, w, m, n, k);
    case GemmPrecision::kBF16:
      return gemm_nt_fp32(to_bf16(x, m, k, false), to_bf16(w, n, k, false), m, n, k);
    case GemmPrecision::kFP8:
      return fp8_gemm(fp8::GemmKind::kFprop, m, k, n, x, w);
  }
  throw std::invalid_argument("linear_forward: unknown precision");
}

std::vector<double> linear_dgrad_cpu(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                     GemmPrecision precision) {
  if (precision == GemmPrecision::kFP64 || m == 0 || n == 0 || k == 0) return linear_dgrad_ref(w, dy, m, n, k);
  if (precision == GemmPrecision::kBF16) return gemm_nt_fp32(to_bf16(dy, m, n, false), to_bf16(w, n, k, true), m, k, n);
  return fp8_gemm(fp8::GemmKind::kDgrad, m, k, n, dy, w);
}

void linear_wgrad_cpu(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                      GemmPrecision precision) {
  if (precision == GemmPrecision::kFP64 || m == 0 || n == 0 || k == 0) return linear_wgrad_ref(x, dy, m, n, k, dw);
  const std::vector<double> dw_step = precision == GemmPrecision::kBF16
                                          ? gemm_nt_fp32(to_bf16(dy, m, n, true), to_bf16(x, m, k, true), n, k, m)
                                          : fp8_gemm(fp8::GemmKind::kWgrad, m, k, n, dy, x);
  for (size_t i = 0; i < dw.size(); ++i) dw[i] += dw_step[i];
}

std::vector<double> linear_backward(std::span<const double> x, std::span<const double> w, std::span<const double> dy,
                                    int m, int n, int k, std::span<double> dw, GemmPrecision precision) {
  if (x.size() != size_t(m) * k || w.size() != size_t(n) * k || dy.size() != size_t(m) * n || dw.size() != w.size())
    throw std::invalid_argument("linear_backward: sizes do not match m, n, k");
  std::vector<double> dx = linear_dgrad(w, dy, m, n, k, precision);
  linear_wgrad(x, dy, m, n, k, dw, precision);
  return dx;
}

}  // namespace trainsim::kernels::model
