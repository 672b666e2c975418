// PortFlows: a few flows that load every port as a traffic matrix does. Among n GPUs on a non-blocking
// fabric (a node's NVSwitch, one plane of the multi-plane fat tree), an all-to-all lasts as long as its
// busiest port takes to move its bytes out or in, and each GPU's next op waits for its own sends and
// receives; what the bandwidth result needs is therefore each port's totals, the matrix's row and column sums,
// not its n(n-1) pairs. A basic solution of the transportation problem from the row sums to the column sums
// carries them in at most 2n - 1 flows where the pairs would take n(n-1) (56 in a node, 56 in a plane of
// EP 64), and balanced routing's ring (each GPU's whole share to the next) comes out as the special case.
// What it costs: when each GPU's own flows end depends on how its totals are split, so the step moves a little
// with the split. Against the pairs themselves (the default step at 32 micro-batches, skewed routing, gpu
// fidelity, 2026-12-03): pairs 6.278 s with 0.468 s of straggler in 745 s of wall time; the fewest-flow
// corners taken here 6.339 s (+1.0%) and 0.530 s in 27 s; the first corner that works 6.228 s (-0.8%) and
// 0.419 s. The one taken errs long, not short.
#pragma once
#include <optional>
#include <vector>

namespace trainsim::sim {

struct PortFlow {
  int from = 0, to = 0;  // indexes into the GPUs of the problem
  double bytes = 0;
};

// Flows whose bytes out of GPU i add up to out[i] and into GPU j to in[j], none from a GPU to itself, one per
// pair at most: the north-west corner rule over the senders in order and the receivers in ring order from GPU
// `offset` (so the balanced case gives i -> i + 1 with its whole row at offset 1), and what it would have a GPU
// send itself exchanged through another flow a -> b as a -> i and i -> b (two more flows each). Of the offsets
// 1 .. n - 1 the corner with the fewest flows is kept, the first with at most 2n - 1 (one that meets no GPU on
// the diagonal has no more) ending the search; where one offset's exchanges run dry the others still serve.
// `out` and `in` have equal sums (to rounding) and come from a matrix with no diagonal; nullopt where every
// offset runs dry (none of the tests' thousands of skewed matrices does; the caller then sends the pairs).
std::optional<std::vector<PortFlow>> port_flows(const std::vector<double>& out, const std::vector<double>& in);

}  // namespace trainsim::sim
