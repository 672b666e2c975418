// Text and JSON renderings of a schedule comparison (schedule_table.h). Times print with 4 significant digits
// and their unit (time_text.h); JSON keeps full precision in seconds.
#include "reports/schedule_table.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "reports/time_text.h"

namespace trainsim::reports {
namespace {

constexpr const char* kBubbleDefinition =
    "bubble (executed): the largest per-rank idle time within the makespan when the ideal executor runs the "
    "schedule (makespan minus that rank's compute), the quantity of the published formulas; bubble_ratio = "
    "bubble / makespan";

std::string memory_text(const ScheduleTableInput& input, std::size_t row) {
  if (row >= input.memory.size() || !input.memory[row]) return "";
  const sim::MemoryEstimate& m = *input.memory[row];
  return fmt::format("  {:.1f} GiB{}", m.breakdown.total_bytes() / 1073741824.0, m.fits() ? "" : " DOES NOT FIT");
}


std::string kind_label(const sim::ScheduleComparison& row) {
  std::string label(sim::schedule_name(row.request.kind));
  if (row.request.kind == sim::ScheduleKind::kInterleaved) label += fmt::format(" v={}", row.request.virtual_stages);
  return label;
}

std::string times_line(const ScheduleTableInput& input) {
  const sim::ChunkTimes t = sim::mean_chunk_times(input.stage_times);
  return fmt::format("chunk times ({}{}): F {}, B {}, W {}, F&B {}; P2P latency {}", input.times_source,
                     input.stage_times.size() > 1 ? ", mean over stages" : "", time_text(t.forward_s),
                     time_text(t.backward_s), time_text(t.weight_backward_s), time_text(t.overlapped_s),
                     time_text(input.p2p_latency_s));
}

}  // namespace

std::string schedule_table_text(const ScheduleTableInput& input) {
  const auto& first = input.rows.front().request;
  std::string out = fmt::format("pipeline schedules for pp {} and {} micro-batches\n{}\n\n", first.pp,
                                first.microbatches, times_line(input));
  out += fmt::format("{:<16} {:>7} {:>11} {:>15} {:>7} {:>15}  {:<8} {:>6} {:>10}{}\n", "schedule", "devices",
                     "makespan", "executed bubble", "bubble%", "formula bubble", "formula", "params", "peak act.",
                     input.memory.empty() ? "" : "  memory/GPU");
  bool any_estimate = false;
  for (std::size_t i = 0; i < input.rows.size(); ++i) {
    const sim::ScheduleComparison& row = input.rows[i];
    if (!row.schedule) {
      out += fmt::format("{:<16} {:>7}   n/a: {}\n", kind_label(row), row.devices, row.unavailable);
      continue;
    }
    any_estimate = any_estimate || !row.published_is_exact;
    out += fmt::format("{:<16} {:>7} {:>11} {:>15} {:>6.1f}% {:>15}  {:<8} {:>5}x {:>10.4g}{}\n", kind_label(row),
                       row.devices, time_text(row.run.makespan_s), time_text(row.run.bubble_s),
                       100 * row.run.bubble_ratio, time_text(row.published_bubble_s),
                       row.published_is_exact ? "exact" : "estimate", row.run.parameter_copies,
                       row.run.max_peak_activations(), memory_text(input, i));
  }
  out += fmt::format("\n{}.\n", kBubbleDefinition);
  out += "formula bubble: the published closed form of the DualPipe README (interleaved: (pp-1)(F+B)/v)";
  out += any_estimate ? "; 'estimate' where its exact conditions (F = B-W = W for ZB1P and DualPipe, uniform "
                        "stages, no P2P latency) do not hold.\n"
                      : ".\n";
  out += "peak act.: activations in flight on the busiest device, in chunks of one stage for one micro-batch.\n";
  if (!input.memory.empty())
    out += "memory/GPU: the scenario's peak per GPU under each schedule (run's memory model); DOES NOT FIT: over the "
           "GPU's memory, not a layout to train with. The chunk times are priced for the scenario's own schedule.\n";
  return out;
}

std::string schedule_table_json(const ScheduleTableInput& input, bool with_order) {
  const auto& first = input.rows.front().request;
  const sim::ChunkTimes t = sim::mean_chunk_times(input.stage_times);
  nlohmann::ordered_json out;
  out["pp"] = first.pp;
  out["microbatches"] = first.microbatches;
  out["chunk_times"] = {{"source", input.times_source},
                        {"stages", input.stage_times.size()},
                        {"forward_s", t.forward_s},
                        {"backward_s", t.backward_s},
                        {"weight_backward_s", t.weight_backward_s},
                        {"overlapped_s", t.overlapped_s}};
  nlohmann::ordered_json per_stage = nlohmann::ordered_json::array();
  for (const sim::ChunkTimes& c : input.stage_times)
    per_stage.push_back({{"F", c.forward_s}, {"B", c.backward_s}, {"W", c.weight_backward_s}, {"F&B", c.overlapped_s}});
  out["chunk_times"]["per_stage_s"] = per_stage;
  out["p2p_latency_s"] = input.p2p_latency_s;
  out["bubble_definition"] = kBubbleDefinition;
  out["schedules"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < input.rows.size(); ++i) {
    const sim::ScheduleComparison& row = input.rows[i];
    nlohmann::ordered_json s;
    s["kind"] = sim::schedule_name(row.request.kind);
    s["pp"] = row.request.pp;
    s["microbatches"] = row.request.microbatches;
    if (row.request.kind == sim::ScheduleKind::kInterleaved) s["virtual_stages"] = row.request.virtual_stages;
    s["devices"] = row.devices;
    s["available"] = row.schedule.has_value();
    if (!row.schedule) {
      s["reason"] = row.unavailable;
      out["schedules"].push_back(s);
      continue;
    }
    s["makespan"] = row.run.makespan_s;
    s["bubble"] = row.run.bubble_s;
    s["bubble_ratio"] = row.run.bubble_ratio;
    s["peak_activations"] = row.run.max_peak_activations();
    s["parameter_copies"] = row.run.parameter_copies;
    s["published_bubble"] = row.published_bubble_s;
    s["published_bubble_exact"] = row.published_is_exact;
    if (i < input.memory.size() && input.memory[i]) {
      s["memory_bytes_per_gpu"] = input.memory[i]->breakdown.total_bytes();
      s["memory_capacity_bytes"] = input.memory[i]->capacity_bytes;
      s["fits_in_memory"] = input.memory[i]->fits();
    }
    if (with_order) {
      nlohmann::ordered_json order = nlohmann::ordered_json::array();
      for (int r = 0; r < row.schedule->ranks(); ++r) {
        nlohmann::ordered_json ops = nlohmann::ordered_json::array();
        for (const auto& op : row.schedule->ops(r)) ops.push_back(sim::format_op(op, row.schedule->lanes()));
        order.push_back(ops);
      }
      s["order"] = order;
    }
    out["schedules"].push_back(s);
  }
  return out.dump(2) + "\n";
}

}  // namespace trainsim::reports
