// Biases on linear layers (GPT-2/3's every projection, Qwen2's q/k/v, GPT-OSS's attention and experts): the
// forward bias add is fused into the GEMM's epilogue (cuBLASLt's BIAS epilogue, Transformer Engine's Linear),
// so it costs no op of its own; backward, the bias gradient is a column sum of dY: one memory-bound op per
// biased GEMM, reading dY (BF16) and writing the FP32 gradient.
#pragma once
#include <string>

#include "models/op.h"

namespace trainsim::models {

// db[n] = sum over the rows of dY[rows, n], per weight set (a grouped GEMM's experts split the rows evenly);
// named after its GEMM ("attn.qkv_proj.bias_grad").
Op bias_gradient_op(const std::string& gemm_name, OpRole role, double rows, double n, double weight_sets = 1);

}  // namespace trainsim::models
