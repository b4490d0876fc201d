#include <gtest/gtest.h>

#include "common/clock.h"

namespace cogsync {
namespace {

TEST(OffsetClockTest, FollowsItsBaseShiftedByTheOffset) {
  ManualClock base(1'700'000'000'000);
  OffsetClock ahead(base, 7'200'000);
  EXPECT_EQ(ahead.NowMillis(), 1'700'007'200'000);
  EXPECT_EQ(ahead.NowSeconds(), 1'700'007'200);
  base.Advance(1'500);
  EXPECT_EQ(ahead.NowMillis(), 1'700'007'201'500);
}

TEST(OffsetClockTest, NegativeAndZeroOffsets) {
  ManualClock base(5'000'000);
  EXPECT_EQ(OffsetClock(base, -1'000'000).NowMillis(), 4'000'000);
  EXPECT_EQ(OffsetClock(base, 0).NowMillis(), 5'000'000);
}

}  // namespace
}  // namespace cogsync
