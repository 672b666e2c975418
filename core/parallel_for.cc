// Threads take the next index from one atomic counter: a task's cost may vary (layers route different
// token counts), so no static split.
#include "core/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/available_cores.h"

namespace trainsim {

void parallel_for(int64_t n, const std::function<void(int64_t)>& task, int threads) {
  if (n <= 0) return;
  const int workers = static_cast<int>(std::min<int64_t>(n, threads > 0 ? threads : available_cores()));
  std::atomic<int64_t> next{0};
  int64_t failed_at = n;  // the lowest index that threw, so the error does not depend on timing either
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        task(i);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (i < failed_at) failed_at = i, error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace trainsim
