// SwiGLU MLP from the shared references: linear_gemm.h's GEMMs (linear_ref / linear_backward_ref of mla/ at FP64)
// and swiglu_ref / swiglu_backward_ref (moe/).
#include "kernels/model/swiglu_mlp.h"

#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::model {

SwigluWeights SwigluWeights::zeros(int hidden, int inter) {
  return SwigluWeights{hidden, inter, std::vector<double>(size_t(2) * inter * hidden),
                       std::vector<double>(size_t(hidden) * inter)};
}

std::vector<double> swiglu_mlp_forward(const SwigluWeights& w, std::span<const double> x, int rows,
                                       SwigluCache& cache, GemmPrecision precision, OpKind gemm_kind) {
  cache.rows = rows;
  cache.precision = precision;
  cache.gemm_kind = gemm_kind;
  cache.output_dropped = false;
  cache.x.assign(x.begin(), x.end());
  cache.h = timed(gemm_kind, "gate_up",
                  [&] { return linear_forward(x, w.w_gate_up, rows, 2 * w.inter, w.hidden, precision); });
  {
    OpScope scope(OpKind::kNormElementwise, "swiglu");
    cache.act.assign(size_t(rows) * w.inter, 0);
    current_backend().swiglu(cache.h, rows, w.inter, cache.act, precision);
  }
  return timed(gemm_kind, "down",
               [&] { return linear_forward(cache.act, w.w_down, rows, w.hidden, w.inter, precision); });
}

void drop_swiglu_output(SwigluCache& cache) {
  std::vector<double>().swap(cache.act);
  cache.output_dropped = true;
}

std::vector<double> swiglu_mlp_backward(const SwigluWeights& w, const SwigluCache& cache, std::span<const double> dy,
                                        SwigluWeights& grads, std::span<const double> x) {
  const std::span<const double> in = x.empty() ? std::span<const double>(cache.x) : x;
  std::vector<double> recomputed;
  if (cache.output_dropped) {
    OpScope scope(OpKind::kNormElementwise, "swiglu_recompute");
    recomputed.assign(size_t(cache.rows) * w.inter, 0);
    current_backend().swiglu(cache.h, cache.rows, w.inter, recomputed, cache.precision);
  }
  const std::span<const double> act = cache.output_dropped ? std::span<const double>(recomputed) : cache.act;
  const std::vector<double> d_act = timed(cache.gemm_kind, "down", [&] {
    return linear_backward(act, w.w_down, dy, cache.rows, w.hidden, w.inter, grads.w_down, cache.precision);
  });
  std::vector<double> dh(cache.h.size());
  {
    OpScope scope(OpKind::kNormElementwise, "swiglu");
    current_backend().swiglu_backward(cache.h, cache.rows, w.inter, d_act, dh, cache.precision);
  }
  return timed(cache.gemm_kind, "gate_up", [&] {
    return linear_backward(in, w.w_gate_up, dh, cache.rows, 2 * w.inter, w.hidden, grads.w_gate_up,
                           cache.precision);
  });
}

}  // namespace trainsim::kernels::model
