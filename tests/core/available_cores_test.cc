// available_cores: the CPUs this process may run on (sched_getaffinity: a subset of those the machine has),
// never 0; a process that taskset or a cpuset holds to one CPU counts one.
#include "core/available_cores.h"

#include <gtest/gtest.h>
#include <sched.h>

#include "core/child_process.h"

namespace trainsim {
namespace {

TEST(AvailableCores, TheCpusThisProcessMayUse) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  EXPECT_EQ(available_cores(), CPU_COUNT(&allowed));
  EXPECT_GE(available_cores(), 1);
}

TEST(AvailableCores, AProcessHeldToOneCpuCountsOne) {
  const std::vector<double> cores = run_in_child([]() -> std::vector<double> {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return {-1};
    int first = 0;
    while (!CPU_ISSET(first, &allowed)) ++first;
    CPU_ZERO(&allowed);
    CPU_SET(first, &allowed);
    if (sched_setaffinity(0, sizeof allowed, &allowed) != 0) return {-1};
    return {static_cast<double>(available_cores())};
  });
  EXPECT_EQ(cores, std::vector<double>{1});
}

}  // namespace
}  // namespace trainsim
