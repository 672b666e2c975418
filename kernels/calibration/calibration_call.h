// CalibrationCall: one kernel call of a calibration plan (`trainsim calibrate --device`, kernels/CALIBRATION.md)
// as calibration_io.py flattens it for the GPU machine, which has no JSON library: one call a line,
// "id family op dtype pass sms key=value ... [ops=name,name]". And the kernel shape a memory-bound op's byte count stands for.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace trainsim::kernels {

struct CalibrationCall {
  std::string id;      // <family>.<index>: what the results name the call by
  std::string family;  // fp8_gemm, fp8_weight_gemm, bf16_gemm, attention_forward, attention_backward, memory_bound
  std::string op;      // gemm, grouped_gemm, attention, or a memory-bound op kind (quantize, router, permute, ...)
  std::string dtype;
  std::string pass;    // F, W (weight GEMMs) or Bi (attention backward)
  int sms = 0;         // the SMs the plan asks the kernel to run on
  // The shape, as a calibration point names it (hardware/calibration/FORMAT.md); 0 where the op has no such size.
  std::int64_t m = 0, n = 0, k = 0, groups = 0;
  std::int64_t batch = 0, heads = 0, seq_q = 0, seq_kv = 0, head_dim = 0, value_dim = 0;
  std::int64_t bytes = 0;
  // The op catalog's ops the call stands for ("ops=attn.norm,mlp.norm"); a sweep point has its base call's. The host
  // driver picks the model's loop for a memory-bound call by the first; the GPU driver does not read them.
  std::vector<std::string> ops;
};

// A shape size as the kernels and references take it (int); std::invalid_argument naming `what` outside 1 .. 2^31 - 1.
int shape_int(std::int64_t size, const char* what);

// The offsets of `count` equal runs of `size` rows each, as the varlen attention kernels (cu_seqlens) and the grouped
// GEMMs (group offsets) take them: count + 1 ints from 0 to count x size. The first is 0 by definition, so only the
// run's size and the total are range-checked (shape_int), the total naming `what`.
std::vector<int> equal_offsets(int count, std::int64_t size, const char* what);

// Parses one line; throws std::invalid_argument naming the line number and the field that is wrong.
CalibrationCall parse_calibration_call(const std::string& line, int line_number);
// Every non-empty line of `in` that does not start with '#'.
std::vector<CalibrationCall> read_calibration_calls(std::istream& in);

// The memory-bound kernels' shapes from the op catalog's byte counts (models/op_catalog.cc):
// quantize: BF16 read (2 B), E4M3 written (1 B) and an FP32 scale per 1x128 tile (4/128 B) per element, in rows
// of `cols` elements; nothing when the bytes are not whole rows.
struct QuantizeShape {
  int rows = 0;
  int cols = 0;
};
std::optional<QuantizeShape> quantize_shape(std::int64_t bytes, int cols);
// router: FP32 logits of `experts` experts read per token; permute: each routed row of `hidden` BF16 values read
// and written. Nothing when the bytes are not whole tokens or rows.
std::optional<int> router_tokens(std::int64_t bytes, int experts);
std::optional<int> permute_rows(std::int64_t bytes, int hidden);

}  // namespace trainsim::kernels
