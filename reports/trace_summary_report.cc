// Text and JSON of a trace summary (trace_summary_report.h). Times in ms, as profilers show them.
#include "reports/trace_summary_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "reports/text_table.h"

namespace trainsim::reports {
namespace {

using hw::TracePass;
using Passes = std::map<TracePass, hw::KernelTime>;
constexpr TracePass kPasses[] = {TracePass::kForward, TracePass::kBackward};

std::string ms_cell(const Passes& p, TracePass pass) {
  auto it = p.find(pass);
  return it == p.end() ? "-" : fmt::format("{:.2f}", it->second.seconds * 1e3);
}
std::string count_cell(const Passes& p, TracePass pass) {
  auto it = p.find(pass);
  return it == p.end() ? "-" : fmt::format("{}", it->second.count);
}

// The three kinds with the most time in one block and pass: "expert_gemm 11.59, quantize 1.5, ...".
std::string largest_kinds(const hw::TraceSummary& s, const std::string& block, TracePass pass) {
  auto it = s.kinds_by_block.find({block, pass});
  if (it == s.kinds_by_block.end()) return "";
  std::vector<std::pair<double, std::string>> kinds;
  for (const auto& [kind, t] : it->second) kinds.emplace_back(t.seconds, kind);
  std::sort(kinds.rbegin(), kinds.rend());
  std::string out;
  for (size_t i = 0; i < kinds.size() && i < 3; ++i)
    out += fmt::format("{}{} {:.2f}", i ? ", " : "", kinds[i].second, kinds[i].first * 1e3);
  return out;
}

std::string pass_table(const std::map<std::string, Passes>& rows, const std::string& first_header,
                       const hw::TraceSummary* with_kinds) {
  using A = TextTable::Align;
  std::vector<std::string> headers{first_header, "F ms", "F kernels", "B+W ms", "B+W kernels"};
  std::vector<A> aligns{A::kLeft, A::kRight, A::kRight, A::kRight, A::kRight};
  if (with_kinds) {
    headers.insert(headers.end(), {"largest kinds F", "largest kinds B+W"});
    aligns.insert(aligns.end(), {A::kLeft, A::kLeft});
  }
  TextTable table(headers, aligns);
  for (const auto& [name, passes] : rows) {
    std::vector<std::string> row{name, ms_cell(passes, TracePass::kForward), count_cell(passes, TracePass::kForward),
                                 ms_cell(passes, TracePass::kBackward), count_cell(passes, TracePass::kBackward)};
    if (with_kinds) {
      row.push_back(largest_kinds(*with_kinds, name, TracePass::kForward));
      row.push_back(largest_kinds(*with_kinds, name, TracePass::kBackward));
    }
    table.add_row(std::move(row));
  }
  return table.render("  ");
}

nlohmann::json passes_json(const Passes& p) {
  nlohmann::json out = nlohmann::json::object();
  for (TracePass pass : kPasses)
    if (auto it = p.find(pass); it != p.end())
      out[std::string(hw::trace_pass_name(pass))] = {{"seconds", it->second.seconds}, {"kernels", it->second.count}};
  return out;
}

}  // namespace

std::string format_trace_summary_text(const hw::TraceSummary& s) {
  std::string out = fmt::format(
      "trainsim calibrate: {}\n  device {}; {} GPU activities, {:.2f} ms of kernel time over {:.2f} ms of wall time "
      "(overlapping streams each count in full)\n  F: forward; B+W: backward for inputs and weights. With "
      "--scenario S -o FILE these kernels are written as a calibration file.\n\nKernel time by op kind\n{}\n",
      s.source, s.device.empty() ? "not recorded" : s.device, s.kernel_count, s.kernel_seconds * 1e3,
      s.wall_seconds * 1e3, pass_table(s.by_kind, "kind", nullptr));
  out += fmt::format("Kernel time by block (the innermost user annotation around the launch, pass marker removed)\n{}\n",
                     pass_table(s.by_block, "block", &s));
  if (s.unplaced.empty()) return out + "Unplaced kernels: none\n";
  TextTable table({"unplaced kernel", "kernels", "ms", "why"},
                  {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kLeft});
  for (const hw::UnplacedKernel& u : s.unplaced) {
    const std::string name = u.name.size() > 90 ? u.name.substr(0, 87) + "..." : u.name;
    table.add_row({name, fmt::format("{}", u.time.count), fmt::format("{:.3f}", u.time.seconds * 1e3), u.reason});
  }
  return out + "Unplaced kernels\n" + table.render("  ");
}

std::string format_trace_summary_json(const hw::TraceSummary& s) {
  nlohmann::json out;
  out["source"] = s.source;
  out["device"] = s.device;
  out["kernels"] = s.kernel_count;
  out["kernel_seconds"] = s.kernel_seconds;
  out["wall_seconds"] = s.wall_seconds;
  out["by_kind"] = nlohmann::json::object();
  for (const auto& [kind, passes] : s.by_kind) out["by_kind"][kind] = passes_json(passes);
  out["by_block"] = nlohmann::json::object();
  for (const auto& [block, passes] : s.by_block) {
    nlohmann::json b = passes_json(passes);
    for (TracePass pass : kPasses) {
      auto it = s.kinds_by_block.find({block, pass});
      if (it == s.kinds_by_block.end()) continue;
      nlohmann::json& kinds = b[std::string(hw::trace_pass_name(pass))]["kinds"];
      for (const auto& [kind, t] : it->second) kinds[kind] = {{"seconds", t.seconds}, {"kernels", t.count}};
    }
    out["by_block"][block] = std::move(b);
  }
  out["unplaced"] = nlohmann::json::array();
  for (const hw::UnplacedKernel& u : s.unplaced)
    out["unplaced"].push_back({{"name", u.name}, {"reason", u.reason}, {"kernels", u.time.count},
                               {"seconds", u.time.seconds}});
  return out.dump(2) + "\n";
}

}  // namespace trainsim::reports
