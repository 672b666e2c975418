// Ranks as GPUs of this machine, talking through NCCL (communicator.h): the GPU's implementation of what
// thread_communicator.h does on the CPU, so code written against Communicator and held to the single-device model
// on threads in CI runs on GPUs unchanged. One process, a thread per GPU (ncclCommInitAll), as run_ranks_on_threads
// has a thread per rank; a multi-node run would create its communicators from an ncclUniqueId instead, behind the
// same interface. The host FP64 arrays are copied to the device, sent as FP64 (ncclFloat64) and copied back.
//
// NCCL's sends complete when their peer receives them (a rendezvous): code that the in-process ranks run with
// SendCompletion::kRendezvous (thread_communicator.h) does not hang here; the pipeline step posts its stages' messages
// in rounds, receives ahead of need, for that reason (message_rounds.h).
#pragma once
#include <functional>

#include "kernels/model/communicator.h"

namespace trainsim::kernels::model {

// Runs rank_main on GPUs 0 .. ranks - 1, a thread each with its device current and its rank's communicator. If a
// rank throws, the group's communicators are aborted (so the others stop waiting) and the first error is rethrown.
// Throws if fewer GPUs are visible.
void run_ranks_on_gpus(int ranks, const std::function<void(Communicator&)>& rank_main);

}  // namespace trainsim::kernels::model
