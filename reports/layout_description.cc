// The layout line of a run's summary and report page (layout_description.h).
#include "reports/layout_description.h"

#include <fmt/format.h>

#include "models/recompute.h"

namespace trainsim::reports {

std::string layout_description(const sim::ParallelLayout& l, int microbatches, int sequence_length) {
  std::string framework;
  if (l.tp_comm_overlap) framework += ", TP communication overlap";
  if (l.ep_overlap) framework += ", EP all-to-all overlap";
  if (l.ep_dispatch == models::EpDispatch::kPerExpert) framework += ", all-to-all per expert";
  if (!l.gradient_accumulation_fusion) framework += ", separate gradient accumulation";
  if (l.cross_entropy_kernel == models::CrossEntropyKernel::kUnfused) framework += ", unfused cross-entropy";
  if (l.residual_add == models::ResidualAdd::kSeparate) framework += ", separate residual adds";
  if (l.pipeline_p2p != sim::PipelineP2p::kOverlapped)
    framework += fmt::format(", {} pipeline sends", sim::pipeline_p2p_name(l.pipeline_p2p));
  return fmt::format("PP {} {}{}, TP {}{}{}, EP {}, DP {} ZeRO-{}, recompute {}, {} attention{}; {} micro-batches of {} x {} "
                     "tokens",
                     l.pp, sim::schedule_name(l.schedule), l.virtual_stages > 1 ? fmt::format(" (v={})", l.virtual_stages) : "",
                     l.tp, l.sequence_parallel ? "+SP" : "", l.cp > 1 ? fmt::format(", CP {} ({})", l.cp, models::cp_comm_name(l.cp_comm)) : "", l.ep, l.dp, l.zero_stage,
                     models::recompute_description(l.recompute, l.recompute_modules),
                     models::attention_kernel_name(l.attention_kernel), framework, microbatches, l.micro_batch_size,
                     sequence_length);
}

}  // namespace trainsim::reports
