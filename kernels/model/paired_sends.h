// A communicator that holds a rank's point-to-point sends until its next receive and posts them with it, as one
// exchange (communicator.h), or until flush(). NCCL's sends complete only when received, so two pipeline neighbours
// that each send to the other before receiving (1F1B's steady state: a forward's output goes on while the next
// backward's gradient comes back) would wait for each other for ever; paired, they progress together, as Megatron-
// LM's send_forward_recv_backward pairs them. The model's stages send and receive through it unchanged
// (pipeline_parallel_step.cc wraps their group's communicator for a step and flushes at each op that does not start
// with a receive).
#pragma once
#include <memory>
#include <vector>

#include "kernels/model/communicator.h"

namespace trainsim::kernels::model {

class PairedSends final : public Communicator {
 public:
  explicit PairedSends(Communicator& inner) : inner_(inner) {}

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  // Collectives and splits post the held sends first, so every message keeps its order.
  std::vector<std::vector<double>> all_to_all(const std::vector<std::vector<double>>& send) override;
  void all_reduce_sum(std::span<double> values) override;
  std::unique_ptr<Communicator> split(int color, int key) override;
  // Without receives: holds the sends. With: posts the held sends, these sends and the receives as one exchange.
  std::vector<std::vector<double>> exchange(const std::vector<Message>& sends,
                                            std::span<const int> receive_from) override;
  // Posts the held sends.
  void flush();

 private:
  Communicator& inner_;
  std::vector<Message> held_;
};

}  // namespace trainsim::kernels::model
