// parallel_for: every index once whatever the thread count, and the lowest failing index's error.
#include "core/parallel_for.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim {
namespace {

TEST(ParallelFor, EveryIndexRunsOnceOnAnyThreadCount) {
  for (int threads : {1, 2, 3, 8, 0}) {  // 0: one per core
    std::vector<int> runs(1000, 0);
    parallel_for(1000, [&](int64_t i) { ++runs[static_cast<size_t>(i)]; }, threads);  // own slot: no race
    EXPECT_EQ(runs, std::vector<int>(1000, 1)) << threads << " threads";
  }
  parallel_for(0, [](int64_t) { FAIL() << "no task for n = 0"; });
}

TEST(ParallelFor, RethrowsTheLowestFailingIndexAfterRunningTheRest) {
  for (int threads : {1, 4}) {
    std::vector<int> runs(100, 0);
    try {
      parallel_for(100, [&](int64_t i) {
        ++runs[static_cast<size_t>(i)];
        if (i == 70 || i == 30) throw std::runtime_error("task " + std::to_string(i));
      }, threads);
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "task 30");
    }
    EXPECT_EQ(runs, std::vector<int>(100, 1)) << threads << " threads";
  }
}

}  // namespace
}  // namespace trainsim
