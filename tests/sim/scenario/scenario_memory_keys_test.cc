// The memory keys of a scenario: parallelism.distributed_optimizer (Megatron's: ZeRO stage 1's sharding; off,
// stage 0) and cluster.memory_reserve (the runtime reserve, 3 GiB unless given), each error at its line.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::parse;
using testing::with;

// The scenario with `lines` added to its parallelism section, after dp.
std::string with_memory_keys(const std::string& lines) { return with("  dp: 8\n", "  dp: 8\n" + lines); }

TEST(ScenarioMemoryKeys, DistributedOptimizerSetsTheStage) {
  EXPECT_EQ(parse(with_memory_keys("  distributed_optimizer: true\n")).layout.zero_stage, 1);
  EXPECT_EQ(parse(with_memory_keys("  distributed_optimizer: false\n")).layout.zero_stage, 0);
  EXPECT_EQ(parse(with_memory_keys("  zero_stage: 1\n  distributed_optimizer: true\n")).layout.zero_stage, 1);
}

TEST(ScenarioMemoryKeys, AZeroStageThatContradictsItIsALocatedError) {
  EXPECT_EQ(error_of(with_memory_keys("  zero_stage: 3\n  distributed_optimizer: true\n")),
            "s.yaml:14:26: parallelism.distributed_optimizer: distributed_optimizer: true with zero_stage: 3 (expected "
            "one of the two); hint: the distributed optimizer is zero_stage: 1's sharding (optimizer states only); for "
            "sharded gradients or weights drop it and give zero_stage: 2 or 3");
  EXPECT_EQ(error_of(with_memory_keys("  zero_stage: 1\n  distributed_optimizer: false\n")),
            "s.yaml:14:26: parallelism.distributed_optimizer: distributed_optimizer: false with zero_stage: 1 (expected "
            "one of the two); hint: without the distributed optimizer Megatron shards nothing (zero_stage: 0)");
  EXPECT_NE(error_of(with_memory_keys("  distributed_optimizer: maybe\n")).find("s.yaml:13:26: parallelism.distributed_optimizer"),
            std::string::npos);
}

TEST(ScenarioMemoryKeys, TheMemoryReserveDefaultsToThreeGibAndHasARange) {
  EXPECT_EQ(parse(kValidScenario).cluster.memory_reserve_bytes, 3.0 * 1073741824.0);
  EXPECT_EQ(parse(std::string(kValidScenario) + "  memory_reserve: 5 GiB\n").cluster.memory_reserve_bytes, 5.0 * 1073741824.0);
  EXPECT_EQ(parse(std::string(kValidScenario) + "  memory_reserve: 0 GiB\n").cluster.memory_reserve_bytes, 0.0);
  EXPECT_EQ(error_of(std::string(kValidScenario) + "  memory_reserve: 2 PB\n"),
            "s.yaml:18:19: cluster.memory_reserve: '2 PB' is out of range (expected a size from 0 GiB to 1 PB); hint: "
            "why this range: 0 leaves nothing for the CUDA context and communication buffers; 1 PB is the HBM "
            "capacity's upper end");
}

}  // namespace
}  // namespace trainsim::sim
