// Looking up an op's own measured point (see measured_points.h).
#include "hardware/measured_points.h"

#include "hardware/calibration_sweep.h"

namespace trainsim::hw {
namespace {

std::vector<std::pair<std::string, long long>> dims_of(const std::vector<ShapeDim>& shape) {
  std::vector<std::pair<std::string, long long>> dims;
  for (const ShapeDim& d : shape) dims.emplace_back(d.name, d.size);
  return dims;
}

}  // namespace

MeasuredPoints::MeasuredPoints(const Calibration& calibration)
    : file_(calibration.file), optimizer_(calibration.optimizer), gradient_zeroing_(calibration.gradient_zeroing) {
  for (const MeasuredPoint& p : calibration.points)
    if (!p.is_group())
      seconds_[Key{p.kernel_family(), p.op, p.dtype, dims_of(p.shape), p.sm_count, p.catalog_op}] = p.seconds;
}

std::optional<double> MeasuredPoints::seconds(const models::Op& op, int sms) const {
  if (const auto* dims = std::get_if<models::GemmDims>(&op.shape); dims != nullptr && dims->uneven()) {
    double sum = 0;
    for (const models::Op& one : models::per_group_calls(op)) {  // an expert with no rows runs no call
      const std::optional<double> seconds = this->seconds(one, sms);
      if (!seconds) return std::nullopt;
      sum += *seconds;
    }
    return sum;
  }
  const std::optional<KernelCall> call = kernel_call_of(op);
  if (!call) return std::nullopt;
  for (const std::string& name : {op.name, std::string()}) {
    const auto it = seconds_.find(Key{call->family, call->op, call->dtype, dims_of(call->shape), sms, name});
    if (it != seconds_.end()) return it->second;
  }
  return std::nullopt;
}

namespace {

// A streaming pass: its time in proportion to its bytes.
std::optional<double> pass_seconds(const std::optional<MeasuredPass>& pass, double bytes) {
  if (!pass || pass->bytes <= 0) return std::nullopt;
  return pass->seconds * bytes / pass->bytes;
}

}  // namespace

std::optional<double> MeasuredPoints::optimizer_seconds(double bytes) const {
  return pass_seconds(optimizer_, bytes);
}

std::optional<double> MeasuredPoints::gradient_zeroing_seconds(double bytes) const {
  return pass_seconds(gradient_zeroing_, bytes);
}

}  // namespace trainsim::hw
