// The memory-bound model: bytes over achieved bandwidth plus launches, by hand; a compute floor.
#include "hardware/memory_time_model.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

TEST(MemoryTimeModel, BytesOverAchievedBandwidthPlusLaunches) {
  const MemoryTimeModel model(find_gpu("h800"), assumed_memory_constants());
  // An RMSNorm of 4096 tokens x 7168 BF16 values reads and writes 2 x 58,720,256 bytes: at 0.8 of 3.35 TB/s,
  // 43.82 us, plus 4 us of launch.
  const MemoryOpShape norm{.bytes = 2 * 4096.0 * 7168 * 2, .flops = 4 * 4096.0 * 7168, .kernels = 1};
  EXPECT_NEAR(model.seconds(norm, 132), 117440512.0 / (3.35e12 * 0.8) + 4e-6, 1e-15);
  EXPECT_NEAR(model.seconds(norm, 132), 47.82e-6, 0.01e-6);
  // Two kernels pay two launches; the SMs left do not change the bandwidth.
  EXPECT_NEAR(model.seconds(MemoryOpShape{norm.bytes, norm.flops, 2}, 112) - model.seconds(norm, 112), 4e-6, 1e-15);
  EXPECT_DOUBLE_EQ(model.seconds(norm, 112), model.seconds(norm, 132));
}

TEST(MemoryTimeModel, ArithmeticHeavyOpsMeetTheCudaCorePeak) {
  const MemoryTimeModel model(find_gpu("h800"), MemoryConstants{1, 0});
  // 66.9 TFLOP of CUDA-core work cannot take less than a second on all 132 SMs, two on 66.
  const MemoryOpShape heavy{.bytes = 1, .flops = 66.9e12, .kernels = 1};
  EXPECT_DOUBLE_EQ(model.seconds(heavy, 132), 1.0);
  EXPECT_DOUBLE_EQ(model.seconds(heavy, 66), 2.0);
}

TEST(MemoryTimeModel, BandwidthAboveTheDatasheetIsRefused) {
  EXPECT_THROW(MemoryTimeModel(find_gpu("h800"), MemoryConstants{0.99, 0}), Error);
}

}  // namespace
}  // namespace trainsim::hw
