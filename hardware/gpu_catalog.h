// The GPU catalog (hardware/gpu_catalog.yaml, compiled in) and the reading of GPU fields, shared by the
// catalog and a scenario's per-field overrides.
#pragma once
#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "hardware/gpu_spec.h"

namespace trainsim::hw {

std::vector<GpuSpec> gpu_catalog();  // in catalog order: h800, h100, h200, a100, b200
std::vector<std::string> gpu_keys();
// The catalog GPU `key` names, or the host (`host`: this machine, hardware/host_device.h). Throws ConfigError at
// `where` with a did-you-mean hint for an unknown key.
GpuSpec find_gpu(const std::string& key, const SourceLocation& where = {});

// Sets every GPU field present in `node` (a mapping); unknown keys are errors. `extra_keys` are keys the
// caller reads itself (such as "type" in a scenario).
void read_gpu_fields(const ConfigNode& node, GpuSpec& spec, const std::vector<std::string>& extra_keys = {});
const std::vector<std::string>& gpu_field_names();

}  // namespace trainsim::hw
