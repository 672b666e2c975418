// Children side by side: results in order whatever order they finish in, each failure its own, and the
// children really running at the same time (each waits for a file the next one writes).
#include "core/child_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace trainsim {
namespace {

TEST(RunInChildren, ResultsComeBackInOrderWithEachFailureItsOwn) {
  std::vector<std::function<std::string()>> works;
  works.push_back([] {
    ::usleep(200000);  // finishes last
    return std::string("first");
  });
  works.push_back([]() -> std::string { throw std::runtime_error("no such layout"); });
  works.push_back([] { return std::string("third"); });
  works.push_back([]() -> std::string { ::_exit(7); });
  const std::vector<ChildResult> results = run_in_children(works, 4);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].bytes, "first");
  EXPECT_EQ(results[1].error, "no such layout");
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[2].bytes, "third");
  EXPECT_FALSE(results[3].ok());
  EXPECT_NE(results[3].error.find("child died"), std::string::npos);
}

TEST(RunInChildren, UpToParallelRunAtOnce) {
  // Child 0 waits for the file child 1 writes: only two children running together can both finish.
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "run_in_children_parallel";
  std::filesystem::create_directories(dir);
  const std::filesystem::path flag = dir / "flag";
  std::filesystem::remove(flag);
  std::vector<std::function<std::string()>> works;
  works.push_back([flag] {
    for (int i = 0; i < 500 && !std::filesystem::exists(flag); ++i) ::usleep(10000);
    return std::string(std::filesystem::exists(flag) ? "saw it" : "alone");
  });
  works.push_back([flag] {
    std::ofstream(flag) << "1";
    return std::string("wrote it");
  });
  const std::vector<ChildResult> results = run_in_children(works, 2);
  EXPECT_EQ(results[0].bytes, "saw it");
  EXPECT_EQ(results[1].bytes, "wrote it");
  EXPECT_TRUE(run_in_children({}, 2).empty());
}

// Each child's CPU time comes back with its result: one that computes for 0.2 s of its own CPU clock used at
// least that, one that sleeps 0.2 s used next to none (rusage counts in microseconds; 0.05 s is slack for the
// fork and the pipe, far below the sleep).
TEST(RunInChildren, EachChildsCpuTimeComesBack) {
  std::vector<std::function<std::string()>> works;
  works.push_back([] {
    timespec now{};
    double x = 1;
    do {
      for (int i = 0; i < 100000; ++i) x = x * 1.0000001 + 1e-9;
      ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9 < 0.2);
    return std::to_string(x);
  });
  works.push_back([] {
    ::usleep(200000);
    return std::string("slept");
  });
  const std::vector<ChildResult> results = run_in_children(works, 2);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_GE(results[0].cpu_s, 0.2);
  EXPECT_LT(results[1].cpu_s, 0.05);
}

}  // namespace
}  // namespace trainsim
