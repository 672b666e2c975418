// The scenario's `cluster.power:` section (hw::PowerSpec): `gpu_idle` (each board at idle; default the GPU
// catalog's), `node_overhead` (per node beside its GPUs; default
// the GPU catalog's), `switch_power` (per scale-out switch; default the QM9700's) and `pue` (default the
// Uptime Institute survey's average). All optional; each bad value is a located ConfigError.
#pragma once
#include "core/yaml_reader.h"
#include "hardware/cluster_spec.h"

namespace trainsim::sim {

// Reads `node` (the value of cluster.power) into cluster.power; the GPU is read first (its node overhead is
// the default).
void read_power(const ConfigNode& node, hw::ClusterSpec& cluster);
// Throws ConfigError, at cluster.power.gpu_idle or else at cluster.gpu, where the idle power is not below the
// GPU's TDP (a GPU overridden to a lower power keeps its catalog idle).
void check_gpu_idle(const ConfigNode& cluster_node, const hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
