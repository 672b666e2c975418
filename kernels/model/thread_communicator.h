// Ranks as threads of one process (communicator.h): the CPU's stand-in for a group of GPUs, so the multi-device
// model runs, and is held to the single-device one, in CI. Each ordered pair of ranks has two mailboxes (one for
// the collectives, one for point-to-point messages), so a stage's sends never meet an all-to-all's. Sends are
// buffered: a send returns before its receive (NCCL's wait for theirs: nccl_communicator.h). Sums run in
// rank order, so every rank gets the same bits and a run repeats bit for bit.
#pragma once
#include <functional>

#include "kernels/model/communicator.h"

namespace trainsim::kernels::model {

// Runs rank_main on `ranks` threads, each with its rank's communicator, and returns when all have. If a rank
// throws, the ranks waiting on a message throw too (instead of waiting for ever) and the first exception is
// rethrown here.
void run_ranks_on_threads(int ranks, const std::function<void(Communicator&)>& rank_main);

}  // namespace trainsim::kernels::model
