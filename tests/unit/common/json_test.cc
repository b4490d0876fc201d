#include "common/json.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace cogsync::json {
namespace {

// D6: timestamps are written as plain decimals with at most three decimals.
TEST(Json, DoublesArePlainDecimals) {
  EXPECT_EQ(Write(Timestamp(1413836234607)), "1413836234.607");
  EXPECT_EQ(Write(Timestamp(1413836234000)), "1413836234");
  EXPECT_EQ(Write(Timestamp(1413836234600)), "1413836234.6");
  EXPECT_EQ(Write(boost::json::value(-0.5)), "-0.5");
  EXPECT_EQ(Write(Timestamp(1795460271169)), "1795460271.169");
  EXPECT_EQ(Write(Timestamp(5)), "0.005");
  EXPECT_EQ(Write(Timestamp(-1500)), "-1.5");
  EXPECT_EQ(Write(boost::json::value(0.0001)), "0");  // below a millisecond: %.3f rounding
  // The fast path and printf agree for every millisecond of a sample.
  for (int64_t ms = 1413836234000; ms < 1413836236000; ms += 7) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", double(ms) / 1000.0);
    std::string expected(buf);
    while (expected.back() == '0') expected.pop_back();
    if (expected.back() == '.') expected.pop_back();
    ASSERT_EQ(Write(Timestamp(ms)), expected) << ms;
  }
}

// Regression: found by input_fuzz — a huge double overflowed the formatting buffer.
TEST(Json, HugeDoublesDoNotOverflow) {
  std::string out = Write(boost::json::value(1.7e308));
  EXPECT_EQ(out.size(), 309u);
  EXPECT_EQ(out.find_first_not_of("0123456789"), std::string::npos);  // digits only, no ".000"
  EXPECT_EQ(Write(boost::json::value(-1e300)).size(), 302u);
}

TEST(Json, ParseLimitsAndStrings) {
  EXPECT_FALSE(Parse(std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']')).has_value());
  EXPECT_TRUE(Parse(std::string(kMaxDepth - 1, '[') + std::string(kMaxDepth - 1, ']')).has_value());
  EXPECT_FALSE(Parse("\"\xff\"").has_value());  // invalid UTF-8
  EXPECT_EQ(Write(boost::json::value("a\"\\\n\x01")), "\"a\\\"\\\\\\n\\u0001\"");
  EXPECT_EQ(Write(boost::json::value("plain text \xc3\xa9 run")), "\"plain text \xc3\xa9 run\"");
  EXPECT_EQ(Write(boost::json::value("\x7f")), "\"\\u007f\"");
}

}  // namespace
}  // namespace cogsync::json
