// Fits the shape models' constants (GEMM, attention, memory-bound) to measured points (shape, SMs, seconds)
// per op kind, and reports the fit honestly: residuals on the points it fitted and the error on points held out.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "hardware/attention_time_model.h"
#include "hardware/gemm_time_model.h"
#include "hardware/gpu_spec.h"
#include "hardware/memory_time_model.h"

namespace trainsim::hw {

// A measured point: one kernel call of `shape`, or, where `more` is not empty, that call and the calls of
// `more` run one after another and timed together (a calibration's group point: `seconds` is their sum).
struct GemmPoint {
  GemmShape shape;
  int sms = 0;  // SMs the kernel ran on
  double seconds = 0;
  std::vector<GemmShape> more;
};

struct AttentionPoint {
  AttentionShape shape;
  int sms = 0;
  double seconds = 0;
  std::vector<AttentionShape> more;
};

struct MemoryPoint {
  MemoryOpShape shape;
  int sms = 0;
  double seconds = 0;
  std::vector<MemoryOpShape> more;
};

// How points are split: every `hold_out_every`-th point (indices every-1, 2 every-1, ...) is held out of a
// first fit and predicted by it; the constants returned are fitted on all points. 0 holds none out.
struct FitOptions {
  int hold_out_every = 4;
};

struct FitQuality {
  std::size_t points = 0;                   // fitted by the returned constants
  double rms_relative_residual = 0;         // over those points
  double max_abs_relative_residual = 0;
  std::size_t held_out = 0;                 // points the first fit never saw
  double held_out_mean_abs_relative_error = 0;
  double held_out_rms_relative_error = 0;
  double held_out_max_abs_relative_error = 0;
  bool converged = false;
};

struct GemmFit {
  GemmConstants constants;
  std::vector<double> relative_residuals;  // per point, (model - measured) / measured
  FitQuality quality;
};

struct AttentionFit {
  AttentionConstants constants;
  std::vector<double> relative_residuals;
  FitQuality quality;
};

struct MemoryFit {
  MemoryConstants constants;
  std::vector<double> relative_residuals;
  FitQuality quality;
};

// One GEMM family (FP8 DeepGEMM, or BF16) per fit: the points' shapes share a dtype.
GemmFit fit_gemm(const GpuSpec& gpu, std::span<const GemmPoint> points, const GemmConstants& initial,
                 double hbm_time_factor, FitOptions options = {});
AttentionFit fit_attention(const GpuSpec& gpu, AttentionDirection direction, std::span<const AttentionPoint> points,
                           const AttentionConstants& initial, double hbm_time_factor, FitOptions options = {});
MemoryFit fit_memory(const GpuSpec& gpu, std::span<const MemoryPoint> points, const MemoryConstants& initial,
                     FitOptions options = {});

}  // namespace trainsim::hw
