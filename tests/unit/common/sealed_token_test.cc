#include "common/sealed_token.h"

#include <gtest/gtest.h>

#include "common/next_token.h"

namespace cogsync {
namespace {

TEST(SealedToken, RoundTripAndTamperEvidence) {
  TokenSealer sealer("k1");
  std::string token = sealer.Seal("purpose", "payload");
  EXPECT_EQ(*sealer.Open("purpose", token), "payload");
  // Another purpose, another key, or any changed character: refused.
  EXPECT_FALSE(sealer.Open("other", token).has_value());
  EXPECT_FALSE(TokenSealer("k2").Open("purpose", token).has_value());
  std::string tampered = token;
  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sealer.Open("purpose", tampered).has_value());
  EXPECT_FALSE(sealer.Open("purpose", "no-dot").has_value());
  EXPECT_FALSE(sealer.Open("purpose", "").has_value());
}

// D20: NextTokens are opaque, tamper-evident and bound to the list they page.
TEST(NextToken, BoundToScope) {
  TokenSealer sealer("k");
  std::string token = MakeNextToken(sealer, "ListIdentities/pool-a", "cursor-1");
  EXPECT_EQ(*ReadNextToken(sealer, "ListIdentities/pool-a", token), "cursor-1");
  auto other = ReadNextToken(sealer, "ListIdentities/pool-b", token);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), "InvalidParameterException");
  EXPECT_FALSE(ReadNextToken(sealer, "ListIdentities/pool-a", "garbage").ok());
}

}  // namespace
}  // namespace cogsync
