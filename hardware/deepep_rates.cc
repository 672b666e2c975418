// DeepEP's achieved NIC shares by kernel (see deepep_rates.h).
#include "hardware/deepep_rates.h"

namespace trainsim::hw {

double deepep_nic_share(models::CommKind kind) {
  switch (kind) {
    case models::CommKind::kEpDispatch: return kDeepEpInternodeDispatchShare;
    case models::CommKind::kEpCombine: return kDeepEpInternodeCombineShare;
    default: return 1.0;
  }
}

double ep_nic_share(models::CommKind kind, models::EpDispatch dispatch) {
  const bool all_to_all = kind == models::CommKind::kEpDispatch || kind == models::CommKind::kEpCombine;
  if (all_to_all && dispatch == models::EpDispatch::kPerExpert) return kNcclAllToAllNicShare;
  return deepep_nic_share(kind);
}

}  // namespace trainsim::hw
