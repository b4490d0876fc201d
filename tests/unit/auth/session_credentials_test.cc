#include "auth/session_credentials.h"

#include <gtest/gtest.h>

namespace cogsync::auth {
namespace {

// D8: minted credentials are bound to (pool, identity, authenticated, role) and valid one hour.
TEST(SessionCredentials, MintAndResolve) {
  TokenSealer sealer("shared-key");
  SessionCredentials creds(sealer);
  const int64_t now = 1'700'000'000'000;
  auto minted = creds.Mint("us-east-1:pool", "us-east-1:identity", true,
                           "arn:aws:iam::000000000000:role/auth", now);
  EXPECT_EQ(minted.access_key_id.substr(0, 4), "ASIA");
  EXPECT_EQ(minted.access_key_id.size(), 20u);
  EXPECT_EQ(minted.expires_ms, now + 3600 * 1000);
  EXPECT_TRUE(SessionCredentials::LooksLikeSessionKey(minted.access_key_id));

  auto resolved = creds.Resolve(minted.access_key_id, minted.session_token, now + 1000);
  ASSERT_TRUE(resolved.ok()) << resolved.error().ToString();
  EXPECT_EQ(resolved->second, minted.secret_key);
  EXPECT_EQ(resolved->first.pool_id, "us-east-1:pool");
  EXPECT_EQ(resolved->first.identity_id, "us-east-1:identity");
  EXPECT_TRUE(resolved->first.authenticated);
  EXPECT_EQ(resolved->first.role_arn, "arn:aws:iam::000000000000:role/auth");
  EXPECT_TRUE(resolved->first.is_identity());
  EXPECT_EQ(resolved->first.modifier(), "us-east-1:identity");  // D21

  // Another node with the same shared key accepts them.
  TokenSealer same_key("shared-key");
  EXPECT_TRUE(
      SessionCredentials(same_key).Resolve(minted.access_key_id, minted.session_token, now).ok());
}

// D10: an expired token is ExpiredTokenException; a token of another key id or server is not ours.
TEST(SessionCredentials, Rejections) {
  TokenSealer sealer("shared-key");
  SessionCredentials creds(sealer);
  const int64_t now = 1'700'000'000'000;
  auto a = creds.Mint("p", "i", false, "r", now);
  auto b = creds.Mint("p", "i", false, "r", now);
  auto expired = creds.Resolve(a.access_key_id, a.session_token, now + 3600 * 1000);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), "ExpiredTokenException");
  auto swapped = creds.Resolve(a.access_key_id, b.session_token, now);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().code(), "UnrecognizedClientException");
  TokenSealer other("other-key");
  auto foreign = SessionCredentials(other).Resolve(a.access_key_id, a.session_token, now);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code(), "UnrecognizedClientException");
}

// A remembered token is checked as a fresh one is: its expiry against each request's clock, its
// key id, and nothing but the exact token finds it.
TEST(SessionCredentials, RememberedTokensAreCheckedOnEveryUse) {
  TokenSealer sealer("shared-key");
  SessionCredentials creds(sealer);
  const int64_t now = 1'700'000'000'000;
  auto a = creds.Mint("p", "i", true, "role", now);
  auto b = creds.Mint("p", "i", true, "role", now);
  auto first = creds.Resolve(a.access_key_id, a.session_token, now);
  ASSERT_TRUE(first.ok());
  auto again = creds.Resolve(a.access_key_id, a.session_token, now + 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first.identity_id, "i");
  EXPECT_TRUE(again->first.authenticated);
  EXPECT_EQ(again->second, a.secret_key);

  auto expired = creds.Resolve(a.access_key_id, a.session_token, a.expires_ms);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), "ExpiredTokenException");
  auto other_key = creds.Resolve(b.access_key_id, a.session_token, now);
  ASSERT_FALSE(other_key.ok());
  EXPECT_EQ(other_key.error().code(), "UnrecognizedClientException");
  std::string altered = a.session_token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  auto tampered = creds.Resolve(a.access_key_id, altered, now);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code(), "UnrecognizedClientException");

  // Past the bound the memory starts over; every token still resolves.
  for (size_t i = 0; i <= SessionCredentials::kMaxRemembered; ++i) {
    auto c = creds.Mint("p", "i" + std::to_string(i), false, "role", now);
    auto resolved = creds.Resolve(c.access_key_id, c.session_token, now);
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(resolved->first.identity_id, "i" + std::to_string(i));
  }
  EXPECT_TRUE(creds.Resolve(a.access_key_id, a.session_token, now).ok());
}

}  // namespace
}  // namespace cogsync::auth
