// The GPU catalog: every entry loads with its datasheet numbers, overrides apply, bad fields are named.
#include "hardware/gpu_catalog.h"

#include <gtest/gtest.h>

namespace trainsim::hw {
namespace {

TEST(GpuCatalog, HoldsTheFiveGpusWithTheirDatasheetNumbers) {
  EXPECT_EQ(gpu_keys(), (std::vector<std::string>{"h800", "h100", "h200", "a100", "b200"}));
  const GpuSpec h800 = find_gpu("h800");
  EXPECT_DOUBLE_EQ(h800.bf16_peak_flops_per_s, 989e12);  // docs/sources.md#dense-peaks
  EXPECT_DOUBLE_EQ(h800.fp8_peak_flops_per_s, 1979e12);
  EXPECT_DOUBLE_EQ(h800.hbm_bandwidth_bytes_per_s, 3.35e12);
  EXPECT_EQ(h800.sm_count, 132);
  EXPECT_DOUBLE_EQ(h800.nic_bandwidth_bytes_per_s, 50e9);  // 400 Gb/s
  EXPECT_DOUBLE_EQ(h800.price_usd_per_s * 3600, 2.0);  // tech report table 1 (docs/sources.md#gpu-datasheets)
  EXPECT_DOUBLE_EQ(h800.power_w, 700);  // the H100 SXM datasheet's maximum TDP
  // H800 differs from H100 SXM only in NVLink (400 vs 900 GB/s bidirectional).
  const GpuSpec h100 = find_gpu("h100");
  EXPECT_EQ(h100.bf16_peak_flops_per_s, h800.bf16_peak_flops_per_s);
  EXPECT_DOUBLE_EQ(h100.nvlink_bandwidth_bytes_per_s / h800.nvlink_bandwidth_bytes_per_s, 900.0 / 400.0);
  for (const GpuSpec& spec : gpu_catalog()) EXPECT_FALSE(spec.source.empty()) << spec.key;  // every entry names its datasheet
}

TEST(GpuCatalog, A100FallsBackToBf16ForFp8) {
  const GpuSpec a100 = find_gpu("a100");
  EXPECT_EQ(a100.tensor_peak_flops_per_s(models::Dtype::kFp8), 312e12);
}

// MX block-scaled FP8 on the tensor cores: Blackwell data-centre parts only (Transformer Engine's support
// matrix: MXFP8 for compute capability 10.x, not Hopper's 9.0 or Ampere's 8.0; docs/sources.md#precision).
TEST(GpuCatalog, OnlyTheB200HasMxFp8) {
  for (const GpuSpec& gpu : gpu_catalog()) EXPECT_EQ(gpu.mxfp8, gpu.key == "b200") << gpu.key;
  GpuSpec spec = find_gpu("h800");
  read_gpu_fields(ConfigNode::parse("mxfp8: true\n", "s.yaml"), spec);  // a scenario may say its GPU has it
  EXPECT_TRUE(spec.mxfp8);
  try {
    read_gpu_fields(ConfigNode::parse("mxfp8: sometimes\n", "s.yaml"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("s.yaml:1:8: mxfp8: "), std::string::npos) << e.what();
  }
}

TEST(GpuCatalog, OverridesApplyAndBadFieldsAreNamed) {
  GpuSpec spec = find_gpu("h800");
  read_gpu_fields(ConfigNode::parse("hbm_capacity: 96 GiB\n", "s.yaml"), spec);
  EXPECT_DOUBLE_EQ(spec.hbm_capacity_bytes, 96.0 * 1073741824.0);
  try {
    read_gpu_fields(ConfigNode::parse("hbm_capacty: 96 GiB\n", "s.yaml"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("s.yaml:1:1: hbm_capacty: unknown key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'hbm_capacity'?"), std::string::npos) << e.what();
  }
}

TEST(GpuCatalog, UnknownGpuSuggestsTheNearest) {
  try {
    find_gpu("h8000");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'h800'?"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::hw
