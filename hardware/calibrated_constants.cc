// Fitting a calibration's points family by family (see calibrated_constants.h).
#include "hardware/calibrated_constants.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <type_traits>
#include <mutex>

#include "core/error.h"

namespace trainsim::hw {
namespace {

// A point's or a member's shape dimension, or a located error where it lacks one.
template <class Shaped>
long long required_dim(const Shaped& shaped, const SourceLocation& at, std::string_view name, std::string_view family) {
  const long long size = shaped.dim(name, 0);
  if (size <= 0)
    throw ConfigError(at, fmt::format("a {} point needs shape dimension '{}'", family, name),
                      "the shape names of hardware/calibration/FORMAT.md");
  return size;
}

template <class Shaped>
GemmShape gemm_shape_of(const Shaped& s, models::Dtype dtype, const SourceLocation& at, std::string_view family) {
  return GemmShape::grouped(static_cast<int>(s.dim("groups", 1)), required_dim(s, at, "m", family),
                            required_dim(s, at, "n", family), required_dim(s, at, "k", family), dtype);
}

template <class Shaped>
AttentionShape attention_shape_of(const Shaped& s, const SourceLocation& at, std::string_view family) {
  AttentionShape a;
  a.batch = s.dim("batch", 1);
  a.heads = required_dim(s, at, "heads", family);
  a.seq = required_dim(s, at, "seq_q", family);
  if (s.dim("seq_kv", a.seq) != a.seq)
    throw ConfigError(at, "seq_kv differs from seq_q", "self-attention: the attention model prices seq_q = seq_kv");
  a.qk_head_dim = required_dim(s, at, "head_dim", family);
  a.v_head_dim = s.dim("value_dim", a.qk_head_dim);
  a.causal = true;  // training's causal self-attention: the only kind the catalog prices
  return a;
}

template <class Shaped>
MemoryOpShape memory_shape_of(const Shaped& s, const SourceLocation& at, std::string_view family) {
  return MemoryOpShape{static_cast<double>(required_dim(s, at, "bytes", family)), 0, 1};
}

// A calibration point as the fit of its family takes it: its shape, or its members' shapes.
template <class Point, class ShapeOf>
Point fit_point(const MeasuredPoint& p, ShapeOf shape_of) {
  Point out;
  out.sms = p.sm_count;
  out.seconds = p.seconds;
  if (!p.is_group()) {
    out.shape = shape_of(p, p.dtype, p.at);
    return out;
  }
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    const GroupMember& m = p.members[i];
    (i == 0 ? out.shape : out.more.emplace_back()) = shape_of(m, m.dtype, m.at);
  }
  if constexpr (std::is_same_v<Point, MemoryPoint>) {
    // The group's launches are the kernels the trace counted, shared among its members: only their sum
    // enters the fit.
    if (p.kernels > 0) {
      const double each = p.kernels / static_cast<double>(p.members.size());
      out.shape.kernels = each;
      for (MemoryOpShape& more : out.more) more.kernels = each;
    }
  }
  return out;
}

template <class Points>
std::vector<typename Points::value_type> points_of(const Calibration& c, KernelFamily family, auto shape_of) {
  std::vector<typename Points::value_type> out;
  for (const MeasuredPoint& p : c.points)
    if (p.kernel_family() == family) out.push_back(fit_point<typename Points::value_type>(p, shape_of));
  return out;
}

// The kernel sizes `points` measured (every member of a group point), widened by kCoverageMargin.
template <class Point, class SizeOf>
SizeRange covered_by(const std::vector<Point>& points, SizeOf size_of) {
  double smallest = std::numeric_limits<double>::infinity(), largest = 0;
  for (const Point& p : points) {
    smallest = std::min(smallest, size_of(p.shape));
    largest = std::max(largest, size_of(p.shape));
    for (const auto& more : p.more) {
      smallest = std::min(smallest, size_of(more));
      largest = std::max(largest, size_of(more));
    }
  }
  return SizeRange{smallest / kCoverageMargin, largest * kCoverageMargin};
}

}  // namespace

const FamilyFit* CalibratedConstants::fit_of(KernelFamily family) const {
  for (const FamilyFit& f : fits)
    if (f.family == family) return &f;
  return nullptr;
}

