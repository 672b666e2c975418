// In-process ranks: mailboxes under one lock (thread_communicator.h).
#include "kernels/model/thread_communicator.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

namespace trainsim::kernels::model {
namespace {

enum class Channel { kCollective = 0, kPointToPoint = 1 };

// What a rank waiting for a message throws when another rank has failed: not a failure of its own.
struct StoppedByAnotherRank : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The ranks' shared state: a FIFO of messages for each group (the whole run's, "", and each split's), channel and
// ordered pair of the group's ranks.
class Mailboxes {
 public:
  void post(const std::string& group, Channel channel, int from, int to, std::vector<double> message) {
    {
      const std::lock_guard lock(mutex_);
      queues_[Address{group, channel, from, to}].push_back(std::move(message));
    }
    arrived_.notify_all();
  }

  std::vector<double> take(const std::string& group, Channel channel, int from, int to) {
    std::unique_lock lock(mutex_);
    std::deque<std::vector<double>>& q = queues_[Address{group, channel, from, to}];
    arrived_.wait(lock, [&] { return aborted_ || !q.empty(); });
    if (aborted_) throw StoppedByAnotherRank("rank " + std::to_string(to) + ": another rank failed; the run stops");
    std::vector<double> message = std::move(q.front());
    q.pop_front();
    return message;
  }

  void abort() {
    {
      const std::lock_guard lock(mutex_);
      aborted_ = true;
    }
    arrived_.notify_all();
  }

 private:
  using Address = std::tuple<std::string, Channel, int, int>;
  std::mutex mutex_;
  std::condition_variable arrived_;
  bool aborted_ = false;
  std::map<Address, std::deque<std::vector<double>>> queues_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(Mailboxes& mailboxes, std::string group, int rank, int size)
      : mailboxes_(mailboxes), group_(std::move(group)), rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::vector<double>> all_to_all(const std::vector<std::vector<double>>& send) override {
    if (int(send.size()) != size_) throw std::invalid_argument("all_to_all: one message per rank");
    for (int peer = 0; peer < size_; ++peer) mailboxes_.post(group_, Channel::kCollective, rank_, peer, send[peer]);
    std::vector<std::vector<double>> received(size_);
    for (int peer = 0; peer < size_; ++peer)
      received[peer] = mailboxes_.take(group_, Channel::kCollective, peer, rank_);
    return received;
  }

  void all_reduce_sum(std::span<double> values) override {
    const std::vector<std::vector<double>> all =
        all_to_all(std::vector<std::vector<double>>(size_, std::vector<double>(values.begin(), values.end())));
    for (const std::vector<double>& other : all)
      if (other.size() != values.size()) throw std::invalid_argument("all_reduce_sum: ranks disagree on the length");
    for (size_t i = 0; i < values.size(); ++i) {  // rank 0's value, then each rank's in order: the same on every rank
      double sum = all[0][i];
      for (int peer = 1; peer < size_; ++peer) sum += all[peer][i];
      values[i] = sum;
    }
  }

  void send(int peer, std::span<const double> values) override {
    mailboxes_.post(group_, Channel::kPointToPoint, rank_, checked(peer),
                    std::vector<double>(values.begin(), values.end()));
  }
  std::vector<double> receive(int peer) override {
    return mailboxes_.take(group_, Channel::kPointToPoint, checked(peer), rank_);
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    const std::vector<std::vector<double>> all =
        all_to_all(std::vector<std::vector<double>>(size_, std::vector<double>{double(color), double(key)}));
    std::vector<std::pair<double, int>> members;  // (key, rank) of the ranks of this color
    for (int peer = 0; peer < size_; ++peer)
      if (all[peer].at(0) == double(color)) members.emplace_back(all[peer].at(1), peer);
    std::sort(members.begin(), members.end());
    const int rank =
        int(std::find(members.begin(), members.end(), std::make_pair(double(key), rank_)) - members.begin());
    // Every rank splits in the same order, so the count names the split alike on all of them.
    const std::string group = group_ + "/" + std::to_string(splits_++) + ":" + std::to_string(color);
    return std::make_unique<ThreadCommunicator>(mailboxes_, group, rank, int(members.size()));
  }

 private:
  int checked(int peer) const {
    if (peer < 0 || peer >= size_)
      throw std::invalid_argument("rank " + std::to_string(peer) + " outside a group of " + std::to_string(size_));
    return peer;
  }

  Mailboxes& mailboxes_;
  std::string group_;
  int rank_, size_;
  int splits_ = 0;
};

}  // namespace

void run_ranks_on_threads(int ranks, const std::function<void(Communicator&)>& rank_main) {
  if (ranks < 1) throw std::invalid_argument("run_ranks_on_threads: at least one rank");
  Mailboxes mailboxes;
  std::vector<std::exception_ptr> failures(ranks);
  std::vector<std::thread> threads;
  threads.reserve(ranks);
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadCommunicator communicator(mailboxes, "", r, ranks);
      try {
        rank_main(communicator);
      } catch (...) {
        failures[r] = std::current_exception();
        mailboxes.abort();
      }
    });
  for (std::thread& t : threads) t.join();
  // A rank's own failure before any rank's stop that it caused.
  std::exception_ptr stopped;
  for (const std::exception_ptr& failure : failures) {
    if (!failure) continue;
    try {
      std::rethrow_exception(failure);
    } catch (const StoppedByAnotherRank&) {
      if (!stopped) stopped = failure;
    } catch (...) {
      throw;
    }
  }
  if (stopped) std::rethrow_exception(stopped);
}

}  // namespace trainsim::kernels::model
