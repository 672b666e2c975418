// The flattened calibration plan's reader and the memory-bound kernels' shapes (kernels/calibration/calibration_call.h).
// Expected shapes are hand counts of the default scenario's plan calls (kernels/calibration/*.plan.json).
#include "kernels/calibration/calibration_call.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels {
namespace {

std::string error_of(const std::string& line) {
  try {
    parse_calibration_call(line, 7);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(CalibrationCall, ReadsALineAsCalibrationIoWritesIt) {
  const CalibrationCall c = parse_calibration_call("fp8_weight_gemm.112 fp8_weight_gemm grouped_gemm fp8 W 132 "
                                                   "groups=4 m=4096 n=7168 k=8192", 1);
  EXPECT_EQ(c.id, "fp8_weight_gemm.112");
  EXPECT_EQ(c.family, "fp8_weight_gemm");
  EXPECT_EQ(c.op, "grouped_gemm");
  EXPECT_EQ(c.dtype, "fp8");
  EXPECT_EQ(c.pass, "W");
  EXPECT_EQ(c.sms, 132);
  EXPECT_EQ(c.groups, 4);
  EXPECT_EQ(c.m, 4096);
  EXPECT_EQ(c.n, 7168);
  EXPECT_EQ(c.k, 8192);
  EXPECT_EQ(c.bytes, 0);

  const CalibrationCall a = parse_calibration_call(
      "attention_backward.000 attention_backward attention bf16 Bi 132 batch=1 heads=128 seq_q=4096 seq_kv=4096 "
      "head_dim=192 value_dim=128", 2);
  EXPECT_EQ(a.batch, 1);
  EXPECT_EQ(a.heads, 128);
  EXPECT_EQ(a.seq_q, 4096);
  EXPECT_EQ(a.seq_kv, 4096);
  EXPECT_EQ(a.head_dim, 192);
  EXPECT_EQ(a.value_dim, 128);
}

TEST(CalibrationCall, ReadsTheCatalogOpsTheCallStandsFor) {
  const CalibrationCall c = parse_calibration_call(
      "memory_bound.070 memory_bound permute bf16 F 132 bytes=262144 ops=moe.permute,moe.permute.bwd", 3);
  EXPECT_EQ(c.bytes, 262144);
  EXPECT_EQ(c.ops, (std::vector<std::string>{"moe.permute", "moe.permute.bwd"}));
  EXPECT_TRUE(parse_calibration_call("memory_bound.000 memory_bound norm bf16 F 132 bytes=4", 4).ops.empty());
}

TEST(CalibrationCall, SkipsTheHeaderAndBlankLines) {
  std::istringstream in("# 2 calls of scenarios/x.yaml for h800\n\nmemory_bound.000 memory_bound norm bf16 F 132 "
                        "bytes=117440512\nbf16_gemm.000 bf16_gemm gemm bf16 F 112 m=4096 n=256 k=7168\n");
  const auto calls = read_calibration_calls(in);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].bytes, 117440512);
  EXPECT_EQ(calls[1].sms, 112);
}

TEST(CalibrationCall, RefusesBrokenLinesNamingLineAndField) {
  EXPECT_EQ(error_of("fp8_gemm.000 fp8_gemm gemm fp8 F"),
            "calls line 7: expected 'id family op dtype pass sms key=value ...'");
  EXPECT_EQ(error_of("fp8_gemm.000 fp8_gemm gemm fp8 F 0 m=1"),
            "calls line 7: sms is '0' (expected a whole number above zero)");
  EXPECT_EQ(error_of("fp8_gemm.000 fp8_gemm gemm fp8 F 132 m=4096 n"), "calls line 7: 'n' is not key=value");
  EXPECT_EQ(error_of("fp8_gemm.000 fp8_gemm gemm fp8 F 132 rows=4096"), "calls line 7: unknown shape key 'rows'");
  EXPECT_EQ(error_of("fp8_gemm.000 fp8_gemm gemm fp8 F 132 m=40.96"),
            "calls line 7: m is '40.96' (expected a whole number above zero)");
}

// attn.q_down.quant_x: 4096 tokens x 7168 BF16 read (2 B), E4M3 written (1 B), one FP32 scale per 128 (4/128 B):
// 29,360,128 x 3.03125 = 88,997,888 bytes, the plan's memory_bound.024.
TEST(MemoryBoundShapes, QuantizeRowsFromTheCatalogsBytes) {
  const auto shape = quantize_shape(88997888, 7168);
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(shape->rows, 4096);
  EXPECT_EQ(shape->cols, 7168);
  EXPECT_FALSE(quantize_shape(88997888 + 97, 7168).has_value());  // 32 more elements: not whole rows
  EXPECT_FALSE(quantize_shape(88997888 + 1, 7168).has_value());   // not whole elements of 97/32 bytes
}

// moe.topk: 4096 tokens x 256 FP32 logits = 4,194,304 bytes (memory_bound.162).
TEST(MemoryBoundShapes, RouterTokens) {
  EXPECT_EQ(router_tokens(4194304, 256), 4096);
  EXPECT_FALSE(router_tokens(4194304 + 4, 256).has_value());
}

// moe.permute: 4096 tokens x top 8 rows of 7168 BF16, read and written = 939,524,096 bytes (memory_bound.174).
TEST(MemoryBoundShapes, PermuteRows) {
  EXPECT_EQ(permute_rows(939524096, 7168), 32768);
  EXPECT_FALSE(permute_rows(939524096 + 2, 7168).has_value());
}

// The first H200 run (kernels/runs/2026-12-04-h200) refused every attention and grouped-GEMM call: the offsets were
// range-checked one by one, and the first, 0, is below shape_int's range. The reduced model's attention call is 2
// sequences of 48 tokens; a grouped call of 4 groups of 96 rows pads each to 128.
TEST(EqualOffsets, StartAtZeroAndStepByTheRun) {
  EXPECT_EQ(equal_offsets(2, 48, "tokens"), (std::vector<int>{0, 48, 96}));
  EXPECT_EQ(equal_offsets(4, 128, "rows"), (std::vector<int>{0, 128, 256, 384, 512}));
  EXPECT_EQ(equal_offsets(1, 4096, "tokens"), (std::vector<int>{0, 4096}));
}

TEST(EqualOffsets, RefuseAnEmptyRunAndATotalPastInt) {
  EXPECT_THROW(equal_offsets(2, 0, "tokens"), std::invalid_argument);
  EXPECT_THROW(equal_offsets(0, 48, "tokens"), std::invalid_argument);
  // 2^16 runs of 2^15 rows is 2^31, one past the largest int.
  try {
    equal_offsets(1 << 16, 1 << 15, "rows");
    ADD_FAILURE() << "a total of 2^31 rows was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("rows"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::kernels
