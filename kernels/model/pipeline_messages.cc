// A step's stage messages in their rounds (pipeline_messages.h).
#include "kernels/model/pipeline_messages.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace trainsim::kernels::model {
namespace {

std::string message_name(PipelinePass pass, int micro_batch, int to_stage) {
  return std::string(pass == PipelinePass::kForward ? "activation" : "gradient") + " of micro-batch " +
         std::to_string(micro_batch) + " for stage " + std::to_string(to_stage);
}

}  // namespace

void PipelineMessages::start_op(PipelinePass pass, int micro_batch, int stage) {
  current_ = Key{pass, micro_batch, stage};
}

std::vector<std::vector<double>> PipelineMessages::exchange(const std::vector<Message>& sends,
                                                            std::span<const int> receive_from) {
  const auto [pass, micro_batch, stage] = current_;
  for (const Message& message : sends) {
    const Key to{pass, micro_batch, pass == PipelinePass::kForward ? stage + 1 : stage - 1};
    if (!held_.emplace(to, message).second)
      throw std::logic_error("pipeline messages: the " + message_name(pass, micro_batch, std::get<2>(to)) + " sent twice");
  }
  std::vector<std::vector<double>> received;
  for (int peer : receive_from) {
    const auto found = received_.find(current_);
    if (found == received_.end() || found->second.peer != peer)
      throw std::logic_error("pipeline messages: the " + message_name(pass, micro_batch, stage) + " from rank " +
                             std::to_string(peer) +
                             " was not posted ahead (the plan has it come from elsewhere, or not)");
    received.push_back(std::move(found->second.values));
    received_.erase(found);
  }
  return received;
}

void PipelineMessages::post(const MessageRound& round) {
  std::vector<Message> sends;
  for (const StageMessage& s : round.sends) {
    const auto found = held_.find(Key{s.pass, s.micro_batch, s.to_stage});
    if (found == held_.end() || found->second.peer != s.peer)
      throw std::logic_error("pipeline messages: the plan sends the " + message_name(s.pass, s.micro_batch, s.to_stage) +
                             " to rank " + std::to_string(s.peer) + "; the stage did not");
    sends.push_back(std::move(found->second));
    held_.erase(found);
  }
  std::vector<int> from;
  for (const StageMessage& r : round.receives) from.push_back(r.peer);
  std::vector<std::vector<double>> values = inner_.exchange(sends, from);
  for (size_t i = 0; i < round.receives.size(); ++i) {
    const StageMessage& r = round.receives[i];
    received_.emplace(Key{r.pass, r.micro_batch, r.to_stage}, Message{r.peer, std::move(values[i])});
  }
}

void PipelineMessages::check_all_delivered() const {
  if (!held_.empty()) {
    const auto& [pass, micro_batch, to_stage] = held_.begin()->first;
    throw std::logic_error("pipeline messages: the " + message_name(pass, micro_batch, to_stage) + " was never posted");
  }
  if (!received_.empty()) {
    const auto& [pass, micro_batch, to_stage] = received_.begin()->first;
    throw std::logic_error("pipeline messages: the " + message_name(pass, micro_batch, to_stage) + " was never taken");
  }
}

}  // namespace trainsim::kernels::model
