// Issue 13 finding 5: outbound calls that hold a worker are bounded per identity pool and in
// total; a permit is given back when it goes away.

#include "common/outbound_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace cogsync {
namespace {

TEST(OutboundLimiter, BoundsEachPoolAndTheTotal) {
  OutboundLimiter limiter(/*per_pool=*/2, /*total=*/3);
  std::vector<OutboundLimiter::Permit> held;
  for (int i = 0; i < 2; ++i) {
    auto permit = limiter.TryAcquire("pool-a");
    ASSERT_TRUE(permit.has_value());
    held.push_back(std::move(*permit));
  }
  EXPECT_FALSE(limiter.TryAcquire("pool-a").has_value());  // pool-a at its bound
  auto b = limiter.TryAcquire("pool-b");
  ASSERT_TRUE(b.has_value());                              // another pool still gets in
  EXPECT_FALSE(limiter.TryAcquire("pool-c").has_value());  // the total is reached
  EXPECT_EQ(limiter.in_flight(), 3u);
  EXPECT_EQ(limiter.refused(), 2);

  held.pop_back();  // one of pool-a's calls ends
  EXPECT_EQ(limiter.in_flight(), 2u);
  auto c = limiter.TryAcquire("pool-c");
  EXPECT_TRUE(c.has_value());
  EXPECT_FALSE(limiter.TryAcquire("pool-a").has_value());  // the total again
}

TEST(OutboundLimiter, MovedPermitsReleaseOnce) {
  OutboundLimiter limiter(1, 1);
  {
    auto permit = limiter.TryAcquire("p");
    ASSERT_TRUE(permit.has_value());
    OutboundLimiter::Permit moved(std::move(*permit));
    permit.reset();  // the moved-from permit gives nothing back
    EXPECT_EQ(limiter.in_flight(), 1u);
    EXPECT_FALSE(limiter.TryAcquire("p").has_value());
  }
  EXPECT_EQ(limiter.in_flight(), 0u);
  EXPECT_TRUE(limiter.TryAcquire("p").has_value());
}

TEST(OutboundLimiter, BoundsAreAtLeastOne) {
  OutboundLimiter limiter(0, 0);
  EXPECT_EQ(limiter.per_pool(), 1u);
  EXPECT_EQ(limiter.total(), 1u);
  EXPECT_TRUE(limiter.TryAcquire("p").has_value());
}

}  // namespace
}  // namespace cogsync
