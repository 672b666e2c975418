// Catalog listings. Model figures come from models/model_size.h, GPU figures from the catalog as loaded.
#include "reports/catalog_tables.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/units.h"
#include "hardware/gpu_catalog.h"
#include "models/model_presets.h"
#include "models/model_size.h"
#include "reports/text_table.h"

namespace trainsim::reports {
namespace {

std::string billions(double v) { return fmt::format("{:.1f}B", v / 1e9); }

std::string architecture(const models::ModelConfig& m) {
  std::string attention = m.attention == models::AttentionKind::kMultiHeadLatent ? "MLA"
                          : m.num_kv_heads == m.num_heads                        ? "MHA"
                                                                                 : fmt::format("GQA/{}", m.num_kv_heads);
  if (!m.is_moe()) return "dense, " + attention;
  return fmt::format("MoE {}+{}sh top-{}, {}", m.moe.routed_experts, m.moe.shared_experts, m.moe.experts_per_token, attention);
}

}  // namespace

std::string format_model_table(int sequence_length) {
  using A = TextTable::Align;
  TextTable table({"preset", "architecture", "layers", "hidden", "params", "active", "GFLOP/token", "KV B/token"},
                  {A::kLeft, A::kLeft, A::kRight, A::kRight, A::kRight, A::kRight, A::kRight, A::kRight});
  for (const std::string& name : models::preset_names()) {
    const models::ModelConfig m = models::load_preset(name);
    const models::ParameterCounts c = models::count_parameters(m);
    table.add_row({name, architecture(m), std::to_string(m.num_layers), std::to_string(m.hidden_size), billions(c.total),
                   billions(c.active), fmt::format("{:.1f}", models::train_flops_per_token(m, sequence_length) / 1e9),
                   fmt::format("{:.0f}", m.kv_cache_bytes_per_token())});
  }
  return table.render() + fmt::format("\nGFLOP/token: training (forward + backward) per token at sequence length {}, "
                                      "attention counted causally, MTP excluded.\n", sequence_length);
}

std::string format_model_json(int sequence_length) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& name : models::preset_names()) {
    const models::ModelConfig m = models::load_preset(name);
    const models::ParameterCounts c = models::count_parameters(m);
    out.push_back({{"name", name},
                   {"layers", m.num_layers},
                   {"hidden_size", m.hidden_size},
                   {"moe", m.is_moe()},
                   {"params_total", c.total},
                   {"params_active", c.active},
                   {"params_mtp", c.mtp},
                   {"train_flops_per_token", models::train_flops_per_token(m, sequence_length)},
                   {"kv_cache_bytes_per_token", m.kv_cache_bytes_per_token()}});
  }
  return out.dump(2) + "\n";
}

std::string format_gpu_table() {
  using A = TextTable::Align;
  TextTable table({"gpu", "name", "FP8", "BF16", "HBM", "HBM bw", "SMs", "NVLink/dir", "NIC", "power", "price"},
                  {A::kLeft, A::kLeft, A::kRight, A::kRight, A::kRight, A::kRight, A::kRight, A::kRight, A::kRight,
                   A::kRight, A::kRight});
  std::string sources;
  for (const hw::GpuSpec& g : hw::gpu_catalog()) {
    table.add_row({g.key, g.name,
                   g.fp8_peak_flops_per_s > 0 ? format_quantity(g.fp8_peak_flops_per_s, Dimension::kFlopsPerSecond) : "-",
                   format_quantity(g.bf16_peak_flops_per_s, Dimension::kFlopsPerSecond),
                   format_quantity(g.hbm_capacity_bytes, Dimension::kBytes),
                   format_quantity(g.hbm_bandwidth_bytes_per_s, Dimension::kBytesPerSecond), std::to_string(g.sm_count),
                   format_quantity(g.nvlink_bandwidth_bytes_per_s, Dimension::kBytesPerSecond),
                   format_quantity(g.nic_bandwidth_bytes_per_s, Dimension::kBytesPerSecond),
                   format_quantity(g.power_w, Dimension::kWatts),
                   format_quantity(g.price_usd_per_s, Dimension::kUsdPerHour)});
    sources += fmt::format("  {}: {}\n", g.key, g.source);
  }
  return table.render() + "\nDense peaks (no sparsity). Sources:\n" + sources;
}

std::string format_gpu_json() {
  nlohmann::json out = nlohmann::json::array();
  for (const hw::GpuSpec& g : hw::gpu_catalog())
    out.push_back({{"key", g.key},
                   {"name", g.name},
                   {"source", g.source},
                   {"fp8_peak_flops_per_s", g.fp8_peak_flops_per_s},
                   {"bf16_peak_flops_per_s", g.bf16_peak_flops_per_s},
                   {"tf32_peak_flops_per_s", g.tf32_peak_flops_per_s},
                   {"fp32_peak_flops_per_s", g.fp32_peak_flops_per_s},
                   {"hbm_capacity_bytes", g.hbm_capacity_bytes},
                   {"hbm_bandwidth_bytes_per_s", g.hbm_bandwidth_bytes_per_s},
                   {"sm_count", g.sm_count},
                   {"nvlink_bandwidth_bytes_per_s", g.nvlink_bandwidth_bytes_per_s},
                   {"nic_bandwidth_bytes_per_s", g.nic_bandwidth_bytes_per_s},
                   {"power_w", g.power_w},
                   {"price_usd_per_hour", g.price_usd_per_s * 3600}});
  return out.dump(2) + "\n";
}

}  // namespace trainsim::reports
