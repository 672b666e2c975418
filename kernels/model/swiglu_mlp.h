// The SwiGLU feed-forward network of DeepSeek-V3's dense layers and of each expert (arXiv 2412.19437,
// section 2.1.2; SwiGLU from arXiv 2002.05202): y = W_down (silu(W_gate x) * (W_up x)), forward and backward.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/linear_gemm.h"
#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {

struct SwigluWeights {
  int hidden = 0;
  int inter = 0;
  std::vector<double> w_gate_up;  // [2 * inter][hidden]: gate rows, then up rows (grouped_gemm_ref.h's w1)
  std::vector<double> w_down;     // [hidden][inter]

  static SwigluWeights zeros(int hidden, int inter);
};

// What the backward pass reads back.
struct SwigluCache {
  int rows = 0;
  std::vector<double> x;    // [rows][hidden]
  std::vector<double> h;    // [rows][2 * inter], before the activation
  std::vector<double> act;  // [rows][inter]
  GemmPrecision precision = GemmPrecision::kFP64;  // of the forward's GEMMs; the backward's follow it
  OpKind gemm_kind = OpKind::kMlpGemm;             // what its GEMMs are timed as (op_timer.h)
  bool output_dropped = false;                     // act dropped: backward recomputes it from h (drop_swiglu_output)
};

// DeepSeek-V3's recomputation of the SwiGLU (arXiv 2412.19437, section 3.3.3: "we cache the inputs of the SwiGLU
// operator and recompute its output in the backward pass"): drops act after forward; backward runs the activation
// again on the kept h ("swiglu_recompute", the same function on the same input: the same values).
void drop_swiglu_output(SwigluCache& cache);

std::vector<double> swiglu_mlp_forward(const SwigluWeights& w, std::span<const double> x, int rows, SwigluCache& cache,
                                       GemmPrecision precision = GemmPrecision::kFP64,
                                       OpKind gemm_kind = OpKind::kMlpGemm);
// Returns dx and adds the weights' gradients into `grads`. x: the input when the cache dropped it; empty: cache.x.
std::vector<double> swiglu_mlp_backward(const SwigluWeights& w, const SwigluCache& cache, std::span<const double> dy,
                                        SwigluWeights& grads, std::span<const double> x = {});

}  // namespace trainsim::kernels::model
