// Weight gradients kept for a pipeline's W (deferred_weight_gradients.h).
#include "kernels/model/deferred_weight_gradients.h"

#include <utility>

namespace trainsim::kernels::model {

void DeferredWeightGradients::keep(std::span<const double> x, std::span<const double> dy, int m, int n, int k,
                                   std::span<double> dw, GemmPrecision precision) {
  Wgrad g{std::vector<double>(x.begin(), x.end()), std::vector<double>(dy.begin(), dy.end()), m, n, k, dw, precision};
  if (const OpTimer* timer = attached_op_timer(); timer != nullptr && timer->in_op()) {
    g.kind = timer->running_op().kind;
    g.name = timer->running_op().name;
    g.layer = timer->layer;
  }
  kept_.push_back(std::move(g));
}

void DeferredWeightGradients::run() {
  std::vector<Wgrad> kept;
  kept.swap(kept_);
  const AttachDeferredWeightGradients none(nullptr);  // run them, not keep them again
  for (const Wgrad& g : kept) {
    const OpLayer layer(g.layer);
    const OpScope scope(g.kind, g.name);
    linear_wgrad(g.x, g.dy, g.m, g.n, g.k, g.dw, g.precision);
  }
}

}  // namespace trainsim::kernels::model
