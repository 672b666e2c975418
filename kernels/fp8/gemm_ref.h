// CPU references of the block-scaled FP8 GEMM D[m,n] = sum_k A[m,k] B[n,k] (both operands K-major, DeepGEMM's
// "NT" form): exact products with FP64 accumulation, and a model of the tensor cores' limited-precision
// accumulation, with or without promotion to FP32 every 128 of K (DeepSeek-V3 tech report section 3.3.2).
#pragma once
#include <span>
#include <vector>

#include "kernels/fp8/quantize.h"
#include "kernels/fp8/training_gemm.h"

namespace trainsim::kernels::fp8 {

// D = A B^T in FP64 over the dequantized operands: a.cols == b.cols == K, D is a.rows x b.rows, row-major.
std::vector<double> gemm_ref(const QuantizedMatrix& a, const QuantizedMatrix& b);

// The FP64 result rounded as a kernel's output would be: BF16 (round to nearest even) or FP32.
std::vector<float> round_output(std::span<const double> d, OutputType type);

// A model of FP8 tensor-core accumulation, after the DeepSeek-V3 tech report (section 3.3.2: "accumulation
// precision of FP8 GEMM on NVIDIA H800 GPUs is limited to retaining around 14 bits"). Per MMA instruction
// (group_k products of raw codes, exact), all terms are aligned to the largest exponent among them and the
// accumulator and truncated toward zero below `significand_bits` bits of it, then summed; the accumulator
// holds the result. A model, not a description of the hardware: NOTES.md says what it predicts and why.
struct TensorCoreAccumulation {
  int significand_bits = 14;  // bits kept, counting the leading one
  int group_k = 32;           // K of one WGMMA instruction for FP8 (m64nNk32)
};

// The tensor-core GEMM under `model`: with promotion, the partial sum of each 128 of K is scaled and added
// into an FP32 accumulator (fmaf, as the kernel does); without, the whole K stays in the tensor-core
// accumulator and the scales are applied once at the end, which needs them constant along K
// (ScaleTiling::kRowWhole operands).
std::vector<float> gemm_tensor_core_model(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                          TensorCoreAccumulation model, bool promote);

// One accumulation step of the model, exposed for tests: acc + sum(terms) with the truncation above.
float truncated_accumulate(float acc, std::span<const double> terms, int significand_bits);

}  // namespace trainsim::kernels::fp8
