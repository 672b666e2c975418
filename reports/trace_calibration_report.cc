// Printing a calibration read off a trace (trace_calibration_report.h).
#include "reports/trace_calibration_report.h"

#include <fmt/format.h>

#include <map>

#include "reports/text_table.h"

namespace trainsim::reports {

std::string format_trace_calibration_text(const hw::TraceCalibration& t, const std::string& written_to) {
  const hw::Calibration& c = t.calibration;
  std::string out = fmt::format("\nCalibration written to {}: {} group points ({}, {} of {} SMs)\n", written_to,
                                c.points.size(), c.device.name, c.points.empty() ? 0 : c.points.front().sm_count,
                                c.device.sm_count);
  // The points summed over layer instances, by block and pass (the group's name without its layer) and family.
  std::map<std::pair<std::string, hw::KernelFamily>, std::pair<int, double>> sums;  // points, seconds
  for (const hw::MeasuredPoint& p : c.points) {
    const std::string block_pass = p.group.substr(p.group.find(' ', p.group.find(' ') + 1) + 1);  // "attn F"
    auto& [points, seconds] = sums[{block_pass, *p.family}];
    points += 1;
    seconds += p.seconds;
  }
  TextTable table({"block", "family", "points", "ms (summed)"},
                  {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight});
  for (const auto& [key, value] : sums)
    table.add_row({key.first, std::string(hw::kernel_family_name(key.second)), fmt::format("{}", value.first),
                   fmt::format("{:.3f}", value.second * 1e3)});
  out += table.render("  ");
  if (t.ungrouped.empty()) {
    out += "Kernels in no group point: none\n";
  } else {
    TextTable left({"kernel in no group point", "kernels", "ms", "why"},
                   {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kLeft});
    for (const hw::UnplacedKernel& u : t.ungrouped) {
      const std::string name = u.name.size() > 90 ? u.name.substr(0, 87) + "..." : u.name;
      left.add_row({name, fmt::format("{}", u.time.count), fmt::format("{:.3f}", u.time.seconds * 1e3), u.reason});
    }
    out += "Kernels in no group point\n" + left.render("  ");
  }
  out += "Catalog ops no trace kernel ran (block, pass, family): ";
  if (t.ops_without_kernels.empty()) return out + "none\n";
  for (size_t i = 0; i < t.ops_without_kernels.size(); ++i) out += (i ? "; " : "") + t.ops_without_kernels[i];
  return out + "\n";
}

}  // namespace trainsim::reports
