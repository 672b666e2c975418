// DeepEP's achieved NIC shares by kernel (see deepep_rates.h).
#include "hardware/deepep_rates.h"

namespace trainsim::hw {

double ep_nic_share(models::CommKind kind, models::EpDispatch dispatch) {
  const bool per_expert = dispatch == models::EpDispatch::kPerExpert;
  switch (kind) {
    case models::CommKind::kEpDispatch: return per_expert ? kNcclAllToAllNicShare : kDeepEpInternodeDispatchShare;
    case models::CommKind::kEpCombine: return per_expert ? kNcclAllToAllNicShare : kDeepEpInternodeCombineShare;
    default: return 1.0;
  }
}

}  // namespace trainsim::hw
