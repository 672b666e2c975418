// In-process ranks: mailboxes under one lock, and a deadlock check over every waiting rank (thread_communicator.h).
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

// A message in a mailbox, and whether its receiver has taken it (what a rendezvous send waits for).
struct Envelope {
  std::vector<double> values;
  std::shared_ptr<bool> taken;
};

// The ranks' shared state: a FIFO of messages for each group (the whole run's, "", and each split's), channel and
// ordered pair of the group's ranks; and what each waiting rank waits for.
class Mailboxes {
 public:
  explicit Mailboxes(int ranks) : running_(ranks) {}

  // Posts a message; returns its taken flag.
  std::shared_ptr<bool> post(const std::string& group, Channel channel, int from, int to, std::vector<double> values) {
    auto taken = std::make_shared<bool>(false);
    {
      const std::lock_guard lock(mutex_);
      queues_[Address{group, channel, from, to}].push_back(Envelope{std::move(values), taken});
    }
    changed_.notify_all();
    return taken;
  }

  std::vector<double> take(const std::string& group, Channel channel, int from, int to) {
    std::unique_lock lock(mutex_);
    std::deque<Envelope>& q = queues_[Address{group, channel, from, to}];
    wait(
        lock, [&] { return !q.empty(); }, to,
        "a " + std::string(channel == Channel::kCollective ? "collective" : "point-to-point") + " message from rank " +
            std::to_string(from) + (group.empty() ? "" : " of group " + group));
    Envelope envelope = std::move(q.front());
    q.pop_front();
    *envelope.taken = true;
    changed_.notify_all();  // a rendezvous sender may wait for it
    return std::move(envelope.values);
  }

  void wait_until_taken(const std::vector<std::shared_ptr<bool>>& sent, int rank) {
    std::unique_lock lock(mutex_);
    wait(
        lock, [&] { return std::all_of(sent.begin(), sent.end(), [](const auto& taken) { return *taken; }); }, rank,
        "its sends to be received");
  }

  void abort() {
    {
      const std::lock_guard lock(mutex_);
      aborted_ = true;
    }
    changed_.notify_all();
  }

  // A rank's thread has returned: the others can no longer wait for it.
  void finished() {
    {
      const std::lock_guard lock(mutex_);
      --running_;
    }
    changed_.notify_all();
  }

 private:
  using Address = std::tuple<std::string, Channel, int, int>;

  // Waits until `ready`; registered meanwhile, so that the rank that finds every running rank waiting on something
  // not ready names the deadlock instead of all waiting for ever.
  template <typename Ready>
  void wait(std::unique_lock<std::mutex>& lock, Ready ready, int rank, const std::string& what) {
    const Waiter waiter{ready, "rank " + std::to_string(rank) + " waits for " + what};
    waiting_.push_back(&waiter);
    while (!aborted_ && !waiter.ready()) {
      const bool deadlock = int(waiting_.size()) == running_ &&
                            std::none_of(waiting_.begin(), waiting_.end(), [](const Waiter* w) { return w->ready(); });
      if (deadlock) {
        std::string message = "deadlock: every running rank waits for what no rank will do:";
        for (const Waiter* w : waiting_) message += " " + w->what + ";";
        aborted_ = true;
        waiting_.erase(std::find(waiting_.begin(), waiting_.end(), &waiter));
        changed_.notify_all();
        throw std::runtime_error(message);
      }
      changed_.wait(lock);
    }
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), &waiter));
    if (!waiter.ready() && aborted_)
      throw StoppedByAnotherRank("rank " + std::to_string(rank) + ": another rank failed; the run stops");
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool aborted_ = false;
  int running_;
  struct Waiter {
    std::function<bool()> ready;
    std::string what;  // "rank 2 waits for a point-to-point message from rank 1 of group /0:1"
  };
  std::vector<const Waiter*> waiting_;
  std::map<Address, std::deque<Envelope>> queues_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(Mailboxes& mailboxes, SendCompletion sends, std::string group, int rank, int size)
      : mailboxes_(mailboxes), sends_(sends), group_(std::move(group)), rank_(rank), size_(size) {}
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

  std::vector<std::vector<double>> exchange(const std::vector<Message>& sends,
                                            std::span<const int> receive_from) override {
    std::vector<std::shared_ptr<bool>> sent;
    for (const Message& message : sends)
      sent.push_back(mailboxes_.post(group_, Channel::kPointToPoint, rank_, checked(message.peer), message.values));
    std::vector<std::vector<double>> received;
    for (int peer : receive_from)
      received.push_back(mailboxes_.take(group_, Channel::kPointToPoint, checked(peer), rank_));
    if (sends_ == SendCompletion::kRendezvous) mailboxes_.wait_until_taken(sent, rank_);
    return received;
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
    return std::make_unique<ThreadCommunicator>(mailboxes_, sends_, group, rank, int(members.size()));
  }

 private:
  int checked(int peer) const {
    if (peer < 0 || peer >= size_)
      throw std::invalid_argument("rank " + std::to_string(peer) + " outside a group of " + std::to_string(size_));
    return peer;
  }

  Mailboxes& mailboxes_;
  SendCompletion sends_;
  std::string group_;
  int rank_, size_;
  int splits_ = 0;
};

}  // namespace

void run_ranks_on_threads(int ranks, const std::function<void(Communicator&)>& rank_main, SendCompletion sends) {
  if (ranks < 1) throw std::invalid_argument("run_ranks_on_threads: at least one rank");
  Mailboxes mailboxes(ranks);
  std::vector<std::exception_ptr> failures(ranks);
  std::vector<std::thread> threads;
  threads.reserve(ranks);
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadCommunicator communicator(mailboxes, sends, "", r, ranks);
      try {
        rank_main(communicator);
      } catch (...) {
        failures[r] = std::current_exception();
        mailboxes.abort();
      }
      mailboxes.finished();
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
