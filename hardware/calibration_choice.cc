// Choosing and checking a calibration for a GPU. The twin table is the one place that says which GPUs share
// their compute: H800 is an H100 SXM5 with NVLink cut to 400 GB/s (DeepSeek-V3 tech report 3.1; both
// 132 SMs at 1980 MHz, HBM3 at 3.35 TB/s in hardware/gpu_catalog.yaml).
#include "hardware/calibration_choice.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/embedded_file.h"
#include "core/units.h"

namespace trainsim {
std::span<const EmbeddedFile> shipped_calibration_files();  // generated from hardware/calibration/*.yaml
}

namespace trainsim::hw {
namespace {

// NOTE: H200 has the same SMs and clock but HBM3e at 4.8 TB/s, so memory-bound ops differ: not a twin.
constexpr std::pair<const char*, const char*> kComputeTwins[] = {{"h800", "h100"}, {"h100", "h800"}};

bool same_clock(double a_hz, double b_hz) { return std::fabs(a_hz - b_hz) <= 1e-3 * std::max(a_hz, b_hz); }

}  // namespace

std::vector<std::string> compute_twins(const std::string& gpu_key) {
  std::vector<std::string> twins;
  for (auto [gpu, twin] : kComputeTwins)
    if (gpu_key == gpu) twins.emplace_back(twin);
  return twins;
}

const std::vector<std::shared_ptr<const Calibration>>& shipped_calibrations() {
  static const std::vector<std::shared_ptr<const Calibration>> shipped = [] {
    std::vector<std::shared_ptr<const Calibration>> out;
    for (const EmbeddedFile& file : shipped_calibration_files())
      out.push_back(std::make_shared<const Calibration>(
          parse_calibration(std::string(file.text), "hardware/calibration/" + std::string(file.name))));
    return out;
  }();
  return shipped;
}

bool calibration_fits(const Calibration& calibration, const GpuSpec& gpu) {
  return calibration.device.sm_count == gpu.sm_count && gpu.boost_clock_hz > 0 &&
         same_clock(calibration.device.boost_clock_hz, gpu.boost_clock_hz);
}

std::shared_ptr<const Calibration> shipped_calibration_for(const GpuSpec& gpu) {
  std::vector<std::string> wanted{gpu.key};
  for (const std::string& twin : compute_twins(gpu.key)) wanted.push_back(twin);
  // NOTE: among files of one GPU type a trace beats a published table: it measures training's own kernels in
  // situ, at the SMs DualPipe leaves them, where a table measures a kernel alone on the whole GPU.
  for (const std::string& key : wanted)
    for (CalibrationSourceKind kind : {CalibrationSourceKind::kTrace, CalibrationSourceKind::kKernels,
                                       CalibrationSourceKind::kPublished})
      for (const std::shared_ptr<const Calibration>& c : shipped_calibrations())
        if (c->device.gpu == key && c->source.kind == kind && calibration_fits(*c, gpu)) return c;
  return nullptr;
}

void check_calibration_fits(const Calibration& calibration, const GpuSpec& gpu, const SourceLocation& where) {
  const CalibrationDevice& d = calibration.device;
  // The host (hardware/host_device.h): its calibration is this machine's, the same CPU on as many threads at the
  // same clock (0 on both where the kernel exposes none).
  if (gpu.key == kHostGpuKey || d.gpu == kHostGpuKey) {
    if (d.gpu != gpu.key || d.name != gpu.name || d.sm_count != gpu.sm_count || d.boost_clock_hz != gpu.boost_clock_hz)
      throw ConfigError(where,
                        fmt::format("{} was measured on {} '{}' ({} threads), the scenario runs on {} '{}' ({} threads)",
                                    calibration.file, d.gpu, d.name, d.sm_count, gpu.key, gpu.name, gpu.sm_count),
                        "a calibration of the host measured on this machine (trainsim validate --calibration-out)",
                        "a host's op times hold only for the machine that measured them");
    return;
  }
  if (gpu.boost_clock_hz <= 0)
    throw ConfigError(where, fmt::format("cannot check {} against GPU {}: the catalog gives no boost clock for it",
                                         calibration.file, gpu.key),
                      "a GPU whose boost clock is known", "set cluster.gpu.boost_clock, or calibration: none");
  if (d.sm_count != gpu.sm_count)
    throw ConfigError(where, fmt::format("{}: {} SMs: measured on another GPU than the scenario's {} ({} SMs)",
                                         d.sm_count_at.to_string(), d.sm_count, gpu.key, gpu.sm_count),
                      fmt::format("a calibration measured on a GPU with {} SMs", gpu.sm_count),
                      "name a calibration of this GPU, or calibration: none for the datasheet roofline");
  if (!same_clock(d.boost_clock_hz, gpu.boost_clock_hz))
    throw ConfigError(where, fmt::format("{}: {}: measured on another GPU than the scenario's {} (boost clock {})",
                                         d.boost_clock_at.to_string(), format_quantity(d.boost_clock_hz, Dimension::kHertz),
                                         gpu.key, format_quantity(gpu.boost_clock_hz, Dimension::kHertz)),
                      fmt::format("a calibration measured at {}", format_quantity(gpu.boost_clock_hz, Dimension::kHertz)),
                      "name a calibration of this GPU, or calibration: none for the datasheet roofline");
  // NOTE: SMs and clock are not enough: H200 has H800's and H100's, with HBM3e at 4.8 TB/s against 3.35, so its
  // memory-bound kernels are faster; only the GPU itself or a compute twin (same SMs, clock and HBM) fits.
  const std::vector<std::string> twins = compute_twins(gpu.key);
  if (!d.gpu.empty() && d.gpu != gpu.key && std::find(twins.begin(), twins.end(), d.gpu) == twins.end())
    throw ConfigError(where, fmt::format("{}: {}: measured on another GPU than the scenario's {} (same SMs and clock, "
                                         "other memory or compute)",
                                         d.gpu_at.to_string(), d.gpu, gpu.key),
                      twins.empty() ? fmt::format("a calibration measured on {}", gpu.key)
                                    : fmt::format("a calibration measured on {} or {}", gpu.key, fmt::join(twins, ", ")),
                      "name a calibration of this GPU, or calibration: none for the datasheet roofline");
}

}  // namespace trainsim::hw
