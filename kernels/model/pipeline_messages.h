// A pipeline rank's communicator for one step (pipeline_parallel_step.cc puts it under the lanes' stages): it holds
// what a stage's op sends and serves what the op receives from rounds posted ahead, one exchange a round
// (message_rounds.h), so that every schedule runs under NCCL's sends without hanging. The stages call send and
// receive as they would on the communicator itself; their collectives and splits pass straight through.
#pragma once
#include <map>
#include <tuple>
#include <vector>

#include "kernels/model/communicator.h"
#include "kernels/model/message_rounds.h"

namespace trainsim::kernels::model {

class PipelineMessages final : public Communicator {
 public:
  explicit PipelineMessages(Communicator& inner) : inner_(inner) {}

  // The op the rank's stages run next: what it sends is its output, what it receives its input.
  void start_op(PipelinePass pass, int micro_batch, int stage);
  // Posts the round's sends (held since their ops ran) and receives, as one exchange of the communicator below.
  void post(const MessageRound& round);
  // Throws std::logic_error if a send is still held or a received message was not taken: the plan and the model
  // disagree on what the ops send.
  void check_all_delivered() const;

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  std::vector<std::vector<double>> all_to_all(const std::vector<std::vector<double>>& send) override {
    return inner_.all_to_all(send);
  }
  void all_reduce_sum(std::span<double> values) override { inner_.all_reduce_sum(values); }
  std::unique_ptr<Communicator> split(int color, int key) override { return inner_.split(color, key); }
  // A send is held for its round; a receive takes the current op's input, which its round brought (std::logic_error
  // if none did: the model receives what the plan does not send it).
  std::vector<std::vector<double>> exchange(const std::vector<Message>& sends,
                                            std::span<const int> receive_from) override;

 private:
  using Key = std::tuple<PipelinePass, int, int>;  // pass, micro-batch, the stage that takes it

  Communicator& inner_;
  Key current_{};
  std::map<Key, Message> held_;      // peer: where the stage sent it
  std::map<Key, Message> received_;  // peer: where it came from
};

}  // namespace trainsim::kernels::model
