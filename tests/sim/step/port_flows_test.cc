// Port flows: the row and column sums of a matrix with no diagonal carried by a few flows (conservation on
// every port, by law), balanced routing's ring as its special case, and three cases worked by hand.
#include "sim/step/port_flows.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace trainsim::sim {
namespace {

// {out, in} of each GPU under `flows`.
std::pair<std::vector<double>, std::vector<double>> ports(int n, const std::vector<PortFlow>& flows) {
  std::vector<double> out(static_cast<std::size_t>(n)), in(static_cast<std::size_t>(n));
  for (const PortFlow& f : flows) {
    out[static_cast<std::size_t>(f.from)] += f.bytes;
    in[static_cast<std::size_t>(f.to)] += f.bytes;
  }
  return {out, in};
}

TEST(PortFlows, BalancedLoadIsTheRing) {
  const std::vector<double> share(8, 5e6);
  const auto flows = port_flows(share, share);
  ASSERT_TRUE(flows);
  ASSERT_EQ(flows->size(), 8u);
  for (const PortFlow& f : *flows) {
    EXPECT_EQ(f.to, (f.from + 1) % 8);
    EXPECT_EQ(f.bytes, 5e6);
  }
}

TEST(PortFlows, AHotReceiverByHand) {
  // out {2, 2, 2}, in {4, 1, 1} (matrix [[0,1,1],[2,0,0],[2,0,0]]): the corner takes 0 -> 1 (1), 0 -> 2 (1),
  // 1 -> 0 (2), 2 -> 0 (2).
  const auto flows = port_flows({2, 2, 2}, {4, 1, 1});
  ASSERT_TRUE(flows);
  ASSERT_EQ(flows->size(), 4u);
  const std::vector<std::tuple<int, int, double>> expected = {{0, 1, 1}, {0, 2, 1}, {1, 0, 2}, {2, 0, 2}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*flows)[i].from, std::get<0>(expected[i]));
    EXPECT_EQ((*flows)[i].to, std::get<1>(expected[i]));
    EXPECT_EQ((*flows)[i].bytes, std::get<2>(expected[i]));
  }
}

TEST(PortFlows, WhatAGpuWouldSendItselfGoesThroughAnotherFlow) {
  // out {1, 3, 3}, in {2, 2, 3} (matrix [[0,0,1],[1,0,2],[1,2,0]]). The corner: 0 -> 1 (1), 1 -> 1 (1, itself),
  // 1 -> 2 (2), 2 -> 2 (1, itself), 2 -> 0 (2). GPU 1's byte goes through 2 -> 0 as 2 -> 1 and 1 -> 0; GPU 2's
  // through 0 -> 1 as 0 -> 2 and 2 -> 1: 0 -> 2 (1), 1 -> 0 (1), 1 -> 2 (2), 2 -> 0 (1), 2 -> 1 (2).
  const auto flows = port_flows({1, 3, 3}, {2, 2, 3});
  ASSERT_TRUE(flows);
  const std::vector<std::tuple<int, int, double>> expected = {{0, 2, 1}, {1, 0, 1}, {1, 2, 2}, {2, 0, 1}, {2, 1, 2}};
  ASSERT_EQ(flows->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*flows)[i].from, std::get<0>(expected[i])) << i;
    EXPECT_EQ((*flows)[i].to, std::get<1>(expected[i])) << i;
    EXPECT_EQ((*flows)[i].bytes, std::get<2>(expected[i])) << i;
  }
}

TEST(PortFlows, ARingOffsetThatMissesTheDiagonalIsTaken) {
  // out {2, 2, 3}, in {2, 3, 2} (matrix [[0,0,2],[2,0,0],[0,3,0]]). From GPU 1 the corner meets GPU 1 and GPU 2
  // on the diagonal and the exchanges leave six flows; from GPU 2 (receivers 2, 0, 1) it takes 0 -> 2 (2),
  // 1 -> 0 (2), 2 -> 1 (3) and meets nobody: the matrix itself, three flows.
  const auto flows = port_flows({2, 2, 3}, {2, 3, 2});
  ASSERT_TRUE(flows);
  const std::vector<std::tuple<int, int, double>> expected = {{0, 2, 2}, {1, 0, 2}, {2, 1, 3}};
  ASSERT_EQ(flows->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*flows)[i].from, std::get<0>(expected[i])) << i;
    EXPECT_EQ((*flows)[i].to, std::get<1>(expected[i])) << i;
    EXPECT_EQ((*flows)[i].bytes, std::get<2>(expected[i])) << i;
  }
}

// Conservation on every port, on matrices of skewed random loads (seeded; uniform from 53 bits, the same
// numbers everywhere), with no flow to itself and far fewer flows than pairs.
TEST(PortFlows, EveryPortCarriesItsRowAndColumn) {
  std::mt19937_64 engine(16);
  auto uniform = [&] { return static_cast<double>(engine() >> 11) * 0x1.0p-53; };
  for (int n : {2, 3, 8}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> out(static_cast<std::size_t>(n)), in(static_cast<std::size_t>(n));
      const int hot = trial % n;
      for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b) {
          if (a == b) continue;
          const double bytes = uniform() * (b == hot ? 1 + 4 * uniform() : 1.0) * (trial % 7 == 0 && a == 1 ? 0.0 : 1.0);
          out[static_cast<std::size_t>(a)] += bytes;
          in[static_cast<std::size_t>(b)] += bytes;
        }
      const auto flows = port_flows(out, in);
      ASSERT_TRUE(flows) << n << " GPUs, trial " << trial;
      EXPECT_LE(static_cast<int>(flows->size()), 4 * n - 1);  // the corner's 2n - 1, two more per GPU exchanged
      for (const PortFlow& f : *flows) EXPECT_NE(f.from, f.to);
      const auto [got_out, got_in] = ports(n, *flows);
      double total = 0;
      for (double v : out) total += v;
      for (int i = 0; i < n; ++i) {  // rounding of the sums and of the exchanges: 1e-12 of the whole
        EXPECT_NEAR(got_out[static_cast<std::size_t>(i)], out[static_cast<std::size_t>(i)], 1e-12 * total);
        EXPECT_NEAR(got_in[static_cast<std::size_t>(i)], in[static_cast<std::size_t>(i)], 1e-12 * total);
      }
    }
  }
}

}  // namespace
}  // namespace trainsim::sim
