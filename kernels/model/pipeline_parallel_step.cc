// A rank's step over its schedule (pipeline_parallel_step.h).
#include "kernels/model/pipeline_parallel_step.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "kernels/model/expert_bias_update.h"
#include "kernels/model/expert_data_parallel_step.h"
#include "kernels/model/message_rounds.h"
#include "kernels/model/pipeline_messages.h"
#include "kernels/moe/expert_loads.h"

namespace trainsim::kernels::model {
namespace {

// Where a lane's micro-batch stands in the step: nothing run, forward run, backward for the inputs run (its W
// to come), or done (a whole backward, or Bi and W).
enum class MicroBatchState { kNone, kForward, kInputsDone, kDone };

// The micro-batches each lane sees, in micro-batch order, after checking each runs its forward once, then a whole
// backward or a backward for the inputs followed by its weight gradients.
std::vector<std::vector<int>> check_schedule(std::span<const PipelineOp> ops, int lanes, int micro_batches) {
  using S = MicroBatchState;
  std::vector<std::vector<S>> seen(lanes, std::vector<S>(micro_batches, S::kNone));
  for (const PipelineOp& op : ops) {
    if (op.lane < 0 || op.lane >= lanes || op.micro_batch < 0 || op.micro_batch >= micro_batches)
      throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(op.micro_batch) + " on lane " +
                                  std::to_string(op.lane) + ", outside " + std::to_string(micro_batches) +
                                  " micro-batches and " + std::to_string(lanes) + " lanes");
    S& state = seen[op.lane][op.micro_batch];
    const auto refuse = [&](const char* what) {
      throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(op.micro_batch) + what);
    };
    switch (op.pass) {
      case PipelinePass::kForward:
        if (state != S::kNone) refuse(" forward twice");
        state = S::kForward;
        break;
      case PipelinePass::kBackward:
      case PipelinePass::kBackwardInput:
        if (state != S::kForward) refuse(state == S::kNone ? " backward before forward" : " backward twice");
        state = op.pass == PipelinePass::kBackward ? S::kDone : S::kInputsDone;
        break;
      case PipelinePass::kBackwardWeight:
        if (state != S::kInputsDone) refuse(" weight gradients without a backward for the inputs before them");
        state = S::kDone;
        break;
    }
  }
  std::vector<std::vector<int>> of_lane(lanes);
  for (int m = 0; m < micro_batches; ++m) {
    bool anywhere = false;
    for (int l = 0; l < lanes; ++l) {
      if (seen[l][m] == S::kForward)
        throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(m) + " has no backward");
      if (seen[l][m] == S::kInputsDone)
        throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(m) + " has no weight gradients");
      if (seen[l][m] == S::kDone) of_lane[l].push_back(m), anywhere = true;
    }
    if (!anywhere) throw std::invalid_argument("pipeline schedule: micro-batch " + std::to_string(m) + " never runs");
  }
  return of_lane;
}

// DualPipe: rank r's lane 0 holds direction 0's copy of stage r and lane 1 direction 1's copy of stage pp-1-r; its
// partner pp-1-r the other copies of the same two stages (its lane 1: my lane 0's stage). The two swap their lanes'
// values in one exchange (both send before they receive), and each lane gets its stage's two copies summed,
// direction 0's first, so both copies of a stage end equal.
std::vector<std::vector<double>> sum_with_partner_copies(Communicator& peers,
                                                         const std::vector<std::vector<double>>& mine) {
  const int partner = peers.size() - 1 - peers.rank();
  const int from[] = {partner, partner};
  const std::vector<std::vector<double>> theirs = peers.exchange({{partner, mine[0]}, {partner, mine[1]}}, from);
  const auto sum = [](std::vector<double> direction0, const std::vector<double>& direction1) {
    if (direction0.size() != direction1.size())
      throw std::runtime_error("pipeline step: a stage's two copies differ in shape");
    for (size_t i = 0; i < direction0.size(); ++i) direction0[i] += direction1[i];
    return direction0;
  };
  return {sum(mine[0], theirs[1]), sum(theirs[0], mine[1])};
}

