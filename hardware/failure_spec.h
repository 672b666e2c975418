// FailureSpec: how often a cluster interrupts a synchronous training job, how fast it writes and reads a
// checkpoint, and how long a restart takes (cluster.failures in a scenario). The defaults are Llama 3's
// 16,384-GPU H100 pre-training (Llama Team, "The Llama 3 Herd of Models", arXiv 2407.21783, section 3.3),
// except the restart time, which no large run publishes: an assumption, said so wherever it is used.
#pragma once
#include <optional>

namespace trainsim::hw {

// 419 unexpected interruptions in a 54-day snapshot on 16,384 GPUs: one per 54 x 24 x 16384 / 419 =
// 50,677 GPU-hours (docs/sources.md#failures). Planned interruptions (47, automated maintenance) are left out.
inline constexpr double kLlama3GpuHoursPerInterruption = 54.0 * 24.0 * 16384.0 / 419.0;
// Tectonic, Llama 3's checkpoint store: 2 TB/s sustained (7 TB/s peak), the same paper, section 3.3.1.
inline constexpr double kLlama3CheckpointBytesPerS = 2e12;
// Detecting the failure, rescheduling, starting the processes and NCCL: not published for a large run.
// An assumption; FlashRecovery (arXiv 2509.03047) reports 150 s for its optimised restart on 4,800 devices.
inline constexpr double kAssumedRestartS = 600.0;

struct FailureSpec {
  bool enabled = true;  // false: `failures: none`, the failure-free run only
  double gpu_mtbf_s = kLlama3GpuHoursPerInterruption * 3600.0;  // per GPU: the job's is this over its GPUs
  double checkpoint_write_bytes_per_s = kLlama3CheckpointBytesPerS;  // the whole job's, to its store
  double checkpoint_read_bytes_per_s = kLlama3CheckpointBytesPerS;
  double restart_s = kAssumedRestartS;  // before the checkpoint is read back
  bool restart_assumed = true;          // false once a scenario gives restart_time
  std::optional<double> checkpoint_interval_s;  // of training time; absent: Daly's optimum
};

}  // namespace trainsim::hw
