// The one-line description of a run's layout that the terminal summary and the report page print: parallel
// degrees, schedule, recompute, kernels, and the framework choices a scenario made away from their defaults.
#pragma once
#include <string>

#include "sim/scenario/parallel_layout.h"

namespace trainsim::reports {

// "PP 16 dualpipe, TP 1, EP 64, DP 128 ZeRO-1, recompute deepseek, flash attention; 120 micro-batches of 1 x 4096
// tokens"; with `gradient_accumulation_fusion: false`, `cross_entropy_kernel: unfused` and `residual_add: separate`
// also "separate gradient accumulation", "unfused cross-entropy" and "separate residual adds" after the attention
// kernel.
std::string layout_description(const sim::ParallelLayout& layout, int microbatches, int sequence_length);

}  // namespace trainsim::reports