void sum_stage_copies(Communicator& peers, ReducedDeepSeekV3& lane0, ReducedDeepSeekV3& lane1) {
  const std::vector<std::vector<double>> sums = sum_with_partner_copies(
      peers, {packed_parameters(lane0.gradient_buffer()), packed_parameters(lane1.gradient_buffer())});
  unpack_parameters(lane0.gradient_buffer(), sums[0]);
  unpack_parameters(lane1.gradient_buffer(), sums[1]);
}

// The embedding's gradient of the first stage's lookup and of the last stage's MTP modules, summed (first's +
// last's) where both stages' models hold it.
void sum_embedding_over_its_stages(std::span<const PipelineLane> lanes) {
  ReducedDeepSeekV3 *first = nullptr, *last = nullptr;
  for (const PipelineLane& lane : lanes) {
    if (lane.model->stage().holds_embedding()) first = lane.model;
    if (lane.model->stage().holds_head()) last = lane.model;
  }
  if (first == last) return;  // a middle stage (both null), or the whole model
  ReducedDeepSeekV3& end = first ? *first : *last;
  if (end.config().num_nextn_predict_layers == 0) return;  // no MTP module: the last stage holds no embedding
  if (first && last) {                                     // one rank holds both ends (DualPipe, DualPipeV)
    std::vector<double> sum = first->gradient_buffer().embed;
    const std::vector<double>& of_last = last->gradient_buffer().embed;
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += of_last.at(i);
    first->gradient_buffer().embed = sum;
    last->gradient_buffer().embed = std::move(sum);
    return;
  }
  const PipelineParallelism& group = *end.options.pipeline;
  std::vector<double>& d_embed = end.gradient_buffer().embed;
  if (last) {
    group.communicator->send(group.rank_of(0), d_embed);
    d_embed = group.communicator->receive(group.rank_of(0));
    return;
  }
  const int last_rank = group.rank_of(end.stage().stages - 1);
  const std::vector<double> from_last = group.communicator->receive(last_rank);
  for (size_t i = 0; i < d_embed.size(); ++i) d_embed[i] += from_last.at(i);
  group.communicator->send(last_rank, d_embed);
}

// The loads of each MoE block the lane's model holds, summed over the micro-batches it saw, blocks in order.
std::vector<double> held_loads(const ReducedDeepSeekV3& model, const std::vector<int>& micro_batches) {
  const int experts = model.config().n_routed_experts;
  std::vector<double> loads;
  for (int b = 0; b < model.moe_block_count(); ++b) {
    if (!model.holds_moe_block(b)) continue;
    std::vector<double> block(experts, 0.0);
    for (int m : micro_batches) {
      const std::vector<int64_t> of_micro_batch = loads_from_ids(model.last_expert_ids(b, m), experts);
      for (int e = 0; e < experts; ++e) block[e] += double(of_micro_batch[e]);  // counts: exact as doubles
    }
    loads.insert(loads.end(), block.begin(), block.end());
  }
  return loads;
}

void update_held_biases(ReducedDeepSeekV3& model, const std::vector<double>& loads, double speed) {
  const int experts = model.config().n_routed_experts;
  size_t next = 0;
  for (int b = 0; b < model.moe_block_count(); ++b) {
    if (!model.holds_moe_block(b)) continue;
    std::vector<int64_t> block(experts);
    for (int e = 0; e < experts; ++e) block[e] = int64_t(loads.at(next++));
    update_expert_bias(block, speed, model.expert_bias[b]);
  }
}

