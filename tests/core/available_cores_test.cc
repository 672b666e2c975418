// available_cores: a count of processes to run at once, so never 0 (hardware_concurrency may return 0), and
// never fewer than the CPUs this process may run on (sched_getaffinity: a subset of those the machine has).
#include "core/available_cores.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace trainsim {
namespace {

TEST(AvailableCores, AtLeastOneAndAtLeastTheCpusThisProcessMayUse) {
  EXPECT_GE(available_cores(), 1);
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  EXPECT_GE(available_cores(), CPU_COUNT(&allowed));
}

}  // namespace
}  // namespace trainsim
