// ThreadAttachment (thread_attachment.h): nested scopes stack and restore, each type has its own, each thread its own.
#include "kernels/model/thread_attachment.h"

#include <gtest/gtest.h>

#include <thread>

namespace trainsim::kernels::model {
namespace {

struct Backend {};
struct Group {};

TEST(ThreadAttachment, NestedScopesStackAndRestorePerTypeAndPerThread) {
  Backend outer, inner;
  Group group;
  EXPECT_EQ(ThreadAttachment<Backend>::attached(), nullptr);
  {
    const ThreadAttachment<Backend> a(&outer);
    const ThreadAttachment<Group> g(&group);
    EXPECT_EQ(ThreadAttachment<Backend>::attached(), &outer);
    {
      const ThreadAttachment<Backend> b(&inner);
      EXPECT_EQ(ThreadAttachment<Backend>::attached(), &inner);
      EXPECT_EQ(ThreadAttachment<Group>::attached(), &group);  // another type's is untouched
      {
        const ThreadAttachment<Backend> none(nullptr);  // a scope may detach
        EXPECT_EQ(ThreadAttachment<Backend>::attached(), nullptr);
      }
      EXPECT_EQ(ThreadAttachment<Backend>::attached(), &inner);
    }
    EXPECT_EQ(ThreadAttachment<Backend>::attached(), &outer);
    const Backend* seen_elsewhere = &outer;
    std::thread([&] { seen_elsewhere = ThreadAttachment<Backend>::attached(); }).join();
    EXPECT_EQ(seen_elsewhere, nullptr);  // another thread has none attached
  }
  EXPECT_EQ(ThreadAttachment<Backend>::attached(), nullptr);
  EXPECT_EQ(ThreadAttachment<Group>::attached(), nullptr);
}

}  // namespace
}  // namespace trainsim::kernels::model
