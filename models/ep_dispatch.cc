// The EP all-to-all's paths by name (see ep_dispatch.h).
#include "models/ep_dispatch.h"

namespace trainsim::models {

std::string_view ep_dispatch_name(EpDispatch dispatch) {
  return dispatch == EpDispatch::kPerExpert ? "per-expert" : "per-node";
}

std::optional<EpDispatch> ep_dispatch_from_name(std::string_view name) {
  if (name == "per-node") return EpDispatch::kPerNode;
  if (name == "per-expert") return EpDispatch::kPerExpert;
  return std::nullopt;
}

}  // namespace trainsim::models
