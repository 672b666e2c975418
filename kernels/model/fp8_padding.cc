// fp8_padding.h: each tensor's rows and columns are layer sizes (tokens, in or out), padded with zeros.
#include "kernels/model/fp8_padding.h"

#include <algorithm>

namespace trainsim::kernels::model {

namespace {

int round_up(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }

std::vector<float> padded(std::span<const double> x, int rows, int cols, int rows_to, int cols_to) {
  std::vector<float> out(size_t(rows_to) * cols_to, 0.0f);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) out[size_t(r) * cols_to + c] = float(x[size_t(r) * cols + c]);
  return out;
}

}  // namespace

Fp8LayerSizes fp8_padded_sizes(fp8::GemmKind kind, const Fp8LayerSizes& s) {
  constexpr int kK = 16, kN = 8;  // sm90_fp8_gemm.h's validate
  switch (kind) {
    case fp8::GemmKind::kFprop:
      return {s.tokens, round_up(s.in, kK), round_up(s.out, kN)};
    case fp8::GemmKind::kDgrad:
      return {s.tokens, round_up(s.in, kN), round_up(s.out, kK)};
    case fp8::GemmKind::kWgrad:
      return {round_up(s.tokens, kK), round_up(s.in, kN), s.out};
  }
  return s;
}

Fp8GemmTensors fp8_padded_tensors(fp8::GemmKind kind, const Fp8LayerSizes& from, const Fp8LayerSizes& to,
                                  std::span<const double> first, std::span<const double> second) {
  switch (kind) {
    case fp8::GemmKind::kFprop:  // X [tokens][in], W [out][in]
      return {padded(first, from.tokens, from.in, to.tokens, to.in), padded(second, from.out, from.in, to.out, to.in)};
    case fp8::GemmKind::kDgrad:  // dY [tokens][out], W [out][in]
      return {padded(first, from.tokens, from.out, to.tokens, to.out),
              padded(second, from.out, from.in, to.out, to.in)};
    case fp8::GemmKind::kWgrad:  // dY [tokens][out], X [tokens][in]
      return {padded(first, from.tokens, from.out, to.tokens, to.out),
              padded(second, from.tokens, from.in, to.tokens, to.in)};
  }
  return {};
}

std::vector<double> fp8_unpadded_output(std::span<const float> d, int rows, int padded_cols, int cols) {
  std::vector<double> out(size_t(rows) * cols);
  for (int r = 0; r < rows; ++r)
    std::copy_n(d.begin() + size_t(r) * padded_cols, cols, out.begin() + size_t(r) * cols);
  return out;
}

}  // namespace trainsim::kernels::model
