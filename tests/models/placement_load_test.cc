// Rank loads under a placement, by hand: replicas split a logical expert's load evenly; imbalance max/mean-1.
#include "models/placement_load.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::models {
namespace {

// Layer 0 of the EPLB README example (docs/sources.md#eplb).
const std::vector<double> kLoads{90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86};

TEST(PlacementLoad, UniformPlacementSumsEachRanksExperts) {
  // 3 experts per rank: 90+132+40, 61+104+165, 39+4+73, 56+183+86; mean 1033 / 4.
  const std::vector<double> loads = rank_loads(kLoads, uniform_expert_placement(12, 4));
  EXPECT_EQ(loads, (std::vector<double>{262, 330, 116, 325}));
  EXPECT_DOUBLE_EQ(load_imbalance(loads), 330 / 258.25 - 1);
}

TEST(PlacementLoad, ReplicasSplitTheirExpertsLoadEvenly) {
  // The README's plan for layer 0: experts 1, 4, 5 and 10 have two slots each. GPU 0 holds 5 and 6:
  // 165 / 2 + 39; GPU 1: 165 / 2 + 4; GPU 2: 73 + 104 / 2; GPU 3: 61 + 104 / 2; GPU 4: 183 / 2 + 56;
  // GPU 5: 183 / 2 + 40; GPU 6: 90 + 132 / 2; GPU 7: 86 + 132 / 2. Total 1033 over 8 GPUs.
  const ExpertPlacement placement{12, 8, 2, {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1}};
  EXPECT_EQ(replica_counts(placement), (std::vector<int>{1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1}));
  const std::vector<double> loads = rank_loads(kLoads, placement);
  EXPECT_EQ(loads, (std::vector<double>{121.5, 86.5, 125, 113, 147.5, 131.5, 156, 152}));
  EXPECT_DOUBLE_EQ(load_imbalance(loads), 156 / (1033.0 / 8) - 1);
}

TEST(PlacementLoad, ImbalanceOfNothingIsZero) {
  EXPECT_EQ(load_imbalance(std::vector<double>{}), 0);
  EXPECT_EQ(load_imbalance(std::vector<double>{0, 0}), 0);
  EXPECT_EQ(load_imbalance(std::vector<double>{3, 3, 3}), 0);
}

TEST(PlacementLoad, AnExpertWithLoadButNoSlotIsAnInternalError) {
  const ExpertPlacement placement{3, 1, 2, {0, 1}};
  EXPECT_THROW(rank_loads(std::vector<double>{1, 1, 1}, placement), Error);
  EXPECT_EQ(rank_loads(std::vector<double>{1, 1, 0}, placement), (std::vector<double>{2}));
}

}  // namespace
}  // namespace trainsim::models
