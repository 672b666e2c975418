// A stage's step over its schedule (pipeline_parallel_step.h).
#include "kernels/model/pipeline_parallel_step.h"

#include <stdexcept>
#include <string>

#include "kernels/model/expert_bias_update.h"
#include "kernels/moe/expert_loads.h"

namespace trainsim::kernels::model {
namespace {

// Each micro-batch forward once, then backward once.
void check_schedule(std::span<const PipelineOp> ops, int micro_batches) {
  std::vector<int> seen(micro_batches, 0);  // 0 none, 1 forward, 2 forward and backward
  for (const PipelineOp& op : ops) {
    if (op.micro_batch < 0 || op.micro_batch >= micro_batches)
      throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(op.micro_batch) + " of " +
                                  std::to_string(micro_batches));
    const int expected = op.pass == PipelinePass::kForward ? 0 : 1;
    if (seen[op.micro_batch] != expected)
      throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(op.micro_batch) +
                                  (op.pass == PipelinePass::kForward ? " forward twice" : " backward before forward"));
    ++seen[op.micro_batch];
  }
  for (int m = 0; m < micro_batches; ++m)
    if (seen[m] != 2)
      throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(m) + " unfinished");
}

void scale(ModelWeights& grads, double factor) {
  for_each_parameter(grads, grads, [&](const std::string&, int, std::vector<double>& g, std::vector<double>&) {
    for (double& value : g) value *= factor;
  });
}

// The first and the last stage's embedding gradients summed, first's + last's, on both.
void sum_embedding_over_its_stages(const PipelineStage& stage, Communicator& peers, std::vector<double>& d_embed) {
  if (stage.stages == 1 || d_embed.empty()) return;
  const int first = 0, last = stage.stages - 1;
  if (stage.holds_head()) {
    peers.send(first, d_embed);
    d_embed = peers.receive(first);
  } else if (stage.holds_embedding()) {
    const std::vector<double> from_last = peers.receive(last);
    for (size_t i = 0; i < d_embed.size(); ++i) d_embed[i] += from_last.at(i);
    peers.send(last, d_embed);
  }
}

}  // namespace

LossReport pipeline_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed) {
  const int count = int(micro_batches.size());
  check_schedule(ops, count);
  const PipelineStage& stage = model.stage();
  Communicator* peers = model.options.pipeline ? model.options.pipeline->communicator : nullptr;
  if (!stage.is_whole() && !peers) throw std::invalid_argument("pipeline step: options.pipeline names no group");

  LossReport sum;
  bool first_backward = true;
  for (const PipelineOp& op : ops) {
    const MicroBatch& mb = micro_batches[op.micro_batch];
    if (op.pass == PipelinePass::kForward) {
      const LossReport r = model.forward(mb.ids, mb.batch, op.micro_batch);
      sum = LossReport{sum.main_loss + r.main_loss, sum.mtp_loss + r.mtp_loss, sum.balance_loss + r.balance_loss,
                       sum.total_loss + r.total_loss};
    } else {
      model.backward(op.micro_batch, first_backward ? GradientBuffer::kZeroFirst : GradientBuffer::kAccumulate);
      first_backward = false;
    }
  }
  ModelWeights& grads = model.gradient_buffer();
  scale(grads, 1.0 / count);
  if (peers) sum_embedding_over_its_stages(stage, *peers, grads.embed);
  {
    const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
    const AttachBackend on_backend(model.options.backend);
    OpScope scope(OpKind::kOptimizer, "adamw");
    optimizer.step(model.weights, grads);
  }
  {
    const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
    OpScope scope(OpKind::kOptimizer, "expert_bias_update");
    const int experts = model.config().n_routed_experts;
    for (int b = 0; b < model.moe_block_count(); ++b) {
      if (!model.holds_moe_block(b)) continue;
      std::vector<int64_t> loads(experts, 0);
      for (int m = 0; m < count; ++m) {
        const std::vector<int64_t> of_micro_batch = loads_from_ids(model.last_expert_ids(b, m), experts);
        for (int e = 0; e < experts; ++e) loads[e] += of_micro_batch[e];
      }
      update_expert_bias(loads, bias_update_speed, model.expert_bias[b]);
    }
  }
  // The losses live on the last stage; every stage returns them.
  std::vector<double> losses = {sum.main_loss, sum.mtp_loss, sum.balance_loss, sum.total_loss};
  if (peers && !stage.is_whole()) peers->all_reduce_sum(losses);
  return LossReport{losses[0] / count, losses[1] / count, losses[2] / count, losses[3] / count};
}

}  // namespace trainsim::kernels::model
