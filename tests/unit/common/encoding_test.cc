#include "common/encoding.h"

#include <gtest/gtest.h>

namespace cogsync::encoding {
namespace {

// Issue 13 finding 8: upstream text in the log can never start a line of its own.
TEST(Encoding, OneLineEscapesControlCharactersAndBoundsTheLength) {
  EXPECT_EQ(OneLine("plain text"), "plain text");
  EXPECT_EQ(OneLine("a\nb\r\nc\t\\d\n\n  "), "a\\nb\\r\\nc\\t\\d");
  EXPECT_EQ(OneLine(OneLine("a\nb\x01")), OneLine("a\nb\x01"));
  EXPECT_EQ(OneLine(std::string("x\0y\x1b[31m\x7f", 9)), "x\\x00y\\x1b[31m\\x7f");
  EXPECT_EQ(OneLine("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 is kept as it is
  EXPECT_EQ(OneLine(std::string(100, 'z'), 10), std::string(10, 'z') + "...");
  EXPECT_EQ(OneLine("\n\n"), "");
}

TEST(Encoding, Base64RoundTrip) {
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_FALSE(Base64Decode("Zm8").has_value());
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("-_9").has_value());  // non-zero trailing bits
}

TEST(Encoding, UriEncodeAndPercentDecode) {
  EXPECT_EQ(UriEncode("us-east-1:ab/c d", true), "us-east-1%3Aab/c%20d");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(*PercentDecode("us-east-1%3Aab"), "us-east-1:ab");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_FALSE(PercentDecode("%G1").has_value());
  EXPECT_FALSE(PercentDecode("%4").has_value());
}

TEST(Encoding, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_EQ(Utf8Length("h\xc3\xa9"), 2u);
}

}  // namespace
}  // namespace cogsync::encoding
