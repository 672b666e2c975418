// A GPU type's power figures beside its TDP (GpuSpec::power_w), from the catalog (hardware/gpu_catalog.yaml):
// the board at idle and what its vendor's 8-GPU node draws besides its GPUs. Sources: docs/sources.md#energy.
#pragma once
#include <string>
#include <vector>

namespace trainsim::hw {

struct GpuPowerDefaults {
  double idle_w = 0;           // `idle_power`: an assumption, about a tenth of TDP
  double node_overhead_w = 0;  // `node_overhead_power`: the DGX system's maximum less its GPUs' TDP
};

// The catalog keys these come from, which the catalog reader accepts beside the GpuSpec fields.
const std::vector<std::string>& gpu_power_field_names();

// The figures of catalog GPU `gpu_key`; 0 for one the catalog gives none for (or an unknown key).
GpuPowerDefaults gpu_power_defaults(const std::string& gpu_key);

}  // namespace trainsim::hw