// For a step: the lanes' pipeline groups re-pointed at one PipelineMessages over their communicator (their stages'
// sends held and receives served in the plan's rounds), the groups restored when it goes.
class StageMessagesInRounds {
 public:
  StageMessagesInRounds(std::span<const PipelineLane> lanes, Communicator& inner)
      : lanes_(lanes), messages_(inner), groups_(lanes.size()) {
    for (size_t l = 0; l < lanes.size(); ++l) {
      own_.push_back(lanes[l].model->options.pipeline);
      if (!own_[l]) continue;
      groups_[l] = PipelineParallelism{&messages_, own_[l]->rank_of_stage};
      lanes[l].model->options.pipeline = &groups_[l];
    }
  }
  ~StageMessagesInRounds() {
    for (size_t l = 0; l < lanes_.size(); ++l) lanes_[l].model->options.pipeline = own_[l];
  }
  StageMessagesInRounds(const StageMessagesInRounds&) = delete;
  StageMessagesInRounds& operator=(const StageMessagesInRounds&) = delete;

  PipelineMessages& messages() { return messages_; }

 private:
  std::span<const PipelineLane> lanes_;
  PipelineMessages messages_;
  std::vector<const PipelineParallelism*> own_;
  std::vector<PipelineParallelism> groups_;
};

// The lanes' one pipeline communicator (nullptr for the whole model on one lane), after checking that this rank's
// part of the plan holds the lanes' stages.
Communicator* pipeline_communicator(std::span<const PipelineLane> lanes, const PipelinePlan& plan) {
  Communicator* peers = nullptr;
  for (const PipelineLane& lane : lanes) {
    const PipelineParallelism* group = lane.model->options.pipeline;
    if (!lane.model->stage().is_whole() && !(group && group->communicator))
      throw std::invalid_argument("pipeline step: a stage's options.pipeline names no group");
    if (!group || !group->communicator) continue;
    if (peers && peers != group->communicator)
      throw std::invalid_argument("pipeline step: the lanes' pipelines run over different communicators");
    peers = group->communicator;
  }
  const int rank = peers ? peers->rank() : 0, ranks = peers ? peers->size() : 1;
  if (int(plan.size()) != ranks)
    throw std::invalid_argument("pipeline step: a plan of " + std::to_string(plan.size()) +
                                " ranks for a pipeline of " + std::to_string(ranks));
  const std::vector<int>& stages = plan[rank].stage_of_lane;
  bool agree = stages.size() == lanes.size();
  for (size_t l = 0; agree && l < lanes.size(); ++l) agree = stages[l] == lanes[l].model->stage().stage;
  if (!agree)
    throw std::invalid_argument("pipeline step: rank " + std::to_string(rank) +
                                "'s plan names other stages than its lanes hold");
  return peers;
}

// Runs this rank's ops in order, the stages' messages in their rounds; returns the sum of the losses its forwards
// computed. Gradients accumulate over a lane's backwards, the first zeroing them.
LossReport run_ops(std::span<const PipelineLane> lanes, std::span<const MicroBatch> micro_batches,
                   const PipelinePlan& plan, int rank, Communicator* peers) {
  const std::vector<PipelineOp>& ops = plan[rank].ops;
  const std::vector<std::vector<MessageRound>> rounds = message_rounds(plan, rank);
  std::unique_ptr<StageMessagesInRounds> in_rounds;
  if (peers) in_rounds = std::make_unique<StageMessagesInRounds>(lanes, *peers);
  const auto post_rounds_before = [&](size_t i) {
    if (!rounds[i].empty() && !in_rounds) throw std::logic_error("pipeline step: messages without a pipeline");
    for (const MessageRound& round : rounds[i]) in_rounds->messages().post(round);
  };
  LossReport sum;
  std::vector<bool> first_backward(lanes.size(), true);
  for (size_t i = 0; i < ops.size(); ++i) {
    post_rounds_before(i);
    const PipelineOp& op = ops[i];
    ReducedDeepSeekV3& model = *lanes[op.lane].model;
    const MicroBatch& mb = micro_batches[op.micro_batch];
    if (in_rounds) in_rounds->messages().start_op(message_pass(op.pass), op.micro_batch, model.stage().stage);
    switch (op.pass) {
      case PipelinePass::kForward: {
        const LossReport r = model.forward(mb.ids, mb.batch, op.micro_batch);
        sum = LossReport{sum.main_loss + r.main_loss, sum.mtp_loss + r.mtp_loss, sum.balance_loss + r.balance_loss,
                         sum.total_loss + r.total_loss};
        break;
      }
      case PipelinePass::kBackward:
      case PipelinePass::kBackwardInput:
        model.backward(op.micro_batch,
                       first_backward[op.lane] ? GradientBuffer::kZeroFirst : GradientBuffer::kAccumulate,
                       op.pass == PipelinePass::kBackward ? WeightGradients::kWithInputs : WeightGradients::kDeferred);
        first_backward[op.lane] = false;
        break;
      case PipelinePass::kBackwardWeight:
        model.backward_weights(op.micro_batch);
        break;
    }
  }
  post_rounds_before(ops.size());
  if (in_rounds) in_rounds->messages().check_all_delivered();
  return sum;
}

}  // namespace

