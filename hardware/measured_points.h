// MeasuredPoints: a calibration's single points looked up by the kernel shape an op runs (the plan's key:
// kernel family, op kind, dtype, shape, SMs; calibration_sweep.h), for calibrations that price each op by its
// own point (CalibrationLaw::kPoints, the host's). Nothing is read between points: a shape without one has no time.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "hardware/calibration.h"
#include "models/op.h"

namespace trainsim::hw {

class MeasuredPoints {
 public:
  // Every single point of `calibration` (group points name no shape and are left out), its optimizer and its
  // gradient zeroing.
  explicit MeasuredPoints(const Calibration& calibration);

  // The measured seconds of the kernel `op` runs, on `sms` SMs: the point of its shape measured for `op` by name
  // where there is one (MeasuredPoint::catalog_op), else the one of its shape; nothing where no point has its shape.
  // A grouped GEMM of uneven groups (models::GemmDims::tokens_by_group) is the sum of its groups' own points,
  // one group each: the host runs each routed expert as its own call (kernels/model/moe_layer.cc; the host
  // harness's grouped call loops over its groups), and an expert with no rows runs none.
  std::optional<double> seconds(const models::Op& op, int sms) const;
  // The optimizer over `bytes`: the measured step's time per byte (it streams every parameter's state once, so its
  // time is its bytes'; the host measures it over the whole model, which a one-device scenario updates whole);
  // nothing where no optimizer was measured.
  std::optional<double> optimizer_seconds(double bytes) const;
  // The gradient buffer's zeroing over `bytes`: the measured zeroing's time per byte (a write of every gradient);
  // nothing where none was measured.
  std::optional<double> gradient_zeroing_seconds(double bytes) const;

  const std::string& file() const { return file_; }

 private:
  using Key = std::tuple<KernelFamily, models::OpKind, models::Dtype, std::vector<std::pair<std::string, long long>>, int,
                         std::string>;
  std::string file_;
  std::map<Key, double> seconds_;
  std::optional<MeasuredPass> optimizer_;
  std::optional<MeasuredPass> gradient_zeroing_;
};

}  // namespace trainsim::hw
