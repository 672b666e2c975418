// How context parallelism moves K and V (parallelism.cp_comm): all-gathered before the attention core and exposed,
// as Llama 3 ran it (arXiv 2407.21783 section 3.3.2), or passed around a ring of point-to-point sends while the core
// computes on the chunks already there, Megatron-Core's default (cp_comm_type "p2p"). Both move the same bytes.
#pragma once
#include <string_view>

namespace trainsim::models {

enum class CpComm { kAllGather, kRing };

constexpr std::string_view cp_comm_name(CpComm comm) { return comm == CpComm::kRing ? "ring" : "all-gather"; }

}  // namespace trainsim::models
