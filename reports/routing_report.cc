// Text, JSON and SVG of a routing study (sim/cost/routing_study.h).
#include "reports/routing_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/units.h"
#include "reports/routing_charts.h"
#include "reports/text_table.h"

namespace trainsim::reports {
namespace {

std::string bytes_text(double b) { return format_quantity(b, Dimension::kBytes); }

const sim::RoutingVariant& variant_named(const sim::RoutingStudy& study, const std::string& name) {
  for (const sim::RoutingVariant& v : study.variants)
    if (v.name == name) return v;
  throw Error(fmt::format("no routing variant named '{}'", name));
}

std::string router_line(const models::RouterSpec& r) {
  if (r.source == models::RoutingSource::kReplay) return fmt::format("replayed from {}", r.replay_file);
  return fmt::format("synthetic: Zipf exponent {}, token noise {}, layer correlation {}, pool {} tokens; balancing {} "
                     "(gamma {}); placement {}{}",
                     r.zipf_exponent, r.token_noise, r.layer_correlation, r.pool_tokens,
                     r.balancing == models::BiasBalancing::kNone ? "none" : "aux-loss-free", r.bias_update_speed,
                     models::placement_policy_name(r.placement),
                     r.redundant_experts > 0 ? fmt::format(" with {} redundant experts", r.redundant_experts) : "");
}

}  // namespace

std::string format_routing_summary(const sim::Scenario& scenario, const sim::RoutingStudy& study) {
  std::string out = fmt::format("trainsim routing: {}\n\n", scenario.source);
  out += fmt::format("  group     EP {} over {} nodes of {}; {} MoE layers; {} tokens per rank per micro-batch\n",
                     study.ep, study.ep / study.gpus_per_node, study.gpus_per_node, study.layers.size(),
                     scenario.layout.micro_batch_size * scenario.job.sequence_length);
  out += fmt::format("  router    {}\n\n", router_line(scenario.routing));
  if (!study.with_bias.empty()) {
    out += fmt::format("MaxVio of layer {} per step (one EP micro-batch a step)\n", study.trace_layer);
    TextTable trace({"step", "bias balancing", "none"}, {TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight});
    const size_t n = study.with_bias.size();
    const size_t stride = std::max<size_t>(1, n / 10);
    for (size_t i = 0; i < n; i += stride)
      trace.add_row({fmt::format("{}", study.with_bias[i].step), fmt::format("{:.3f}", study.with_bias[i].max_vio_batch),
                     fmt::format("{:.3f}", study.without_bias[i].max_vio_batch)});
    if ((n - 1) % stride != 0)
      trace.add_row({fmt::format("{}", study.with_bias[n - 1].step), fmt::format("{:.3f}", study.with_bias[n - 1].max_vio_batch),
                     fmt::format("{:.3f}", study.without_bias[n - 1].max_vio_batch)});
    out += trace.render("  ") + "\n";
  }
  out += "Routing variants, per micro-batch over the MoE layers (rank MaxVio: busiest EP rank's rows / mean - 1)\n";
  TextTable table({"variant", "rank MaxVio worst", "mean", "nodes/token", "max", "busiest GPU receives", "mean GPU", "step time",
                   "stragglers"},
                  {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
                   TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
                   TextTable::Align::kRight});
  const double balanced_step = study.variants.front().step_time_s;
  for (const sim::RoutingVariant& v : study.variants) {
    std::string step = "-";
    if (v.step_time_s > 0)
      step = balanced_step > 0 && &v != &study.variants.front()
                 ? fmt::format("{:.3f} s ({:+.1f}%)", v.step_time_s, 100 * (v.step_time_s / balanced_step - 1))
                 : fmt::format("{:.3f} s", v.step_time_s);
    table.add_row({v.name, fmt::format("{:.3f}", v.max_vio), fmt::format("{:.3f}", v.mean_vio),
                   v.mean_nodes_per_token > 0 ? fmt::format("{:.2f}", v.mean_nodes_per_token) : "-",
                   v.max_nodes_per_token > 0 ? fmt::format("{}", v.max_nodes_per_token) : "-",
                   bytes_text(v.max_received_bytes), bytes_text(v.mean_received_bytes), step,
                   v.straggler_s > 0 ? fmt::format("{:.3f} s", v.straggler_s) : "-"});
  }
  out += table.render("  ") + "\nNotes\n";
  for (const std::string& note : study.notes) out += "  - " + note + "\n";
  return out;
}

std::string format_routing_json(const sim::Scenario& scenario, const sim::RoutingStudy& study) {
  using nlohmann::json;
  json out;
  out["scenario"] = scenario.source;
  out["ep"] = study.ep;
  out["gpus_per_node"] = study.gpus_per_node;
  out["moe_layers"] = study.layers;
  out["trace_layer"] = study.trace_layer;
  auto trace = [](const std::vector<models::BalancingPoint>& points) {
    json a = json::array();
    for (const models::BalancingPoint& p : points)
      a.push_back({{"step", p.step}, {"max_vio_batch", p.max_vio_batch}, {"max_vio_step", p.max_vio_step}});
    return a;
  };
  out["trace"] = {{"bias_balancing", trace(study.with_bias)}, {"none", trace(study.without_bias)}};
  json variants = json::array();
  for (const sim::RoutingVariant& v : study.variants)
    variants.push_back({{"name", v.name},
                        {"rank_max_vio", v.max_vio},
                        {"rank_mean_vio", v.mean_vio},
                        {"mean_nodes_per_token", v.mean_nodes_per_token},
                        {"max_nodes_per_token", v.max_nodes_per_token},
                        {"max_received_bytes", v.max_received_bytes},
                        {"mean_received_bytes", v.mean_received_bytes},
                        {"step_time_s", v.step_time_s},
                        {"straggler_s", v.straggler_s},
                        {"rows_per_rank", v.rows}});
  out["variants"] = variants;
  out["notes"] = study.notes;
  return out.dump(2) + "\n";
}

std::string routing_maxvio_svg(const sim::Scenario& scenario, const sim::RoutingStudy& study) {
  MaxVioChart chart;
  chart.title = fmt::format("{}: MaxVio of MoE layer {} per step", scenario.job.model.name, study.trace_layer);
  auto series = [](const std::string& name, const std::vector<models::BalancingPoint>& points) {
    ChartSeries s{name, {}, {}};
    for (const models::BalancingPoint& p : points) {
      s.x.push_back(static_cast<double>(p.step));
      s.y.push_back(p.max_vio_batch);
    }
    return s;
  };
  chart.series = {series("bias balancing", study.with_bias), series("none", study.without_bias)};
  return maxvio_chart_svg(chart);
}

std::string routing_heatmap_svg(const sim::Scenario& scenario, const sim::RoutingStudy& study, const std::string& variant) {
  const sim::RoutingVariant& v = variant_named(study, variant);
  GpuLoadMap map;
  map.title = fmt::format("{}: routed rows per GPU, {} (EP {})", scenario.job.model.name, variant, study.ep);
  for (int layer : study.layers) map.layer_names.push_back(fmt::format("layer {}", layer));
  map.loads = v.rows;
  map.gpus_per_node = study.gpus_per_node;
  return gpu_load_heatmap_svg(map);
}

}  // namespace trainsim::reports
