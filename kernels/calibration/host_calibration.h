// The host's kernels for a calibration plan's calls: what the CPU back-end the reduced DeepSeek-V3 trains on
// (kernels/model/NOTES.md) runs for each call, and how one is timed. Shared by the host driver
// (calibration_run_cpu.cc, which documents what runs each family) and `trainsim validate` (cli/validate_command.cc).
#pragma once
#include <functional>
#include <optional>

#include "kernels/calibration/calibration_call.h"
#include "kernels/calibration/host_memory_ops.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels {

// The call's kernel, its inputs prepared: a GEMM family's model::linear_forward at the call's dtype (a grouped
// GEMM its groups in turn), attention's FP64 causal core, a memory-bound call the model's own loops (with
// `config`, host_memory_ops.h) or else a copy of its bytes. Throws std::invalid_argument for a call the host
// cannot run (a dtype no host GEMM computes in, cross-attention, bytes that are no rows of the config).
HostKernel host_kernel(const CalibrationCall& call, const std::optional<model::ModelConfig>& config);

// The model's optimizer step as training_step runs it (AdamW over every parameter of `config`'s model, then each
// MoE block's bias update), on freshly initialised weights and stand-in gradients; `parameters` is set to how many
// parameters it updates.
HostKernel host_optimizer(const model::ModelConfig& config, std::size_t& parameters);

// The model's gradient buffer zeroed for the next step, as its backward begins (model::zero_gradients over a
// buffer of every parameter of `config`'s model, kept from call to call as the model keeps its own).
HostKernel host_gradient_zeroing(const model::ModelConfig& config);

// The median over `samples` of the mean of `batch` back-to-back calls, after one warm-up call (steady_clock): the
// call on warm caches, its inputs where its previous run left them.
double median_seconds(const std::function<void()>& run, int samples, int batch);

// The median over `samples` of one call each, every one after the caches were emptied of its data (evict_caches):
// the call on cold caches, its inputs and code read from memory.
double cold_median_seconds(const std::function<void()>& run, int samples);

// Writes a buffer of twice the host's last-level cache (sysfs cache/index3, else 64 MiB) from every thread of the
// pool (parallel_for), so that no core's private caches and no shared cache keep what ran before.
void evict_caches();

}  // namespace trainsim::kernels
