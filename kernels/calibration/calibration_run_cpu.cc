// calibration_run_cpu: the host's twin of calibration_run (kernels/CALIBRATION.md): times every call of a flattened
// calibration plan with the CPU back-end the reduced DeepSeek-V3 trains on (kernels/model/NOTES.md), so that the
// simulator can be priced for the host as it is for a GPU, by the same plan and the same CSV, and its prediction of
// the reduced model's step checked against the step measured on the same host (issue 19's loop).
// Usage: calibration_run_cpu [--quick] CALLS.txt TIMES.csv [MODEL_CONFIG.json]
// What runs each family, as the model runs it:
// - GEMMs (`gemm`, any family): the model's GEMM of the call's first op (host_calibration.h): model::linear_forward,
//   linear_dgrad or linear_wgrad (an op named <linear>.dgrad or .wgrad) at the call's dtype (bf16: BF16 operands, FP32
//   sums; fp8: DeepSeek's block-scaled E4M3 with the tensor cores' truncated sums, linear_gemm.h), the output head
//   and the MoE gate at the model's kOriginalPrecision; a grouped GEMM is its groups' GEMMs one after another, as
//   the model runs each expert's.
// - attention: the FP64 causal attention core (mla/mla_attention_ref.h), forward, or backward (which recomputes the
//   forward, as the model's backward does).
// - memory-bound ops: with the model's config (the plan's model), the model's own FP64 loops for the catalog ops the
//   call stands for (host_memory_ops.h: norms, RoPE, SwiGLU, router, permutes, embedding, cross-entropy; the mean
//   of their loops where they differ), on the shape the ops' bytes stand for; they do far more per byte than a copy
//   (about 100 times, kernels/model/NOTES.md). Without the config, or for ops the model has no loop of their own
//   for (FP8 casts run inside the model's GEMMs; the cross-entropy's backward comes with its forward), a copy of the
//   bytes (half read, half written), as the GPU driver copies for ops with no kernel of their own; the CSV's kernel
//   column says which ran.
// The host runs every call on all its threads (parallel_for's pool): calls the plan asks at fewer SMs than its largest
// count are skipped, as calibration_run skips what it cannot hold to fewer SMs.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kernels/calibration/calibration_call.h"
#include "kernels/calibration/calibration_times.h"
#include "kernels/calibration/host_calibration.h"
#include "kernels/common/driver_args.h"
#include "kernels/common/host_cpu.h"

namespace trainsim::kernels {
namespace {

int run(const DriverArgs& cli) {
  if (cli.positional.size() != 2 && cli.positional.size() != 3)
    throw std::invalid_argument("usage: calibration_run_cpu [--quick] CALLS.txt TIMES.csv [MODEL_CONFIG.json]");
  std::optional<model::ModelConfig> config;
  if (cli.positional.size() == 3) config = model::load_model_config(cli.positional[2]);
  std::ifstream in(cli.positional[0]);
  if (!in) throw std::runtime_error("cannot read " + cli.positional[0]);
  const std::vector<CalibrationCall> calls = read_calibration_calls(in);
  if (calls.empty()) throw std::invalid_argument(cli.positional[0] + " holds no call");
  const int plan_sms = std::max_element(calls.begin(), calls.end(), [](const auto& a, const auto& b) {
                         return a.sms < b.sms;
                       })->sms;
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CalibrationTimes out(cli.positional[1], host_cpu_name(), threads, "none");
  const int samples = cli.quick ? 3 : 5, batch = cli.quick ? 2 : 4;
  int timed = 0, fewer_sms = 0, refused = 0;
  for (const CalibrationCall& c : calls) {
    if (c.sms < plan_sms) {
      ++fewer_sms;
      continue;
    }
    try {
      const HostKernel t = host_kernel(c, config);
      const double seconds = median_seconds(t.run, samples, batch) / t.loops_per_run;
      out.add(c.id, seconds, threads, t.kernel);  // what it ran on, as calibration_run writes its GPU's SMs
      std::printf("%-24s %12.3f us  %s\n", c.id.c_str(), seconds * 1e6, t.kernel.c_str());
      ++timed;
    } catch (const std::invalid_argument& e) {
      std::printf("%-24s refused: %s\n", c.id.c_str(), e.what());
      ++refused;
    }
    std::fflush(stdout);
  }
  std::printf("%d calls timed on %d threads, %d at fewer SMs than the plan's %d skipped (the host runs all its "
              "threads), %d refused\n",
              timed, threads, fewer_sms, plan_sms, refused);
  return timed > 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  return trainsim::kernels::driver_main(argc, argv, "calibration_run_cpu", trainsim::kernels::run);
}
