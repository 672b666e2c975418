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

}  // namespace trainsim::hw
