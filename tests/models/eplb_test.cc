// DeepSeek's EPLB: the README's example slot for slot, each building block and policy on a hand count, and
// every rule that rejects a shape. Expected values: docs/sources.md#eplb and the hand counts written here.
#include "models/eplb.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "models/placement_load.h"

namespace trainsim::models {
namespace {

// github.com/deepseek-ai/EPLB README: 2 layers x 12 experts, 4 groups, 2 nodes x 4 GPUs, 16 slots.
const std::vector<std::vector<double>> kReadmeLoads = {
    {90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86},
    {20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27},
};
constexpr EplbShape kReadmeShape{16, 4, 2, 8};

TEST(Eplb, ReproducesTheReadmeExampleSlotForSlot) {
  const EplbPlan plan = eplb_rebalance(kReadmeLoads, kReadmeShape);
  EXPECT_EQ(plan.policy, EplbPolicy::kHierarchical);
  ASSERT_EQ(plan.placements.size(), 2u);
  EXPECT_EQ(plan.placements[0].logical_of_slot, (std::vector<int>{5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1}));
  EXPECT_EQ(plan.placements[1].logical_of_slot, (std::vector<int>{7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1}));
  for (const ExpertPlacement& p : plan.placements) {
    EXPECT_EQ(p.num_experts, 12);
    EXPECT_EQ(p.ranks, 8);
    EXPECT_EQ(p.slots_per_rank, 2);
  }
  // The replica counts read off the README's lists: layer 0 doubles 1, 4, 5, 10; layer 1 doubles 1, 5, 6, 8.
  EXPECT_EQ(plan.replicas[0], (std::vector<int>{1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1}));
  EXPECT_EQ(plan.replicas[1], (std::vector<int>{1, 2, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1}));
  for (std::size_t l = 0; l < 2; ++l) EXPECT_EQ(plan.replicas[l], replica_counts(plan.placements[l]));
}

TEST(Eplb, HierarchicalKeepsEachGroupOnOneNode) {
  const EplbPlan plan = eplb_rebalance(kReadmeLoads, kReadmeShape);
  for (const ExpertPlacement& p : plan.placements) {
    std::vector<std::set<int>> nodes_of_group(4);
    for (std::size_t slot = 0; slot < 16; ++slot)  // 3 experts per group, 8 slots per node
      nodes_of_group[static_cast<std::size_t>(p.logical_of_slot[slot] / 3)].insert(static_cast<int>(slot / 8));
    for (const auto& nodes : nodes_of_group) EXPECT_EQ(nodes.size(), 1u);
  }
}

TEST(Eplb, GlobalPolicyWhenNodesDoNotDivideGroups) {
  // 4 experts in 4 groups on 3 nodes of 1 GPU, 6 slots. Replicas: 10 is the heaviest (0 doubled, 5 each), then
  // 6 (2 doubled, 3 each). Slot loads 5 2 3 4 5 3, packed 2 per GPU heaviest first: slot 0 -> GPU 0, slot 4 ->
  // GPU 1, slot 3 -> GPU 2, slot 2 -> GPU 2 (4 < 5, 5), slot 5 -> GPU 0 (5 = 5: the first), slot 1 -> GPU 1.
  const EplbShape shape{6, 4, 3, 3};
  EXPECT_EQ(eplb_policy(shape), EplbPolicy::kGlobal);
  const EplbPlan plan = eplb_rebalance({{10, 2, 6, 4}}, shape);
  EXPECT_EQ(plan.policy, EplbPolicy::kGlobal);
  EXPECT_EQ(plan.placements[0].logical_of_slot, (std::vector<int>{0, 2, 0, 1, 3, 2}));
  EXPECT_EQ(plan.replicas[0], (std::vector<int>{2, 1, 2, 1}));
  // GPU loads 5 + 3, 5 + 2, 4 + 3: max 8 over mean 22 / 3.
  const std::vector<double> loads{10, 2, 6, 4};
  EXPECT_EQ(rank_loads(loads, plan.placements[0]), (std::vector<double>{8, 7, 7}));
  EXPECT_DOUBLE_EQ(load_imbalance(rank_loads(loads, plan.placements[0])), 8.0 / (22.0 / 3) - 1);
}

TEST(Eplb, RedundantSlotsEvenOutTwoGpus) {
  // Loads 10 2 6 4 on 2 GPUs. Before: experts 0-1 and 2-3 give 12 and 10, imbalance 12 / 11 - 1 = 1 / 11.
  // With 2 redundant slots: 10 splits (5, 5), then 6 (3, 3); slot loads 5 2 3 4 5 3 packed 3 per GPU heaviest
  // first: slot 0 -> A (5), slot 4 -> B (5), slot 3 -> A (9; the tie goes to the first), slot 2 -> B (8),
  // slot 5 -> B (11, full), slot 1 -> A (11). Both replicas of expert 2 land on GPU B, as eplb.py places them.
  const std::vector<double> loads{10, 2, 6, 4};
  const std::vector<double> before = rank_loads(loads, uniform_expert_placement(4, 2));
  EXPECT_DOUBLE_EQ(load_imbalance(before), 12.0 / 11 - 1);  // 1 / 11, less the bits the subtraction loses
  const EplbPlan plan = eplb_rebalance({loads}, {6, 1, 1, 2});
  EXPECT_EQ(plan.placements[0].logical_of_slot, (std::vector<int>{0, 3, 1, 0, 2, 2}));
  const std::vector<double> after = rank_loads(loads, plan.placements[0]);
  EXPECT_EQ(after, (std::vector<double>{11, 11}));
  EXPECT_EQ(load_imbalance(after), 0);
}

TEST(Eplb, BalancedPackingTakesHeaviestFirstIntoTheLightestPack) {
  // Sorted 5 4 3 3 2 1 (items 0 2 4 5 3 1): 5 -> A, 4 -> B, 3 -> B (7), 3 -> A (8), 2 -> B (9, full), 1 -> A.
  const Packing packing = balanced_packing(std::vector<double>{5, 1, 4, 2, 3, 3}, 2);
  EXPECT_EQ(packing.pack_of_item, (std::vector<int>{0, 0, 1, 1, 1, 0}));
  EXPECT_EQ(packing.rank_in_pack, (std::vector<int>{0, 2, 0, 2, 1, 1}));
}

TEST(Eplb, BalancedPackingBreaksTiesByInputOrderAndFirstPack) {
  // Items 1 and 2 weigh 3: item 1 is placed first (pack A), item 2 goes to the empty B; item 0 then finds A and
  // B at 3 each and takes A, the first.
  const Packing packing = balanced_packing(std::vector<double>{1, 3, 3, 1}, 2);
  EXPECT_EQ(packing.pack_of_item, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(packing.rank_in_pack, (std::vector<int>{1, 0, 0, 1}));
}

TEST(Eplb, BalancedPackingWithOneItemPerPackKeepsInputOrder) {
  const Packing packing = balanced_packing(std::vector<double>{1, 5, 3}, 3);
  EXPECT_EQ(packing.pack_of_item, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(packing.rank_in_pack, (std::vector<int>{0, 0, 0}));
}

TEST(Eplb, ReplicateGivesTheNextSlotToTheHeaviestLoadPerReplica) {
  // 6 10 3 -> 10 doubled (5 each) -> 6 doubled (3 each) -> 10 again (5 > 3 = 3).
  const Replication r = replicate_experts(std::vector<double>{6, 10, 3}, 6);
  EXPECT_EQ(r.logical_of_physical, (std::vector<int>{0, 1, 2, 1, 0, 1}));
  EXPECT_EQ(r.replicas, (std::vector<int>{2, 3, 1}));
}

TEST(Eplb, ReplicateBreaksTiesToTheFirstExpert) {
  // 4 8 4 -> 8 doubled: all three at 4 per replica, the first (expert 0) gets the next slot.
  const Replication r = replicate_experts(std::vector<double>{4, 8, 4}, 5);
  EXPECT_EQ(r.logical_of_physical, (std::vector<int>{0, 1, 2, 1, 0}));
  EXPECT_EQ(r.replicas, (std::vector<int>{2, 2, 1}));
}

TEST(Eplb, NoRedundantSlotsKeepsOneReplicaEach) {
  const EplbPlan plan = eplb_rebalance(kReadmeLoads, {12, 4, 2, 4});
  for (const auto& replicas : plan.replicas) EXPECT_EQ(replicas, std::vector<int>(12, 1));
}

void expect_problem(const EplbShape& shape, int experts, const std::string& message) {
  EXPECT_EQ(eplb_shape_problem(shape, experts), message);
  const std::vector<std::vector<double>> loads(1, std::vector<double>(static_cast<std::size_t>(experts), 1.0));
  try {
    eplb_rebalance(loads, shape);
    ADD_FAILURE() << "no error for: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(Eplb, RejectsSlotsNotAMultipleOfGpus) {
  expect_problem({18, 4, 2, 8}, 12, "18 physical expert slots are not a multiple of 8 GPUs (each GPU holds as many)");
}

TEST(Eplb, RejectsFewerSlotsThanExperts) {
  expect_problem({8, 4, 2, 8}, 12,
                 "8 physical expert slots cannot hold 12 logical experts (redundant slots add to them)");
}

TEST(Eplb, RejectsGroupsThatDoNotDivideExperts) {
  expect_problem({16, 5, 1, 8}, 12, "5 expert groups do not divide 12 logical experts");
}

TEST(Eplb, RejectsGpusNotSpreadEvenlyOverNodes) {
  expect_problem({16, 4, 3, 8}, 12, "8 GPUs do not spread evenly over 3 nodes");
}

TEST(Eplb, RejectsZeroCounts) {
  expect_problem({16, 4, 0, 8}, 12, "EPLB needs at least one group, node and GPU, got 4 groups, 0 nodes, 8 GPUs");
  expect_problem({16, 4, 2, 8}, 0, "EPLB needs at least one logical expert, got 0");
}

TEST(Eplb, RejectsRaggedAndNegativeLoads) {
  EXPECT_THROW(
      {
        try {
          eplb_rebalance({{1, 2, 3, 4}, {1, 2, 3}}, {4, 1, 1, 2});
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "EPLB loads of layer 1 list 3 experts, layer 0 lists 4");
          throw;
        }
      },
      Error);
  EXPECT_THROW(
      {
        try {
          eplb_rebalance({{1, 2, -3, 4}}, {4, 1, 1, 2});
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "EPLB load of layer 0 expert 2 is -3; expected a finite load >= 0");
          throw;
        }
      },
      Error);
}

}  // namespace
}  // namespace trainsim::models
