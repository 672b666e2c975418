// How the reduced model's ranks talk when it runs on more than one device: the collectives and point-to-point
// messages that expert parallelism (the dispatch and combine all-to-alls), pipeline parallelism (a stage's
// activations and gradients to its neighbours) and data parallelism (the gradients' all-reduce) need, and nothing
// else. Two implementations behind this one interface, as the compute has two back-ends (compute_backend.h):
// in-process ranks on threads of this machine (thread_communicator.h: the CPU, in CI) and NCCL over GPUs
// (nccl_communicator.h). The model's tensors cross as host FP64 arrays, as they cross the compute back-end: a
// device implementation copies them in and out (device-resident tensors are not built: NOTES.md).
#pragma once
#include <memory>
#include <span>
#include <vector>

namespace trainsim::kernels::model {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Every rank calls it together: send[p] goes to rank p (send.size() == size(); any lengths, empty included), and
  // the result's [p] is what rank p sent this rank. Sizes travel with the data, as DeepEP's dispatch first tells
  // each receiver how many rows come (its "notify" step).
  virtual std::vector<std::vector<double>> all_to_all(const std::vector<std::vector<double>>& send) = 0;
  // Every rank calls it together with the same length: values become their element-wise sum over the ranks, the
  // same on every rank.
  virtual void all_reduce_sum(std::span<double> values) = 0;
  // Point to point, as one group (NCCL's ncclGroupStart/End): posts `sends`, receives one message from each rank of
  // `receive_from` (result [i] from receive_from[i]) and returns when all are done. A send completes when its peer
  // receives it, as NCCL's do (the in-process ranks may buffer: thread_communicator.h); the operations of one group
  // progress together, so two ranks that send to each other in one exchange do not wait on each other. Messages
  // from one rank to another arrive in the order they were sent, as NCCL matches a pair's sends and receives.
  struct Message {
    int peer = 0;
    std::vector<double> values;
  };
  virtual std::vector<std::vector<double>> exchange(const std::vector<Message>& sends,
                                                    std::span<const int> receive_from) = 0;
  // An exchange of one send, or of one receive.
  virtual void send(int peer, std::span<const double> values) {
    exchange({Message{peer, std::vector<double>(values.begin(), values.end())}}, {});
  }
  virtual std::vector<double> receive(int peer) { return exchange({}, std::span<const int>(&peer, 1)).at(0); }

  // Every rank calls it together: the ranks of the same `color` form a group of their own, ranked by `key` (ties by
  // rank here), as MPI_Comm_split and ncclCommSplit form them: how a grid of ranks gets its pipeline groups and its
  // expert-parallel groups (DeepSeek-V3: PP 16 x EP 64). The result lives while this communicator does.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;
};

}  // namespace trainsim::kernels::model
