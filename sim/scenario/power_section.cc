// cluster.power: optional keys over the defaults of hardware/power_spec.h.
#include "sim/scenario/power_section.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "core/input_ranges.h"

namespace trainsim::sim {

void read_power(const ConfigNode& node, hw::ClusterSpec& cluster) {
  node.require_map();
  node.allow_only(std::vector<std::string>{"gpu_idle", "node_overhead", "switch_power", "pue"});
  hw::PowerSpec& p = cluster.power;
  p.gpu_idle_w = node.quantity_or("gpu_idle", ranges::kBoardPower, p.gpu_idle_w);
  p.node_overhead_w = node.quantity_or("node_overhead", ranges::kNodePower, p.node_overhead_w);
  p.switch_w = node.quantity_or("switch_power", ranges::kSwitchPower, p.switch_w);
  p.pue = node.quantity_or("pue", ranges::kPue, p.pue);
}

void check_gpu_idle(const ConfigNode& cluster_node, const hw::ClusterSpec& cluster) {
  if (cluster.power.gpu_idle_w < cluster.gpu.power_w) return;
  // A device of unknown power (the host, hardware/host_device.h: 0 W, no idle figure either) prices no energy.
  if (cluster.gpu.power_w == 0 && cluster.power.gpu_idle_w == 0) return;
  const std::optional<ConfigNode> idle =
      cluster_node.get("power") ? cluster_node.require("power").get("gpu_idle") : std::nullopt;
  const ConfigNode& where = idle ? *idle : cluster_node.require("gpu");
  where.fail(fmt::format("a GPU idle power of {:g} W is not below its TDP (power) of {:g} W", cluster.power.gpu_idle_w,
                         cluster.gpu.power_w),
             "cluster.power.gpu_idle below the GPU's power", "a GPU of another TDP needs its own gpu_idle");
}

}  // namespace trainsim::sim
