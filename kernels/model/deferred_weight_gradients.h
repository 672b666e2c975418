// The split backward of zero-bubble pipelines (ZB1P, arXiv 2401.10241; DualPipe, DeepSeek-V3 tech report section
// 3.2.1): a backward for the inputs (Bi) hands its input's gradient to the stage before as soon as it has it, and
// the linear layers' weight gradients (W: dW += dY^T X, the Wgrad GEMMs) run later, when the schedule says. While a
// DeferredWeightGradients is attached to a thread, linear_wgrad (linear_gemm.h) keeps each Wgrad GEMM's operands
// instead of running it; run() runs them later in the order kept, each in a timed op of the kind and name of the op
// that kept it, so that every weight gradient gets the same additions in the same order as in a whole backward. The
// other gradients (norms' gains, the embedding, the router through its gates) stay with Bi, as ZB1P's W holds only
// the GEMMs' weight gradients.
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "kernels/model/linear_gemm.h"
#include "kernels/model/op_timer.h"
#include "kernels/model/thread_attachment.h"

namespace trainsim::kernels::model {

class DeferredWeightGradients {
 public:
  // Keeps dw += dy^T x (dy [m][n], x [m][k], dw [n][k]) at `precision` for run(); dw must stay where it is until then.
  void keep(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
            GemmPrecision precision);
  // Runs the kept GEMMs (on the thread's back-end, timed if a timer is attached) and forgets them.
  void run();
  bool empty() const { return kept_.empty(); }

 private:
  struct Wgrad {
    std::vector<double> x, dy;
    int m = 0, n = 0, k = 0;
    std::span<double> dw;
    GemmPrecision precision = GemmPrecision::kFP64;
    OpKind kind = OpKind::kProjection;
    std::string_view name = "weight_gradient";  // the keeping op's, where a timer saw it
    int layer = kNoLayer;
  };
  std::vector<Wgrad> kept_;
};

// Attaches a deferral (null: none, the default) to this thread for the scope's life (thread_attachment.h):
// linear_wgrad keeps its GEMMs in the attached one.
using AttachDeferredWeightGradients = ThreadAttachment<DeferredWeightGradients>;

}  // namespace trainsim::kernels::model
