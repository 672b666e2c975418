// Expert parallelism over the single-device layer's ops (expert_parallel_moe.h): routing and the shared expert as
// moe_layer.cc runs them, the routed experts' rows carried by two all-to-alls each way.
#include "kernels/model/expert_parallel_moe.h"

#include <stdexcept>
#include <string>

#include "kernels/model/compute_backend.h"
#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {
namespace {

using Messages = std::vector<std::vector<double>>;

// Reads a received message front to back, a block of rows at a time.
class MessageReader {
 public:
  MessageReader(const std::vector<double>& message, int hidden) : message_(message), hidden_(hidden) {}
  std::span<const double> rows(int64_t count) {
    const size_t length = size_t(count) * hidden_;
    if (next_ + length > message_.size()) throw std::runtime_error("expert parallelism: a message is short of rows");
    const std::span<const double> block(message_.data() + next_, length);
    next_ += length;
    return block;
  }

 private:
  const std::vector<double>& message_;
  int hidden_;
  size_t next_ = 0;
};

void append(std::vector<double>& message, std::span<const double> rows) {
  message.insert(message.end(), rows.begin(), rows.end());
}

// Room for `rows` more rows at the message's end, for a kernel to write them there.
std::span<double> grow(std::vector<double>& message, int64_t rows, int hidden) {
  const size_t at = message.size();
  message.resize(at + size_t(rows) * hidden);
  return std::span<double>(message).subspan(at);
}

// A reader of each rank's message.
std::vector<MessageReader> readers_of(const Messages& messages, int hidden) {
  std::vector<MessageReader> readers;
  for (const std::vector<double>& message : messages) readers.emplace_back(message, hidden);
  return readers;
}

// One of this rank's experts: its rows from every rank, in rank order (counts[source] from each).
std::vector<double> rows_from_every_rank(std::vector<MessageReader>& readers, const std::vector<int64_t>& counts) {
  std::vector<double> rows;
  for (size_t source = 0; source < readers.size(); ++source) append(rows, readers[source].rows(counts[source]));
  return rows;
}

// Its result rows handed back: each rank's share appended to the message to it.
void rows_to_every_rank(const std::vector<double>& rows, const std::vector<int64_t>& counts, int hidden, Messages& to) {
  MessageReader reader(rows, hidden);
  for (size_t source = 0; source < to.size(); ++source) append(to[source], reader.rows(counts[source]));
}

void check(const Communicator& communicator, const ExpertPlacement& placement, const RoutingRule& rule,
           const MoeWeights& w) {
  if (communicator.size() != placement.ranks)
    throw std::invalid_argument("expert parallelism: " + std::to_string(communicator.size()) +
                                " ranks communicate, the placement is over " + std::to_string(placement.ranks));
  if (placement.num_experts != rule.num_experts || int(w.experts.size()) != rule.num_experts)
    throw std::invalid_argument("expert parallelism: the placement, rule and weights disagree on the experts");
}

}  // namespace

const ExpertParallelism* current_expert_parallelism() { return AttachExpertParallelism::attached(); }

ExpertPlacement ExpertPlacement::contiguous(int num_experts, int ranks) {
  if (ranks < 1 || num_experts < 1 || num_experts % ranks != 0)
    throw std::invalid_argument("expert placement: " + std::to_string(num_experts) +
                                " routed experts do not divide over " + std::to_string(ranks) + " ranks");
  return ExpertPlacement{num_experts, ranks};
}

