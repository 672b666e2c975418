// A one-device step's ops at the model's own routing (see routed_step_ops.h).
#include "cli/routed_step_ops.h"

#include "core/error.h"
#include "sim/step/priced_model.h"

namespace trainsim::cli {

std::vector<std::vector<models::Op>> step_ops_at_routing(const sim::PricedScenario& priced,
                                                         const std::vector<std::vector<std::int64_t>>& rows_by_block) {
  const sim::Scenario& s = priced.scenario;
  TS_CHECK(s.layout.ep == 1, "the reduced model's routing is one device's: EP {}", s.layout.ep);
  models::OpContext context = sim::op_context(s);
  std::vector<std::vector<models::Op>> out;
  std::size_t block = 0;
  for (const sim::StageLayer& layer : sim::stage_layers(priced.plan.stages.at(0), s.job.model)) {
    const bool routed = s.job.model.is_moe() &&
                        (layer.kind == models::LayerKind::kMoe || layer.kind == models::LayerKind::kMtp);
    if (!routed) {
      out.push_back(priced.at_full_sms.of(layer.kind).ops.ops);
      continue;
    }
    TS_CHECK(block < rows_by_block.size(), "the model routed {} MoE blocks, the scenario's step has more",
             rows_by_block.size());
    context.routed_rows_by_expert = rows_by_block[block++];
    out.push_back(models::build_layer_ops(s.job.model, layer.kind, context).ops);
  }
  TS_CHECK(block == rows_by_block.size(), "the model routed {} MoE blocks, the scenario's step has {}",
           rows_by_block.size(), block);
  return out;
}

}  // namespace trainsim::cli
