// Which model priced each kernel family (see op_pricing_report.h).
#include "reports/op_pricing_report.h"

#include <fmt/format.h>

#include <vector>

#include "reports/run_text.h"

namespace trainsim::reports {
namespace {

std::vector<hw::KernelFamily> families(const hw::CalibratedConstants& c, bool fitted) {
  std::vector<hw::KernelFamily> out;
  for (int f = 0; f < hw::kKernelFamilyCount; ++f) {
    const auto family = static_cast<hw::KernelFamily>(f);
    if (c.is_fitted(family) == fitted) out.push_back(family);
  }
  return out;
}


}  // namespace

nlohmann::json op_pricing_json(const hw::CalibratedConstants& c) {
  nlohmann::json out = nlohmann::json::object();
  for (int f = 0; f < hw::kKernelFamilyCount; ++f) {
    const auto family = static_cast<hw::KernelFamily>(f);
    const std::string name(hw::kernel_family_name(family));
    if (c.constants.points) {
      out[name] = {{"priced_by", "measured points"}, {"calibration", c.calibration_file}};
      continue;
    }
    const hw::FamilyFit* fit = c.fit_of(family);
    if (fit == nullptr) {
      out[name] = {{"priced_by", "datasheet roofline"}};
      continue;
    }
    nlohmann::json parameters = nlohmann::json::object();
    for (const auto& [key, value] : fit->parameters) parameters[key] = value;
    const hw::FitQuality& q = fit->quality;
    out[name] = {{"priced_by", "calibration"},
                 {"calibration", c.calibration_file},
                 {"model", fit->model},
                 {"parameters", parameters},
                 {"points", q.points},
                 {"rms_relative", q.rms_relative_residual},
                 {"max_relative", q.max_abs_relative_residual},
                 {"held_out_points", q.held_out},
                 {"covers", {{"size", family == hw::KernelFamily::kMemoryBound ? "bytes" : "flops"},
                             {"min", c.covered[static_cast<std::size_t>(family)].min},
                             {"max", c.covered[static_cast<std::size_t>(family)].max}}}};
    if (q.held_out > 0) out[name]["held_out_mean_abs_relative"] = q.held_out_mean_abs_relative_error;
  }
  return out;
}

std::string op_pricing_line(const hw::CalibratedConstants& c) {
  if (c.constants.points) return fmt::format("each op by the point of its own kernel shape in {} (law: points)", c.calibration_file);
  std::string fitted;
  for (hw::KernelFamily family : families(c, true)) {
    const hw::FitQuality& q = c.fit_of(family)->quality;
    fitted += fmt::format("{}{} ({} points, {} rms{})", fitted.empty() ? "" : ", ", hw::kernel_family_name(family),
                          q.points, percent_text(q.rms_relative_residual),
                          q.held_out > 0 ? fmt::format(", {} held out", percent_text(q.held_out_mean_abs_relative_error))
                                         : "");
  }
  std::string roofline;
  for (hw::KernelFamily family : families(c, false))
    roofline += fmt::format("{}{}", roofline.empty() ? "" : ", ", hw::kernel_family_name(family));
  std::string out;
  if (!fitted.empty()) out += fmt::format("{} fitted to {}", fitted, c.calibration_file);
  if (!roofline.empty()) out += fmt::format("{}{}: datasheet roofline", out.empty() ? "" : "; ", roofline);
  return out;
}

std::string op_times_priced_by(const hw::CalibratedConstants& c) {
  if (c.constants.points) return fmt::format("measured points ({})", c.calibration_file);
  const bool some_fitted = !families(c, true).empty(), some_roofline = !families(c, false).empty();
  if (!some_fitted) return "datasheet roofline";
  return fmt::format("calibrated shape models ({}){}", c.calibration_file,
                     some_roofline ? " and the datasheet roofline" : "");
}

}  // namespace trainsim::reports
