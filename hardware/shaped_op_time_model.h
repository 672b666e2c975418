// ShapedOpTimeModel: an OpTimeModel that prices GEMMs, grouped GEMMs and attention from their shapes (tiles,
// waves, the K loop) and memory-bound ops from their bytes, kernel family by kernel family, falling back to the
// roofline for a family it is told to leave there (one no calibration covers) and where no shape model
// applies. The shapes are the ops' own (models::Op::shape, filled by the op catalog). A calibration of points
// (CalibrationLaw::kPoints, the host's) replaces all of that: each op is its own point's time (measured_points.h).
#pragma once
#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hardware/attention_time_model.h"
#include "hardware/gemm_time_model.h"
#include "hardware/kernel_family.h"
#include "hardware/measured_points.h"
#include "hardware/memory_time_model.h"
#include "hardware/op_time_model.h"

namespace trainsim::hw {

// The shape models' views of an op's kernel shape, in the op's dtype.
GemmShape gemm_shape(const models::GemmDims& dims, models::Dtype dtype);
AttentionShape attention_shape(const models::AttentionDims& dims);

// One set of constants per kernel family.
struct ShapedConstants {
  GemmConstants fp8_gemm = deepgemm_fp8_h800_constants();
  GemmConstants fp8_weight_gemm = deepgemm_fp8_h800_constants();
  GemmConstants bf16_gemm = assumed_bf16_constants();
  AttentionConstants attention_forward = assumed_attention_constants(AttentionDirection::kForward);
  AttentionConstants attention_backward = assumed_attention_constants(AttentionDirection::kBackward);
  MemoryConstants memory = assumed_memory_constants();
  // Memory-bound kernels the measured implementation launches per catalog op. A trace's group points count
  // the kernels (DeepSeek's: about 3.6 per op, for casts, copies and small element-wise kernels the catalog
  // folds into one op), so the fit learns a cost per kernel and pricing launches this many per op; 1 where
  // the calibration has no group points (hardware/calibrated_constants.cc).
  double memory_kernels_per_op = 1;
  // Set for a calibration that prices each op by its own point (CalibrationLaw::kPoints): then nothing else
  // prices an op, and one without a point is a ConfigError naming it and the calibration.
  std::shared_ptr<const MeasuredPoints> points;
};

// The kernel sizes a family's fit has seen: FLOPs of a GEMM or attention call, bytes of a memory-bound one.
// A fit says nothing far outside them (a small router GEMM's constants are no evidence for a 100x larger
// GEMM), so an op outside [min / kCoverageMargin, max x kCoverageMargin] goes to the roofline.
struct SizeRange {
  double min = 0;
  double max = std::numeric_limits<double>::infinity();
  bool contains(double size) const { return size >= min && size <= max; }
};
// calibrate --device sweeps each scenario shape by 1/4 to 4 (hardware/calibration_sweep.h); a trace covers
// its own scenario's shapes. 2 either side of what was measured is the extrapolation trainsim allows.
inline constexpr double kCoverageMargin = 2.0;
// The size the coverage reads of an op: FLOPs for GEMMs and attention, HBM bytes for memory-bound kinds.
double kernel_size(const models::Op& op);

// Which model priced an op, so a report can say where the roofline still stands in. A GEMM or attention op
// without a shape (one built by hand) falls back to the roofline.
enum class OpPricing { kGemmShape, kAttentionShape, kMemoryBytes, kMeasuredPoint, kRoofline };
std::string_view op_pricing_name(OpPricing pricing);

class ShapedOpTimeModel final : public OpTimeModel {
 public:
  // `compute_sms`: SMs left to compute, e.g. 112 of 132 while DeepSeek-V3's communication kernels hold 20
  // (docs/sources.md#deepseek-v3-cluster). The roofline fallback runs at the same share.
  // `shaped`: the families the shape models price (the rest go to the roofline); all by default.
  // `covered`: per family, the kernel sizes its constants hold for (kernel_size); unbounded by default.
  ShapedOpTimeModel(GpuSpec gpu, ShapedConstants constants, int compute_sms, RooflineEfficiencies fallback = {},
                    std::array<bool, kKernelFamilyCount> shaped = all_families(),
                    std::array<SizeRange, kKernelFamilyCount> covered = {});
  double seconds(const models::Op& op) const override;
  OpPricing pricing(const models::Op& op) const;
  // The step's two passes over memory that are no op of the catalog (sim/step/data_parallel.h): the optimizer step
  // over `bytes`, and the gradient buffer's zeroing over `bytes`. A points calibration prices each by its own
  // measurement (an error where it has none); else each is a memory-bound kernel: the memory-bound fit where the
  // family is priced by it and covers the bytes, else the roofline's bytes at its HBM efficiency.
  double optimizer_seconds(double bytes) const;
  double gradient_zeroing_seconds(double bytes) const;
  int compute_sms() const { return compute_sms_; }

  static constexpr std::array<bool, kKernelFamilyCount> all_families() {
    std::array<bool, kKernelFamilyCount> all{};
    all.fill(true);
    return all;
  }

 private:
  double measured_seconds(const models::Op& op) const;
  // A pass of `bytes`: with points, their measurement `measured_s` (`field` and `what` name it in the error where
  // there is none); else a memory-bound kernel.
  double memory_pass_seconds(double bytes, std::optional<double> measured_s, const std::string& field,
                             const std::string& what) const;

  int compute_sms_;
  std::array<bool, kKernelFamilyCount> shaped_;
  std::array<SizeRange, kKernelFamilyCount> covered_;
  // The families' shape models; none where every op is priced by its own point (constants.points), as on a
  // device without the datasheet figures they are built on (the host).
  struct ShapeModels {
    GemmTimeModel fp8_gemm;
    GemmTimeModel fp8_weight_gemm;
    GemmTimeModel bf16_gemm;
    AttentionTimeModel attention_forward;
    AttentionTimeModel attention_backward;
    MemoryTimeModel memory;
  };
  std::optional<ShapeModels> shape_models_;
  std::shared_ptr<const MeasuredPoints> points_;
  double memory_kernels_per_op_;
  RooflineOpTimeModel roofline_;
};

}  // namespace trainsim::hw