CalibratedConstants fit_calibration(const Calibration* calibration, const GpuSpec& gpu, FitOptions options) {
  CalibratedConstants out;
  if (calibration == nullptr) return out;
  out.calibration_file = calibration->file;
  ShapedConstants& k = out.constants;
  if (calibration->law == CalibrationLaw::kPoints) {
    k.points = std::make_shared<const MeasuredPoints>(*calibration);  // each op its own point: nothing to fit
    return out;
  }
  auto mark = [&](KernelFamily family, std::string model, std::vector<std::pair<std::string, double>> parameters,
                  const FitQuality& quality) {
    out.fitted[static_cast<std::size_t>(family)] = true;
    out.fits.push_back({family, std::move(model), std::move(parameters), quality});
  };

  // Memory first: its HBM factor is the floor of the GEMM and attention models too.
  const auto memory = points_of<std::vector<MemoryPoint>>(
      *calibration, KernelFamily::kMemoryBound,
      [](const auto& s, models::Dtype, const SourceLocation& at) { return memory_shape_of(s, at, "memory_bound"); });
  double group_kernels = 0, group_members = 0;
  for (const MeasuredPoint& p : calibration->points)
    if (p.is_group() && p.kernel_family() == KernelFamily::kMemoryBound && p.kernels > 0) {
      group_kernels += p.kernels;
      group_members += static_cast<double>(p.members.size());
    }
  if (group_members > 0) k.memory_kernels_per_op = group_kernels / group_members;
  if (!memory.empty()) {
    const MemoryFit fit = fit_memory(gpu, memory, k.memory, options);
    k.memory = fit.constants;
    out.covered[static_cast<std::size_t>(KernelFamily::kMemoryBound)] =
        covered_by(memory, [](const MemoryOpShape& m) { return m.bytes; });
    mark(KernelFamily::kMemoryBound, "memory bytes",
         {{"hbm_time_factor", fit.constants.hbm_time_factor}, {"launch_s", fit.constants.launch_s},
          {"kernels_per_op", k.memory_kernels_per_op}},
         fit.quality);
  }

  auto gemm_family = [&](KernelFamily family, GemmConstants& constants) {
    const std::string_view name = kernel_family_name(family);
    const auto points = points_of<std::vector<GemmPoint>>(
        *calibration, family,
        [&](const auto& s, models::Dtype dtype, const SourceLocation& at) { return gemm_shape_of(s, dtype, at, name); });
    if (points.empty()) return;
    const GemmFit fit = fit_gemm(gpu, points, constants, k.memory.hbm_time_factor, options);
    constants = fit.constants;
    out.covered[static_cast<std::size_t>(family)] = covered_by(points, [](const GemmShape& g) { return g.flops(); });
    mark(family, "gemm tile-wave",
         {{"mma_time_factor", fit.constants.mma_time_factor}, {"k_block_s", fit.constants.k_block_s},
          {"tile_s", fit.constants.tile_s}, {"launch_s", fit.constants.launch_s}},
         fit.quality);
  };
  gemm_family(KernelFamily::kFp8Gemm, k.fp8_gemm);
  // Weight gradients run a kernel of their own; their fit starts from the forward kernels' constants. Without
  // W points the family stays on the roofline (the forward fit is not evidence for another kernel).
  k.fp8_weight_gemm = k.fp8_gemm;
  gemm_family(KernelFamily::kFp8WeightGemm, k.fp8_weight_gemm);
  gemm_family(KernelFamily::kBf16Gemm, k.bf16_gemm);

  auto attention_family = [&](KernelFamily family, AttentionDirection direction, AttentionConstants& constants) {
    const std::string_view name = kernel_family_name(family);
    const auto points = points_of<std::vector<AttentionPoint>>(
        *calibration, family,
        [&](const auto& s, models::Dtype, const SourceLocation& at) { return attention_shape_of(s, at, name); });
    if (points.empty()) return;
    const AttentionFit fit = fit_attention(gpu, direction, points, constants, k.memory.hbm_time_factor, options);
    constants = fit.constants;
    out.covered[static_cast<std::size_t>(family)] =
        covered_by(points, [&](const AttentionShape& a) { return a.flops(direction); });
    mark(family, "attention tile-wave",
         {{"mma_time_factor", fit.constants.mma_time_factor}, {"tile_s", fit.constants.tile_s},
          {"launch_s", fit.constants.launch_s}},
         fit.quality);
  };
  attention_family(KernelFamily::kAttentionForward, AttentionDirection::kForward, k.attention_forward);
  attention_family(KernelFamily::kAttentionBackward, AttentionDirection::kBackward, k.attention_backward);

  std::sort(out.fits.begin(), out.fits.end(),
            [](const FamilyFit& a, const FamilyFit& b) { return a.family < b.family; });
  return out;
}

std::vector<FittedModel> fitted_models(const CalibratedConstants& calibrated) {
  std::vector<FittedModel> out;
  for (const FamilyFit& f : calibrated.fits) {
    FittedModel m;
    m.family = f.family;
    m.model = f.model;
    m.parameters = f.parameters;
    m.points_fitted = static_cast<int>(f.quality.points);
    m.rms_relative_error = f.quality.rms_relative_residual;
    m.max_relative_error = f.quality.max_abs_relative_residual;
    if (f.quality.held_out > 0) m.held_out_rms_relative_error = f.quality.held_out_rms_relative_error;
    out.push_back(std::move(m));
  }
  return out;
}

std::shared_ptr<const CalibratedConstants> calibrated_constants(const std::shared_ptr<const Calibration>& calibration,
                                                                const GpuSpec& gpu) {
  // Keyed by the calibration's address (kept alive by the entry) and what the models read of the GPU.
  struct Entry {
    std::shared_ptr<const Calibration> calibration;
    std::shared_ptr<const CalibratedConstants> constants;
  };
  static std::mutex mutex;
  static std::map<std::pair<const Calibration*, std::string>, Entry> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_pair(
      calibration.get(), fmt::format("{}/{}/{}/{}/{}/{}/{}", gpu.key, gpu.sm_count, gpu.fp8_peak_flops_per_s,
                                     gpu.bf16_peak_flops_per_s, gpu.fp32_peak_flops_per_s,
                                     gpu.hbm_bandwidth_bytes_per_s, gpu.boost_clock_hz));
  if (auto it = cache.find(key); it != cache.end()) return it->second.constants;
  auto constants = std::make_shared<const CalibratedConstants>(fit_calibration(calibration.get(), gpu));
  cache.emplace(key, Entry{calibration, constants});
  return constants;
}

}  // namespace trainsim::hw