std::vector<double> expert_parallel_moe_forward(const ExpertParallelism& parallelism, const RoutingRule& rule,
                                                const MoeWeights& w, std::span<const double> bias,
                                                std::span<const double> x, int rows, MoeCache& moe,
                                                GemmPrecision precision) {
  Communicator& communicator = *parallelism.communicator;
  const ExpertPlacement& placement = parallelism.placement;
  check(communicator, placement, rule, w);
  const int hidden = w.shared.hidden, experts = rule.num_experts, ranks = placement.ranks;
  const int first = placement.first_expert(communicator.rank()), local = placement.experts_per_rank();
  moe_route(rule, w, bias, x, rows, moe, precision);
  ComputeBackend& backend = current_backend();
  std::vector<double> y(size_t(rows) * hidden, 0);
  if (w.shared.inter > 0) y = swiglu_mlp_forward(w.shared, x, rows, moe.shared_cache, precision);

  // The dispatch: to each rank, how many rows each of its experts gets from here, then the rows, expert by expert.
  Messages counts_to(ranks), rows_to(ranks);
  for (int e = 0; e < experts; ++e) {
    const int64_t count = moe.layout.counts[e];
    counts_to[placement.owner(e)].push_back(double(count));
    const std::span<double> xe = grow(rows_to[placement.owner(e)], count, hidden);
    OpScope scope(OpKind::kPermute, "gather");
    backend.gather_expert_rows(moe.layout, e, x, hidden, xe, precision);
  }
  const Messages counts_from = communicator.all_to_all(counts_to);
  const Messages rows_from = communicator.all_to_all(rows_to);

  // This rank's experts, each on the rows of every rank in rank order; the outputs go back to where they came from.
  moe.expert_caches.assign(experts, SwigluCache{});
  moe.rows_from.assign(local, std::vector<int64_t>(ranks, 0));
  for (int source = 0; source < ranks; ++source) {
    if (int(counts_from[source].size()) != local)
      throw std::runtime_error("expert parallelism: rank " + std::to_string(source) + " sent counts for " +
                               std::to_string(counts_from[source].size()) + " experts, not " + std::to_string(local));
    for (int j = 0; j < local; ++j) moe.rows_from[j][source] = int64_t(counts_from[source][j]);
  }
  std::vector<MessageReader> readers = readers_of(rows_from, hidden);
  Messages out_to(ranks);
  for (int j = 0; j < local; ++j) {
    const std::vector<double> xe = rows_from_every_rank(readers, moe.rows_from[j]);
    const std::vector<double> out = swiglu_mlp_forward(w.experts[first + j], xe, int(xe.size()) / hidden,
                                                       moe.expert_caches[first + j], precision, OpKind::kExpertGemm);
    rows_to_every_rank(out, moe.rows_from[j], hidden, out_to);
  }
  const Messages out_from = communicator.all_to_all(out_to);

  // The combine, in expert order as on one device.
  moe.expert_out.assign(experts, {});
  std::vector<MessageReader> out_readers = readers_of(out_from, hidden);
  for (int e = 0; e < experts; ++e) {
    const std::span<const double> out = out_readers[placement.owner(e)].rows(moe.layout.counts[e]);
    moe.expert_out[e].assign(out.begin(), out.end());
    OpScope scope(OpKind::kPermute, "combine");
    backend.combine_expert_rows(moe.layout, e, moe.gates, moe.expert_out[e], hidden, y, precision);
  }
  return y;
}

std::vector<double> expert_parallel_moe_backward(const ExpertParallelism& parallelism, const RoutingRule& rule,
                                                 const MoeWeights& w, const MoeCache& moe, std::span<const double> dy,
                                                 MoeWeights& grads, std::span<const double> x) {
  Communicator& communicator = *parallelism.communicator;
  const ExpertPlacement& placement = parallelism.placement;
  check(communicator, placement, rule, w);
  const std::span<const double> in = x.empty() ? std::span<const double>(moe.x) : x;
  const int hidden = w.shared.hidden, experts = rule.num_experts, k = rule.top_k, rows = moe.rows;
  const int ranks = placement.ranks, first = placement.first_expert(communicator.rank());
  const int local = placement.experts_per_rank();
  ComputeBackend& backend = current_backend();
  std::vector<double> dx(size_t(rows) * hidden, 0);
  if (w.shared.inter > 0) dx = swiglu_mlp_backward(w.shared, moe.shared_cache, dy, grads.shared, x);

  // The combine's backward where the tokens live; the rows' gradients go to their experts' ranks.
  std::vector<double> d_gates(size_t(rows) * k, 0);
  Messages d_rows_to(ranks);
  for (int e = 0; e < experts; ++e) {
    const std::span<double> d_out = grow(d_rows_to[placement.owner(e)], moe.layout.counts[e], hidden);
    OpScope scope(OpKind::kPermute, "combine");
    backend.combine_expert_rows_backward(moe.layout, e, moe.gates, moe.expert_out[e], dy, hidden, d_out, d_gates,
                                         moe.precision);
  }
  const Messages d_rows_from = communicator.all_to_all(d_rows_to);

  std::vector<MessageReader> readers = readers_of(d_rows_from, hidden);
  Messages dx_rows_to(ranks);
  for (int j = 0; j < local; ++j) {
    const std::vector<double> d_out = rows_from_every_rank(readers, moe.rows_from[j]);
    const std::vector<double> dxe =
        swiglu_mlp_backward(w.experts[first + j], moe.expert_caches[first + j], d_out, grads.experts[first + j]);
    rows_to_every_rank(dxe, moe.rows_from[j], hidden, dx_rows_to);
  }
  const Messages dx_rows_from = communicator.all_to_all(dx_rows_to);

  std::vector<MessageReader> dx_readers = readers_of(dx_rows_from, hidden);
  for (int e = 0; e < experts; ++e) {
    const std::span<const double> dxe = dx_readers[placement.owner(e)].rows(moe.layout.counts[e]);
    OpScope scope(OpKind::kPermute, "gather");
    backend.scatter_add_expert_rows(moe.layout, e, dxe, hidden, dx, moe.precision);
  }
  moe_router_backward(rule, w, moe, d_gates, in, grads, dx);
  return dx;
}

}  // namespace trainsim::kernels::model
