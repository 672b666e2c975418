// The kernels' parallel_for (kernels/common/parallel_for.h): every index exactly once, calls back to back reuse
// the pool, a call from inside fn runs serially, and concurrent callers each get all of their own indexes.
#include "kernels/common/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace trainsim::kernels {
namespace {

TEST(KernelsParallelFor, EveryIndexExactlyOnce) {
  for (int n : {0, 1, 2, 7, 1000}) {
    std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
    parallel_for(n, [&](int i) { runs[static_cast<size_t>(i)].fetch_add(1); });
    for (int i = 0; i < n; ++i) EXPECT_EQ(runs[static_cast<size_t>(i)].load(), 1) << "n " << n << " index " << i;
  }
}

TEST(KernelsParallelFor, ThousandsOfCallsBackToBack) {
  std::atomic<long long> sum{0};
  for (int call = 0; call < 5000; ++call) parallel_for(4, [&](int i) { sum.fetch_add(i + 1); });
  EXPECT_EQ(sum.load(), 5000LL * (1 + 2 + 3 + 4));
}

TEST(KernelsParallelFor, ACallInsideFnRunsSerially) {
  std::atomic<int> inner{0};
  parallel_for(8, [&](int) { parallel_for(8, [&](int) { inner.fetch_add(1); }); });
  EXPECT_EQ(inner.load(), 64);
}

TEST(KernelsParallelFor, ConcurrentCallersEachGetTheirOwnIndexes) {
  std::vector<std::atomic<int>> a(500), b(500);
  std::thread other([&] {
    for (int rep = 0; rep < 20; ++rep) parallel_for(500, [&](int i) { b[static_cast<size_t>(i)].fetch_add(1); });
  });
  for (int rep = 0; rep < 20; ++rep) parallel_for(500, [&](int i) { a[static_cast<size_t>(i)].fetch_add(1); });
  other.join();
  for (size_t i = 0; i < 500; ++i) {
    EXPECT_EQ(a[i].load(), 20);
    EXPECT_EQ(b[i].load(), 20);
  }
}

}  // namespace
}  // namespace trainsim::kernels
