// The worker pool behind parallel_for (parallel_for.h): one job at a time, its indexes claimed from an atomic
// counter by the caller and the workers; a job's state is shared, so a worker that wakes late finds it drained.
#include "kernels/common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace trainsim::kernels {
namespace {

thread_local bool inside_parallel_for = false;  // a worker, or a caller running its job

struct Job {
  const std::function<void(int)>* fn = nullptr;
  int n = 0;
  std::atomic<int> next{0};
  std::atomic<int> remaining{0};
  std::mutex done_mutex;
  std::condition_variable done;

  void drain() {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      (*fn)(i);
      if (remaining.fetch_sub(1) == 1) {
        const std::lock_guard<std::mutex> lock(done_mutex);
        done.notify_all();
      }
    }
  }
};

class WorkerPool {
 public:
  static WorkerPool& instance() {
    static WorkerPool pool;
    return pool;
  }

  void run(int n, const std::function<void(int)>& fn) {
    const std::lock_guard<std::mutex> one_job(job_mutex_);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->n = n;
    job->remaining = n;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      current_ = job;
      ++generation_;
    }
    wake_.notify_all();
    inside_parallel_for = true;
    job->drain();
    inside_parallel_for = false;
    std::unique_lock<std::mutex> lock(job->done_mutex);
    job->done.wait(lock, [&] { return job->remaining.load() == 0; });
  }

  ~WorkerPool() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  WorkerPool() {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned w = 1; w < threads; ++w) threads_.emplace_back([this] { serve(); });
  }

  void serve() {
    inside_parallel_for = true;
    unsigned long long seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = current_;
      }
      if (job) job->drain();
    }
  }

  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;      // current_, generation_, stop_
  std::condition_variable wake_;
  std::shared_ptr<Job> current_;
  unsigned long long generation_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

void parallel_for(int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  if (n == 1 || inside_parallel_for) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  WorkerPool::instance().run(n, fn);
}

}  // namespace trainsim::kernels
