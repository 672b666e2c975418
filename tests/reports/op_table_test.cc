// The op table of `trainsim ops` on Megatron's 1.7B row (Narayanan et al. 2021, table 1): the ops' work by hand
// from the model's shape, the layer's compute as the sum of its ops (the law LayerTiming keeps), and what priced
// each op by the calibration's coverage (hardware/shaped_op_time_model.h).
#include "reports/op_table.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "sim/scenario/scenario_loader.h"

namespace trainsim::reports {
namespace {

const sim::Scenario& megatron_1p7b() {
  static const sim::Scenario scenario =
      sim::load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/megatron-gpt-1.7b-32xa100.yaml");
  return scenario;
}

const nlohmann::json& layer(const nlohmann::json& table, const std::string& kind) {
  for (const nlohmann::json& l : table["layers"])
    if (l["kind"] == kind) return l;
  throw std::runtime_error("no layer " + kind);
}

// The first op of a name in a pass (the recomputed forward repeats the forward's names in pass Bi).
const nlohmann::json& op(const nlohmann::json& l, const std::string& name, const std::string& pass = "F") {
  for (const nlohmann::json& o : l["ops"])
    if (o["name"] == name && o["pass"] == pass) return o;
  throw std::runtime_error("no op " + name);
}

TEST(OpTable, ListsEveryLayerKindOfADenseGptWithItsCount) {
  const sim::PricedScenario priced(megatron_1p7b());
  const nlohmann::json table = op_table_json(priced);
  ASSERT_EQ(table["layers"].size(), 3u);  // dense, embedding, output head: no MoE layer, no MTP module
  EXPECT_EQ(layer(table, "dense")["count"], 24);
  EXPECT_EQ(layer(table, "embedding")["count"], 1);
  EXPECT_EQ(layer(table, "output_head")["count"], 1);
}

TEST(OpTable, GemmWorkByHandFromTheModelShape) {
  const sim::PricedScenario priced(megatron_1p7b());
  const nlohmann::json table = op_table_json(priced);
  // One micro-batch: 16 sequences x 2048 tokens = 32,768 rows; hidden 2304; QKV 3 x 2304 wide; vocabulary 51,200.
  const double rows = 16.0 * 2048;
  EXPECT_DOUBLE_EQ(op(layer(table, "dense"), "attn.qkv_proj")["flops"].get<double>(), 2 * rows * 3 * 2304 * 2304);
  EXPECT_DOUBLE_EQ(op(layer(table, "dense"), "mlp.up")["flops"].get<double>(), 2 * rows * 9216 * 2304);
  EXPECT_DOUBLE_EQ(op(layer(table, "output_head"), "head.proj")["flops"].get<double>(), 2 * rows * 51200 * 2304);
  // Full recompute re-runs the layer's forward inside the backward.
  EXPECT_TRUE(op(layer(table, "dense"), "attn.qkv_proj", "Bi")["recomputed"].get<bool>());
}

TEST(OpTable, ALayersComputeIsTheSumOfItsComputeOps) {
  const sim::PricedScenario priced(megatron_1p7b());
  const nlohmann::json table = op_table_json(priced);  // alive through the loop: it walks the table's members
  for (const nlohmann::json& l : table["layers"]) {
    double sum_s = 0;
    for (const nlohmann::json& o : l["ops"])
      if (o["priced_by"] != "link bandwidth + latency") sum_s += o["time_s"].get<double>();
    // Both sides add the same doubles, in another order: agreement to rounding.
    EXPECT_NEAR(sum_s, l["compute_s"].get<double>(), 1e-12 * sum_s) << l["kind"];
  }
}

TEST(OpTable, SaysWhatPricedEachOpByTheCalibrationsCoverage) {
  const sim::PricedScenario priced(megatron_1p7b());
  const nlohmann::json table = op_table_json(priced);
  // hardware/calibration/a100-published.yaml measured GEMMs of 0.46 and 1.10 TFLOP; kCoverageMargin 2 either
  // side covers 0.23 to 2.20 TFLOP. The QKV GEMM (1.04 TFLOP) is inside, the output head (2 x 32,768 x 51,200 x
  // 2304 = 7.73 TFLOP) beyond: the datasheet roofline prices it.
  EXPECT_EQ(op(layer(table, "dense"), "attn.qkv_proj")["priced_by"], "gemm shape model");
  EXPECT_EQ(op(layer(table, "output_head"), "head.proj")["priced_by"], "roofline");
  EXPECT_EQ(op(layer(table, "dense"), "attn.norm")["priced_by"], "roofline");  // no memory-bound points for the A100
  // The roofline's BF16 GEMMs run at 0.7 of the A100's 312 TFLOPS (hardware/op_time_model.h) plus 4 us a kernel.
  EXPECT_NEAR(op(layer(table, "output_head"), "head.proj")["time_s"].get<double>(),
              2 * 16.0 * 2048 * 51200 * 2304 / (0.7 * 312e12) + 4e-6, 1e-3 * 35e-3);
}

TEST(OpTable, TextNamesTheGpuAndEveryLayerKind) {
  const sim::PricedScenario priced(megatron_1p7b());
  const std::string text = format_op_table(priced);
  EXPECT_NE(text.find("NVIDIA A100"), std::string::npos) << text;
  for (const char* heading : {"dense layer (x24 in the model)", "embedding layer (x1", "output_head layer (x1"})
    EXPECT_NE(text.find(heading), std::string::npos) << heading;
  EXPECT_NE(text.find("attn.qkv_proj"), std::string::npos);
  EXPECT_NE(text.find("TFLOP/s"), std::string::npos);
}

}  // namespace
}  // namespace trainsim::reports
