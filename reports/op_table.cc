#include "reports/op_table.h"

#include <fmt/format.h>

#include "core/units.h"
#include "models/compute_kind.h"
#include "reports/text_table.h"
#include "reports/time_text.h"
#include "sim/step/layer_timing.h"

namespace trainsim::reports {
namespace {

struct LayerKindCount {
  models::LayerKind kind;
  int count;
};

// The layer kinds of the model and how many of each one step runs (one pipeline replica, all stages).
std::vector<LayerKindCount> layer_kinds(const models::ModelConfig& model) {
  const int moe_layers = model.moe_layer_count();
  std::vector<LayerKindCount> kinds;
  if (model.num_layers > moe_layers) kinds.push_back({models::LayerKind::kDense, model.num_layers - moe_layers});
  if (moe_layers > 0) kinds.push_back({models::LayerKind::kMoe, moe_layers});
  kinds.push_back({models::LayerKind::kEmbedding, 1});
  kinds.push_back({models::LayerKind::kOutputHead, 1});
  if (model.mtp_depth > 0) kinds.push_back({models::LayerKind::kMtp, model.mtp_depth});
  return kinds;
}

double op_seconds(const models::Op& op, const sim::PricedScenario& priced) {
  return op.is_communication() ? sim::communication_seconds(op, priced.scenario.cluster)
                               : priced.full_sms_model.seconds(op);
}

std::string priced_by(const models::Op& op, const sim::PricedScenario& priced) {
  if (op.is_communication()) return "link bandwidth + latency";
  return std::string(hw::op_pricing_name(priced.full_sms_model.pricing(op)));
}

std::string pass_label(const models::Op& op) {
  std::string pass(models::pass_name(op.pass));
  return op.recomputed ? pass + " (recompute)" : pass;
}

// What the op achieved at its priced time: FLOP/s for ops of more than 10 FLOPs a byte (GEMMs and attention; a
// display threshold, not a model constant), bytes per second of HBM (or of the link) otherwise.
std::string achieved_rate(const models::Op& op, double seconds) {
  if (seconds <= 0) return "";
  if (op.is_communication())
    return format_quantity((op.intra_node_bytes + op.inter_node_bytes) / seconds, Dimension::kBytesPerSecond);
  if (op.flops > 0 && op.flops / std::max(op.hbm_bytes, 1.0) > 10)
    return format_quantity(op.flops / seconds, Dimension::kFlopsPerSecond);
  return format_quantity(op.hbm_bytes / seconds, Dimension::kBytesPerSecond);
}

std::string bytes_text(double bytes) { return bytes > 0 ? format_quantity(bytes, Dimension::kBytes) : ""; }

// FLOPs have no unit of their own in core/units.h (only FLOP/s): SI prefixes, 3 significant digits.
std::string flops_text(double flops) {
  if (flops <= 0) return "";
  for (auto [factor, prefix] : {std::pair{1e12, "T"}, std::pair{1e9, "G"}, std::pair{1e6, "M"}, std::pair{1e3, "k"}})
    if (flops >= factor) return fmt::format("{:.3g} {}FLOP", flops / factor, prefix);
  return fmt::format("{:.3g} FLOP", flops);
}

std::string kind_label(const models::Op& op) {
  return op.is_communication() ? fmt::format("{} comm", models::comm_kind_name(op.comm))
                               : std::string(models::compute_kind_name(models::compute_kind_of(op)));
}

}  // namespace

std::string format_op_table(const sim::PricedScenario& priced) {
  const models::ModelConfig& model = priced.scenario.job.model;
  std::string out = fmt::format(
      "Ops of one micro-batch on one GPU of {} ({}), at all {} SMs; communication on the cluster's links.\n",
      model.name, priced.scenario.cluster.gpu.name, priced.full_sms_model.compute_sms());
  using Align = TextTable::Align;
  for (const LayerKindCount& layer : layer_kinds(model)) {
    const sim::PricedLayer& priced_layer = priced.at_full_sms.of(layer.kind);
    TextTable table({"op", "pass", "kind", "dtype", "FLOPs", "bytes", "time", "rate", "priced by"},
                    {Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
                     Align::kRight, Align::kLeft});
    for (const models::Op& op : priced_layer.ops.ops) {
      const double seconds = op_seconds(op, priced);
      const double bytes = op.is_communication() ? op.intra_node_bytes + op.inter_node_bytes : op.hbm_bytes;
      table.add_row({op.name, pass_label(op), kind_label(op), std::string(models::dtype_name(op.dtype)),
                     flops_text(op.flops), bytes_text(bytes), time_text(seconds), achieved_rate(op, seconds),
                     priced_by(op, priced)});
    }
    const sim::LayerTiming& timing = priced_layer.timing;
    out += fmt::format("\n{} layer (x{} in the model):\n", models::layer_kind_name(layer.kind), layer.count);
    out += table.render("  ");
    out += fmt::format("  compute: F {}, B {}, W {}; TP comm F {}, B {}; EP comm F {}, B {}\n", time_text(timing.forward_s),
                       time_text(timing.backward_input_s), time_text(timing.weight_backward_s),
                       time_text(timing.tp_forward_s), time_text(timing.tp_backward_s), time_text(timing.ep_forward_s),
                       time_text(timing.ep_backward_s));
  }
  return out;
}

nlohmann::json op_table_json(const sim::PricedScenario& priced) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerKindCount& layer : layer_kinds(priced.scenario.job.model)) {
    const sim::PricedLayer& priced_layer = priced.at_full_sms.of(layer.kind);
    nlohmann::json ops = nlohmann::json::array();
    for (const models::Op& op : priced_layer.ops.ops) {
      ops.push_back({{"name", op.name},
                     {"pass", models::pass_name(op.pass)},
                     {"recomputed", op.recomputed},
                     {"kind", kind_label(op)},
                     {"dtype", models::dtype_name(op.dtype)},
                     {"flops", op.flops},
                     {"hbm_bytes", op.hbm_bytes},
                     {"intra_node_bytes", op.intra_node_bytes},
                     {"inter_node_bytes", op.inter_node_bytes},
                     {"time_s", op_seconds(op, priced)},
                     {"priced_by", priced_by(op, priced)}});
    }
    layers.push_back({{"kind", models::layer_kind_name(layer.kind)},
                      {"count", layer.count},
                      {"compute_s", priced_layer.timing.compute_s()},
                      {"ops", std::move(ops)}});
  }
  return {{"layers", std::move(layers)}};
}

}  // namespace trainsim::reports