LossReport pipeline_parallel_training_step(std::span<const PipelineLane> lanes, StageCopies copies,
                                           std::span<const MicroBatch> micro_batches, const PipelinePlan& plan,
                                           double bias_update_speed, const ExpertParallelism* data_parallel) {
  const int count = int(micro_batches.size());
  if (lanes.empty() || (copies == StageCopies::kTwoDirections && lanes.size() != 2))
    throw std::invalid_argument("pipeline step: one lane, or two (DualPipe's directions, DualPipeV's halves)");
  Communicator* peers = pipeline_communicator(lanes, plan);
  const int rank = peers ? peers->rank() : 0;
  const std::vector<std::vector<int>> of_lane = check_schedule(plan[rank].ops, int(lanes.size()), count);

  const LossReport sum = run_ops(lanes, micro_batches, plan, rank, peers);
  for (const PipelineLane& lane : lanes) divide_parameters(lane.model->gradient_buffer(), count);
  std::vector<std::vector<double>> loads(lanes.size());
  for (size_t l = 0; l < lanes.size(); ++l) loads[l] = held_loads(*lanes[l].model, of_lane[l]);
  if (copies == StageCopies::kTwoDirections) {
    sum_stage_copies(*peers, *lanes[0].model, *lanes[1].model);
    loads = sum_with_partner_copies(*peers, loads);
  }
  sum_embedding_over_its_stages(lanes);
  if (data_parallel) {
    for (const PipelineLane& lane : lanes) average_gradients_over_ranks(*data_parallel, lane.model->gradient_buffer());
    for (std::vector<double>& lane_loads : loads) data_parallel->communicator->all_reduce_sum(lane_loads);
  }
  for (size_t l = 0; l < lanes.size(); ++l) {
    ReducedDeepSeekV3& model = *lanes[l].model;
    const AttachOpTimer attach(model.options.op_timer, Pass::kOptimizer);
    const AttachBackend on_backend(model.options.backend);
    {
      OpScope scope(OpKind::kOptimizer, "adamw");
      lanes[l].optimizer->step(model.weights, model.gradient_buffer());
    }
    OpScope scope(OpKind::kOptimizer, "expert_bias_update");
    update_held_biases(model, loads[l], bias_update_speed);
  }
  // The losses lie with the stages that computed them; every rank returns their sum over the ranks.
  std::vector<double> losses = {sum.main_loss, sum.mtp_loss, sum.balance_loss, sum.total_loss};
  if (peers) peers->all_reduce_sum(losses);
  double shares = count;
  if (data_parallel) {
    data_parallel->communicator->all_reduce_sum(losses);
    shares *= data_parallel->communicator->size();
  }
  return LossReport{losses[0] / shares, losses[1] / shares, losses[2] / shares, losses[3] / shares};
}

LossReport pipeline_parallel_training_step(ReducedDeepSeekV3& model, AdamW& optimizer,
                                           std::span<const MicroBatch> micro_batches, std::span<const PipelineOp> ops,
                                           double bias_update_speed) {
  const PipelineLane lane{&model, &optimizer};
  return pipeline_parallel_training_step(std::span<const PipelineLane>(&lane, 1), StageCopies::kOne, micro_batches,
                                         whole_model_plan(ops), bias_update_speed);
}

}  // namespace trainsim::kernels::model
