// In-process ranks (thread_communicator.h): what each collective delivers, worked out by hand for 3 ranks; point-to-
// point order kept apart from the collectives; a failing rank stops the others instead of hanging them.
#include "kernels/model/thread_communicator.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels::model {
namespace {

TEST(ThreadCommunicator, AllToAllDeliversEachRanksMessageForItToIt) {
  constexpr int kRanks = 3;
  std::vector<std::vector<std::vector<double>>> received(kRanks);
  run_ranks_on_threads(kRanks, [&](Communicator& c) {
    // Rank r sends rank p the message [10 r + p] repeated p times: rank 0 gets empty messages.
    std::vector<std::vector<double>> send(kRanks);
    for (int p = 0; p < kRanks; ++p) send[p].assign(p, 10.0 * c.rank() + p);
    received[c.rank()] = c.all_to_all(send);
  });
  for (int r = 0; r < kRanks; ++r)
    for (int p = 0; p < kRanks; ++p) EXPECT_EQ(received[r][p], std::vector<double>(r, 10.0 * p + r)) << r << " " << p;
}

TEST(ThreadCommunicator, AllReduceGivesEveryRankTheSameSum) {
  constexpr int kRanks = 3;
  std::vector<std::vector<double>> result(kRanks);
  run_ranks_on_threads(kRanks, [&](Communicator& c) {
    std::vector<double> values = {1.0 + c.rank(), 0.1 * (c.rank() + 1)};
    c.all_reduce_sum(values);
    result[c.rank()] = values;
  });
  // 1 + 2 + 3 = 6; 0.1 + 0.2 + 0.3 summed in rank order (the order that makes every rank's bits the same).
  const std::vector<double> expected = {6.0, (0.1 + 0.2) + 0.30000000000000004};
  for (int r = 0; r < kRanks; ++r) EXPECT_EQ(result[r], expected) << r;
}

TEST(ThreadCommunicator, PointToPointMessagesArriveInOrderApartFromTheCollectives) {
  std::vector<double> first, second, collective;
  run_ranks_on_threads(2, [&](Communicator& c) {
    if (c.rank() == 0) {
      c.send(1, std::vector<double>{1, 2});
      c.send(1, std::vector<double>{3});
    }
    std::vector<double> sum = {double(c.rank() + 1)};
    c.all_reduce_sum(sum);  // posted after rank 0's sends, taken before rank 1's receives
    if (c.rank() == 1) {
      first = c.receive(0);
      second = c.receive(0);
      collective = sum;
    }
  });
  EXPECT_EQ(first, (std::vector<double>{1, 2}));
  EXPECT_EQ(second, (std::vector<double>{3}));
  EXPECT_EQ(collective, (std::vector<double>{3}));
}

TEST(ThreadCommunicator, SplitFormsAGroupOfEachColourRankedByKey) {
  // Four ranks, colour rank % 2, key -rank: groups {0, 2} and {1, 3}, each ranked highest world rank first.
  constexpr int kRanks = 4;
  std::vector<int> group_rank(kRanks), group_size(kRanks);
  std::vector<double> group_sum(kRanks), world_sum(kRanks);
  run_ranks_on_threads(kRanks, [&](Communicator& world) {
    const std::unique_ptr<Communicator> group = world.split(world.rank() % 2, -world.rank());
    group_rank[world.rank()] = group->rank();
    group_size[world.rank()] = group->size();
    std::vector<double> value = {double(world.rank())};
    group->all_reduce_sum(value);  // a group's traffic stays in the group, and the world's in the world
    group_sum[world.rank()] = value[0];
    value = {1.0};
    world.all_reduce_sum(value);
    world_sum[world.rank()] = value[0];
  });
  EXPECT_EQ(group_rank, (std::vector<int>{1, 1, 0, 0}));
  EXPECT_EQ(group_size, (std::vector<int>{2, 2, 2, 2}));
  EXPECT_EQ(group_sum, (std::vector<double>{2, 4, 2, 4}));  // 0 + 2 and 1 + 3
  EXPECT_EQ(world_sum, (std::vector<double>{4, 4, 4, 4}));
}

TEST(ThreadCommunicator, RendezvousSendsThatMeetHeadOnAreADeadlockAndOneExchangeIsNot) {
  // Each of two ranks sends to the other, then receives: buffered, both sends complete at once; as NCCL's sends do,
  // each waits for the other's receive, which comes after the other's send: reported, not a hang. The same two
  // messages as one exchange each (send and receive together) complete.
  const auto head_on = [](Communicator& c) {
    c.send(1 - c.rank(), std::vector<double>{double(c.rank())});
    EXPECT_EQ(c.receive(1 - c.rank()), std::vector<double>{double(1 - c.rank())});
  };
  EXPECT_NO_THROW(run_ranks_on_threads(2, head_on, SendCompletion::kBuffered));
  try {
    run_ranks_on_threads(2, head_on, SendCompletion::kRendezvous);
    ADD_FAILURE() << "no deadlock reported";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("deadlock"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("its sends to be received"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(run_ranks_on_threads(
      2,
      [](Communicator& c) {
        const int peer[] = {1 - c.rank()};
        const std::vector<std::vector<double>> received =
            c.exchange({Communicator::Message{peer[0], {double(c.rank())}}}, peer);
        EXPECT_EQ(received.at(0), std::vector<double>{double(peer[0])});
      },
      SendCompletion::kRendezvous));
}

TEST(ThreadCommunicator, ARankThatFailsStopsTheRanksWaitingForItAndItsErrorIsRethrown) {
  // Rank 1 fails before the all-to-all that ranks 0 and 2 wait in: without the stop they would wait for ever.
  EXPECT_THROW(run_ranks_on_threads(3,
                                    [&](Communicator& c) {
                                      if (c.rank() == 1) throw std::invalid_argument("rank 1's own error");
                                      c.all_to_all(std::vector<std::vector<double>>(3));
                                    }),
               std::invalid_argument);
  EXPECT_THROW(run_ranks_on_threads(2, [&](Communicator& c) { c.send(2, std::vector<double>{}); }),
               std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
