// The FP8 GEMM launcher: checks the problem against each variant's limits and dispatches to it.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/fp8/sm90_fp8_gemm.h"

namespace trainsim::kernels::fp8 {

std::string_view to_string(GemmVariant variant) {
  switch (variant) {
    case GemmVariant::kSimt: return "simt";
    case GemmVariant::kWgmma: return "wgmma";
    case GemmVariant::kWgmmaNoPromotion: return "wgmma-nopromo";
  }
  return "?";
}

void validate(const Fp8GemmArgs& args, GemmVariant variant) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("fp8 gemm (" + std::string(to_string(variant)) + ", m=" + std::to_string(args.m) +
                                " n=" + std::to_string(args.n) + " k=" + std::to_string(args.k) + "): " + what);
  };
  if (args.m <= 0 || args.n <= 0 || args.k <= 0) fail("m, n and k must be positive");
  if (args.k % 16 != 0) fail("k must be a multiple of 16 (TMA rows of 16 bytes); HINT: pad K with zeros");
  if (args.n % 8 != 0) fail("n must be a multiple of 8 (aligned output pairs); HINT: pad N");
  if (args.a == nullptr || args.b == nullptr || args.a_scales == nullptr || args.b_scales == nullptr || args.d == nullptr)
    fail("every operand, scale and output pointer must be set");
  if (variant != GemmVariant::kSimt &&
      (reinterpret_cast<uintptr_t>(args.a) % 16 != 0 || reinterpret_cast<uintptr_t>(args.b) % 16 != 0))
    fail("A and B must start on 16-byte boundaries (TMA); HINT: offset grouped operands by multiples of 16 rows");
  if (variant == GemmVariant::kSimt && (reinterpret_cast<uintptr_t>(args.a) % 8 != 0 || reinterpret_cast<uintptr_t>(args.b) % 8 != 0))
    fail("A and B must start on 8-byte boundaries");
  if (args.b_tiling == ScaleTiling::kRowWhole && variant != GemmVariant::kWgmmaNoPromotion)
    fail("kRowWhole is stored as kRow1x128; pass b_tiling = kRow1x128");
}

void sm90_fp8_gemm(const Fp8GemmArgs& args, GemmVariant variant, cudaStream_t stream) {
  validate(args, variant);
  Fp8GemmArgs a = args;
  if (a.b_tiling == ScaleTiling::kRowWhole) a.b_tiling = ScaleTiling::kRow1x128;  // same layout
  switch (variant) {
    case GemmVariant::kSimt: return detail::launch_simt_gemm(a, stream);
    case GemmVariant::kWgmma: return detail::launch_wgmma_gemm(a, true, stream);
    case GemmVariant::kWgmmaNoPromotion: return detail::launch_wgmma_gemm(a, false, stream);
  }
}

}  // namespace trainsim::kernels::fp8
