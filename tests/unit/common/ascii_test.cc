// ascii.h: the one case rule of headers, SigV4 and wire literals. Only A-Z fold; other bytes,
// UTF-8 included, compare as they are.

#include "common/ascii.h"

#include <gtest/gtest.h>

namespace cogsync::ascii {
namespace {

TEST(Ascii, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(ToLower("X-Amz-Date: 20261124T000000Z"), "x-amz-date: 20261124t000000z");
  EXPECT_EQ(ToLower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // "Été": only the 't' is ASCII
  EXPECT_EQ(Lower('@'), '@');                                    // just below 'A'
  EXPECT_EQ(Lower('['), '[');                                    // just above 'Z'
}

TEST(Ascii, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("host", "hosts"));
  EXPECT_FALSE(EqualsIgnoreCase("host", "post"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x89", "\xc3\xa9"));  // É and é differ outside ASCII
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));                // 0x40 and 0x60 are not a case pair
}

}  // namespace
}  // namespace cogsync::ascii
