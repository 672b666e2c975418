// Ranks as threads of one process (communicator.h): the CPU's stand-in for a group of GPUs, so the multi-device
// model runs, and is held to the single-device one, in CI. Each ordered pair of ranks of a group has two mailboxes
// (one for the collectives, one for point-to-point messages), so a stage's sends never meet an all-to-all's; sums
// run in rank order, so every rank gets the same bits and a run repeats bit for bit.
#pragma once
#include <functional>

#include "kernels/model/communicator.h"

namespace trainsim::kernels::model {

// When a point-to-point send completes: at once (buffered), or when its peer has received it (rendezvous, as NCCL's
// sends do: code that runs in this mode runs on GPUs without hanging, which is what it is for).
enum class SendCompletion { kBuffered, kRendezvous };

// Runs rank_main on `ranks` threads, each with its rank's communicator, and returns when all have. If a rank throws,
// the ranks waiting on a message throw too (instead of waiting for ever) and the first rank's own error is rethrown
// here. A deadlock (every rank still running waits for something no rank will do) throws std::runtime_error naming
// it, in either mode.
void run_ranks_on_threads(int ranks, const std::function<void(Communicator&)>& rank_main,
                          SendCompletion sends = SendCompletion::kBuffered);

}  // namespace trainsim::kernels::model
