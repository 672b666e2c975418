// The executable's pool of 24-byte objects (cli/list_node_pool.cc), linked into this test as into `trainsim`:
// a std::list of pointers takes its nodes from it, densely, a node freed is the next one handed out (what keeps
// SimGrid's list of in-flight comms in a few pages), other sizes lie elsewhere, and threads allocating at once
// never share a slot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <list>
#include <thread>
#include <vector>

namespace {

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(ListNodePool, AListOfPointersTakesDenseNodesAndReusesTheLastFreed) {
  static_assert(sizeof(std::_List_node<int*>) == 24, "the pool's size is a std::list<T*> node's on this ABI");
  int value = 0;
  std::list<int*> list(1000, &value);
  std::vector<std::uintptr_t> nodes;
  for (auto it = list.begin(); it != list.end(); ++it) nodes.push_back(address(&*it));
  const auto [low, high] = std::minmax_element(nodes.begin(), nodes.end());
  // 1000 slots of 32 bytes, at most one chunk boundary (64 KiB) between them.
  EXPECT_LE(*high - *low, 1000u * 32u + 64u * 1024u);
  for (std::uintptr_t node : nodes) EXPECT_EQ(node % 16, 0u);  // __STDCPP_DEFAULT_NEW_ALIGNMENT__
  // Take one out from the middle: the next node allocated is the one just freed.
  auto middle = std::next(list.begin(), 500);
  const std::uintptr_t freed = address(&*middle);
  list.erase(middle);
  list.push_back(&value);
  EXPECT_EQ(address(&list.back()), freed);
}

// The point of the pool: 24-byte objects lie together, whatever else of nearly their size is allocated between
// them (under jemalloc both sizes share the 32-byte class and interleave).
TEST(ListNodePool, ObjectsOfOtherSizesDoNotLieBetweenTheNodes) {
  std::vector<char*> nodes, others;
  for (int i = 0; i < 256; ++i) {
    nodes.push_back(new char[24]);
    others.push_back(new char[32]);
  }
  int adjacent = 0;  // consecutive 24-byte objects one 32-byte slot apart
  for (std::size_t i = 1; i < nodes.size(); ++i) adjacent += address(nodes[i]) - address(nodes[i - 1]) == 32;
  EXPECT_GE(adjacent, 250);  // a chunk boundary or a reused slot may break a few
  for (char* p : nodes) delete[] p;
  for (char* p : others) delete[] p;
}

TEST(ListNodePool, ThreadsAllocatingAtOnceNeverShareASlot) {
  constexpr int kThreads = 4, kObjects = 20000;
  std::vector<std::vector<std::uint64_t*>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kObjects; ++i) {
        auto* object = new std::uint64_t[3];  // 24 bytes
        object[0] = object[1] = object[2] = static_cast<std::uint64_t>(t) << 32 | static_cast<std::uint64_t>(i);
        made[static_cast<std::size_t>(t)].push_back(object);
        if (i % 3 == 0) {  // free some as they go, so that slots are reused while others allocate
          delete[] made[static_cast<std::size_t>(t)].back();
          made[static_cast<std::size_t>(t)].pop_back();
        }
      }
    });
  for (std::thread& thread : threads) thread.join();
  std::vector<std::uintptr_t> all;
  for (int t = 0; t < kThreads; ++t)
    for (std::uint64_t* object : made[static_cast<std::size_t>(t)]) {
      all.push_back(address(object));
      const std::uint64_t owner = object[0] >> 32;
      EXPECT_EQ(owner, static_cast<std::uint64_t>(t));  // no other thread wrote over it
      EXPECT_EQ(object[1], object[0]);
      EXPECT_EQ(object[2], object[0]);
    }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  for (auto& objects : made)
    for (std::uint64_t* object : objects) delete[] object;
}

}  // namespace
