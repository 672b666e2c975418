// Read from the same embedded catalog files as gpu_catalog.cc, through the schema-checked reader.
#include "hardware/gpu_power.h"

#include <span>

#include "core/embedded_file.h"
#include "core/input_ranges.h"
#include "core/yaml_reader.h"

namespace trainsim {
std::span<const EmbeddedFile> gpu_catalog_files();  // generated
}

namespace trainsim::hw {

const std::vector<std::string>& gpu_power_field_names() {
  static const std::vector<std::string> names{"idle_power", "node_overhead_power"};
  return names;
}

GpuPowerDefaults gpu_power_defaults(const std::string& gpu_key) {
  for (const EmbeddedFile& file : gpu_catalog_files()) {
    const ConfigNode root = ConfigNode::parse(std::string(file.text), "hardware/" + std::string(file.name));
    if (const std::optional<ConfigNode> gpu = root.get(gpu_key))
      return GpuPowerDefaults{gpu->quantity_or("idle_power", ranges::kBoardPower, 0),
                              gpu->quantity_or("node_overhead_power", ranges::kNodePower, 0)};
  }
  return {};
}

}  // namespace trainsim::hw
