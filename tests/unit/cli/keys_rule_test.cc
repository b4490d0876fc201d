// Issue 13 finding 12 (D7): one rule for developer keys, from `cogsync keys create` and from
// COGSYNC_ACCESS_KEY_ID alike.

#include <gtest/gtest.h>

#include "cli/keys.h"

namespace cogsync::cli {
namespace {

constexpr char kSecret[] = "a/long/enough/secret/0000";

TEST(DeveloperKeyRule, AsiaPrefixIsReservedEvenInTestMode) {
  for (bool test_mode : {false, true}) {
    Status s = ValidateDeveloperKey("ASIAABCDEFGHIJKLMNOP", kSecret, test_mode);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message().find("ASIA"), std::string::npos);
  }
}

TEST(DeveloperKeyRule, LengthsAndCharacters) {
  EXPECT_TRUE(ValidateDeveloperKey("AKIDCOMPATTEST000001", kSecret, false).ok());
  EXPECT_TRUE(ValidateDeveloperKey(std::string(128, 'A'), std::string(128, 's'), false).ok());
  EXPECT_FALSE(ValidateDeveloperKey(std::string(129, 'A'), kSecret, false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("AKIDSHORT", kSecret, false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("AKIDCOMPATTEST000001", "short", false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("AKID/COMPAT/TEST/01", kSecret, false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("AKIDCOMPATTEST000001", "has a space in it!!", false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("", "", true).ok());
}

TEST(DeveloperKeyRule, TestModeWaivesOnlyTheMinimumLengths) {
  // What boto3 signs with in a suite written for moto, unless told otherwise.
  EXPECT_TRUE(ValidateDeveloperKey("FOOBARKEY", "FOOBARSECRET", true).ok());
  EXPECT_FALSE(ValidateDeveloperKey("FOOBARKEY", "FOOBARSECRET", false).ok());
  EXPECT_FALSE(ValidateDeveloperKey("FOO,BAR", "FOOBARSECRET", true).ok());
}

}  // namespace
}  // namespace cogsync::cli
