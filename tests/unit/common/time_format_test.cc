#include "common/time_format.h"

#include <gtest/gtest.h>

namespace cogsync::timefmt {
namespace {

TEST(TimeFormat, AmzDateAndIso8601Seconds) {
  EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), 1440938160);
  // The Query protocol's timestamps (STS Credentials.Expiration, D27).
  EXPECT_EQ(Iso8601Seconds(1440938160), "2015-08-30T12:36:00Z");
  EXPECT_EQ(Iso8601Millis(1440938160123), "2015-08-30T12:36:00.123Z");
}

}  // namespace
}  // namespace cogsync::timefmt
