// Shared formats of a run's reports (run_text.h).
#include "reports/run_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"

namespace trainsim::reports {

std::string percent_text(double fraction) { return fmt::format("{:.1f}%", 100 * fraction); }

std::string seconds_text(double s) { return s >= 1 ? fmt::format("{:.3f} s", s) : fmt::format("{:.1f} ms", s * 1e3); }

std::string gib_text(double bytes) { return fmt::format("{:.1f} GiB", bytes / 1073741824.0); }

std::string count_text(double v) {
  if (v >= 1e12) return fmt::format("{:.2f}T", v / 1e12);
  if (v >= 1e9) return fmt::format("{:.2f}B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string bubble_definition_word(const std::string& definition) { return definition.substr(0, definition.find(':')); }

std::string comm_bound_text(const sim::StepEstimate& e, const std::string& kind) {
  const auto it = e.comm_bound_by_kind.find(kind);
  const sim::CommBound bound = it == e.comm_bound_by_kind.end() ? sim::CommBound::kNone : it->second;
  switch (bound) {
    case sim::CommBound::kNic: return "NIC-bound";
    case sim::CommBound::kNvlink: return "NVLink-bound";
    case sim::CommBound::kLatency: return "latency-bound";
    case sim::CommBound::kNone: break;
  }
  return "no traffic";
}

std::string comm_bound_sentence(const RunReport& r) {
  const sim::StepEstimate& e = r.estimate.step;
  std::string largest;
  double largest_s = 0;
  for (const auto& [kind, s] : e.exposed_comm_by_kind_s)
    if (s > largest_s) largest = kind, largest_s = s;
  if (largest.empty()) return "";
  const auto it = e.comm_bound_by_kind.find(largest);
  if (it == e.comm_bound_by_kind.end()) return "";
  const hw::ClusterSpec& c = r.scenario.cluster;
  switch (it->second) {
    case sim::CommBound::kNic:
      return fmt::format("exposed {} communication is bound by the NICs ({} each): a faster NVLink does not shorten it",
                         largest, format_quantity(c.nic_bandwidth_bytes_per_s, Dimension::kBytesPerSecond));
    case sim::CommBound::kNvlink:
      return fmt::format("exposed {} communication is bound by NVLink ({}): faster NICs do not shorten it", largest,
                         format_quantity(c.nvlink_bandwidth_bytes_per_s, Dimension::kBytesPerSecond));
    case sim::CommBound::kLatency:
      return fmt::format("exposed {} communication is bound by link latency: more bandwidth does not shorten it", largest);
    case sim::CommBound::kNone: break;
  }
  return "";
}

std::vector<PhaseRow> phase_rows(const sim::RunEstimate& run) {
  std::vector<PhaseRow> rows;
  for (size_t i = 0; i < run.phases.size();) {
    const sim::RunPhase& first = run.phases[i];
    PhaseRow row{first.phase, first.sequence_length, first.global_batch_sequences, first.global_batch_sequences};
    double wall_s = 0;
    size_t j = i;
    for (; j < run.phases.size() && run.phases[j].phase == first.phase; ++j) {
      row.steps += run.phases[j].steps;
      row.gpu_hours += run.phases[j].gpu_hours(run.gpus);
      row.energy_mwh += run.phases[j].energy_mwh;
      row.cost_usd += run.phases[j].cost_usd;
      wall_s += run.phases[j].steps * run.phases[j].step_time_s;
      row.batch_min = std::min(row.batch_min, run.phases[j].global_batch_sequences);
      row.batch_max = std::max(row.batch_max, run.phases[j].global_batch_sequences);
    }
    row.mean_step_time_s = row.steps > 0 ? wall_s / row.steps : 0;
    rows.push_back(row);
    i = j;
  }
  return rows;
}

}  // namespace trainsim::reports
