// How an EP all-to-all moves a token between the GPUs of its group (docs/sources.md#ep-dispatch):
// - per node (DeepEP's normal kernels, DeepSeek-V3's path): once over InfiniBand to each node holding one of its
//   experts, then over NVLink to each further GPU there that holds one;
// - per expert (Megatron-Core's alltoall token dispatcher, an NCCL all-to-all): a row per (token, expert) pair,
//   straight to its expert's GPU.
#pragma once
#include <optional>
#include <string_view>

namespace trainsim::models {

enum class EpDispatch { kPerNode, kPerExpert };

std::string_view ep_dispatch_name(EpDispatch dispatch);  // "per-node", "per-expert"
std::optional<EpDispatch> ep_dispatch_from_name(std::string_view name);

}  // namespace trainsim::models
