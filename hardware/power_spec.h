// PowerSpec: what a cluster draws beside its GPU boards and what its facility adds (cluster.power). The GPUs'
// own idle and TDP are the catalog's (hardware/gpu_catalog.yaml); defaults and sources: docs/sources.md#energy.
#pragma once

namespace trainsim::hw {

// NVIDIA Quantum-2 QM9700 (64 x 400 Gb/s NDR InfiniBand, the switch DeepSeek's and DGX SuperPOD fabrics use):
// 747 W typical with passive cables, from its datasheet. Optics, where used, add to it.
inline constexpr double kQm9700TypicalPowerW = 747;
// Uptime Institute Global Data Center Survey 2023: 1.58 average annual PUE over the facilities surveyed (a
// hyperscaler's fleet runs lower: Google reports 1.10 trailing twelve months, 2023).
inline constexpr double kSurveyedAveragePue = 1.58;

struct PowerSpec {
  double gpu_idle_w = 0;        // each GPU board at idle (its TDP is gpu.power_w); the GPU catalog's default
  double node_overhead_w = 0;   // per node beside its GPUs (CPUs, memory, NICs, fans); the GPU catalog's default
  double switch_w = kQm9700TypicalPowerW;  // per scale-out switch of the cluster's topology
  double pue = kSurveyedAveragePue;        // facility energy over IT energy (cooling, power conversion)
};

}  // namespace trainsim::hw
