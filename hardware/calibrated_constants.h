// CalibratedConstants: the shape models' constants fitted, kernel family by kernel family, to the points of a
// calibration file (hardware/calibration.h), with how well each fit holds; a family without points stays
// with the datasheet roofline, and says so.
#pragma once
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hardware/calibration.h"
#include "hardware/gpu_spec.h"
#include "hardware/kernel_family.h"
#include "hardware/op_time_fit.h"
#include "hardware/shaped_op_time_model.h"

namespace trainsim::hw {

// What the fit of one family found.
struct FamilyFit {
  KernelFamily family = KernelFamily::kFp8Gemm;
  std::string model;                                       // "gemm tile-wave", "attention tile-wave", "memory bytes"
  std::vector<std::pair<std::string, double>> parameters;  // the fitted constants, SI units, unit in the name
  FitQuality quality;
};

struct CalibratedConstants {
  std::string calibration_file;  // empty: no calibration, every family on the roofline
  ShapedConstants constants;     // fitted where `fitted` says so; elsewhere the defaults, unused
  std::array<bool, kKernelFamilyCount> fitted{};
  // Per fitted family, the kernel sizes its points measured, widened by kCoverageMargin either side.
  std::array<SizeRange, kKernelFamilyCount> covered{};
  std::vector<FamilyFit> fits;  // one per fitted family, in KernelFamily order

  bool is_fitted(KernelFamily family) const { return fitted[static_cast<std::size_t>(family)]; }
  const FamilyFit* fit_of(KernelFamily family) const;
};

// Fits every family that has points in `calibration` (null: none) for `gpu`. Throws ConfigError, at the
// point in the file, for a point whose shape the family's model cannot read (a GEMM without m, n or k).
CalibratedConstants fit_calibration(const Calibration* calibration, const GpuSpec& gpu, FitOptions options = {});

// The fits as a calibration file records them (Calibration::fits), so that a file written from measurements
// carries the constants and residuals its points give.
std::vector<FittedModel> fitted_models(const CalibratedConstants& calibrated);

// The same, fitted once per calibration file and GPU and kept: scenarios sharing a calibration share the fit.
std::shared_ptr<const CalibratedConstants> calibrated_constants(const std::shared_ptr<const Calibration>& calibration,
                                                                const GpuSpec& gpu);

}  // namespace trainsim::hw
