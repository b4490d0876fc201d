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
  EXPECT_FALSE(
      Parse(std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']')).has_value());
  EXPECT_TRUE(Parse(std::string(kMaxDepth - 1, '[') + std::string(kMaxDepth - 1, ']')).has_value());
  EXPECT_FALSE(Parse("\"\xff\"").has_value());  // invalid UTF-8
  EXPECT_EQ(Write(boost::json::value("a\"\\\n\x01")), "\"a\\\"\\\\\\n\\u0001\"");
  EXPECT_EQ(Write(boost::json::value("plain text \xc3\xa9 run")), "\"plain text \xc3\xa9 run\"");
  EXPECT_EQ(Write(boost::json::value("\x7f")), "\"\\u007f\"");
}

}  // namespace
}  // namespace cogsync::json

namespace cogsync::json {
namespace {

// AppendString scans eight bytes at a time: escapes must be found at every position of a word,
// in words after a clean one, and next to UTF-8 bytes (0x80 and above never need one).
TEST(Json, StringsAreEscapedAtEveryPosition) {
  auto quoted = [](std::string_view s) {
    std::string out;
    AppendString(out, s);
    return out;
  };
  EXPECT_EQ(quoted(""), "\"\"");
  EXPECT_EQ(quoted("0123456789abcdef"), "\"0123456789abcdef\"");
  EXPECT_EQ(quoted("01234567\"9abcdef\\"), "\"01234567\\\"9abcdef\\\\\"");
  EXPECT_EQ(quoted(std::string("0123456\x01", 8)), "\"0123456\\u0001\"");
  EXPECT_EQ(quoted("\x7f"
                   "1234567"
                   "\x1f"),
            "\"\\u007f1234567\\u001f\"");
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!\"");

  const std::string specials = std::string("\"\\\x7f\n\t\x00\x1f", 7);
  for (char special : specials) {
    for (size_t length = 1; length <= 24; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string s(length, 'x');
        s[at] = special;
        std::string out = quoted(s);
        auto parsed = boost::json::parse(out);
        ASSERT_TRUE(parsed.is_string()) << out;
        EXPECT_EQ(std::string(parsed.as_string()), s) << "length " << length << " at " << at;
        for (size_t k = 1; k + 1 < out.size(); ++k) {
          unsigned char c = static_cast<unsigned char>(out[k]);
          EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "raw byte " << int(c) << " in " << out;
        }
      }
    }
  }
}

}  // namespace
}  // namespace cogsync::json
