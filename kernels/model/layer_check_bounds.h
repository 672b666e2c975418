// The layer check's bounds (layer_check.h): what two back-ends may differ by, derived from the formats.
//
// Budgets of one kernel whose inputs may differ between the back-ends by what the kernels before it left (the same
// first-order estimates as tests/kernels/model/precision_model_test.cc, which holds the CPU's BF16 and FP8 model to
// FP64 with them):
// - a BF16 GEMM: each operand's rounding to BF16 may land one BF16 ulp apart, at most 2^-8 relative; worst cases
//   add up along a chain: n GEMMs, n x 2^-8;
// - an FP8 GEMM: E4M3's round-to-nearest of unrelated values leaves an error spread evenly within half an ulp
//   (2^-4 relative), RMS 2^-4 / sqrt(3) per operand, two operands per GEMM; independent errors add in quadrature:
//   sqrt(2 n) x 2^-4 / sqrt(3);
// - an FP64 GEMM (head, gate): nothing at this scale;
// - an attention pass on a BF16 kernel: kBf16OutputRelL2 (mla_tolerances.h, the attention check's own bound);
// - a memory-bound op (norm, add, SwiGLU, RoPE, an expert's gather or combine) on a device that stores its tensors
//   in BF16 (at BF16 and FP8 GEMMs): its inputs rounded to BF16 (2^-9) and its output (2^-9), 2^-8 in all, adding
//   up along a chain as the BF16 GEMMs' do. FP64 storage (FP64 GEMMs): its sums in another order, 1e-12 an op.
#pragma once
#include "kernels/model/linear_gemm.h"

namespace trainsim::kernels::model {

// One GEMM run by both back-ends and its error bound against sums of |a||b|, per element and so per norm: two
// implementations that each stay within e of sum|a||b| stay within 2e of each other.
// - BF16: products of BF16 values are exact in FP32; each FP32 sum of k terms in any order is within (k - 1) 2^-24.
// - FP8: the same E4M3 codes and scales on both sides (kernels/fp8's quantizers are bit-exact with quantize_ref);
//   the tensor cores lose at most 4 x 33 x 2^-13 of each 128-block's sum (linear_gemm_test's derivation) and the
//   FP32 promotion 2^-24 per block. The sums are of the dequantized operands, at most (1 + 2^-4)^2 of |a||b|.
// - FP64: (k - 1) 2^-53.
double gemm_bound(GemmPrecision precision, int k);

// The budget of a chain of `gemms` GEMMs at `precision`, `attention_passes` BF16 attention passes and
// `memory_bound_ops` memory-bound ops.
double chain_budget(GemmPrecision precision, int gemms, int attention_passes, int memory_bound_ops);

// One memory-bound op on inputs both sides read alike (BF16-representable): an output stored in BF16 is rounded
// once (2^-9) after FP32 arithmetic of at most a few hundred terms (a few hundred x 2^-24 of their magnitudes):
// bound 2^-8. An output kept in the arithmetic's type (the gamma and gate gradients, the experts' sums into a token)
// loses only the FP32 arithmetic: at worst n 2^-24 of sum |t| for a sum of n terms, and sum |t| is about
// sqrt(n) |sum t| for random signs: 2^-12 at n = 256 (the GPU config's hidden size, a gate gradient's dot product);
// bound 2^-10. FP64 storage (FP64 GEMMs): FP64 in another order, bound 1e-12.
double memory_bound_op_bound(GemmPrecision precision, bool stored);

}  // namespace trainsim::kernels::model
