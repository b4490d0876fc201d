// Throttling: token buckets per source address for the public Cognito Identity operations and
// per identity for Cognito Sync writes; TooManyRequestsException (Sync 429, Identity 400).

#include "protocol/throttle.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "support/in_process.h"

namespace cogsync {
namespace {

namespace bj = boost::json;

TEST(RateLimiter, RefillsAtItsRateUpToCapacity) {
  protocol::RateLimiter limiter(1000);
  int64_t now = 1'000'000;
  EXPECT_TRUE(limiter.Allow("k", 2, 2, now));
  EXPECT_TRUE(limiter.Allow("k", 2, 2, now));
  EXPECT_FALSE(limiter.Allow("k", 2, 2, now));
  EXPECT_TRUE(limiter.Allow("other", 2, 2, now));  // keys are independent
  EXPECT_FALSE(limiter.Allow("k", 2, 2, now + 400));
  EXPECT_TRUE(limiter.Allow("k", 2, 2, now + 500));  // one token after half a second
  EXPECT_TRUE(limiter.Allow("k", 2, 2, now + 60'000));
  EXPECT_TRUE(limiter.Allow("k", 2, 2, now + 60'000));
  EXPECT_FALSE(limiter.Allow("k", 2, 2, now + 60'000));  // never more than the capacity
}

TEST(RateLimiter, MemoryStaysBounded) {
  protocol::RateLimiter limiter(160);
  for (int i = 0; i < 10'000; ++i) limiter.Allow("caller-" + std::to_string(i), 1, 1, 5000);
  EXPECT_LE(limiter.TrackedKeys(), 160u);
}

TEST(Throttle, OffInTestModeUnlessConfigured) {
  ManualClock clock(0);
  ThrottleConfig config;
  EXPECT_FALSE(protocol::Throttle(config, true, clock).enabled());
  EXPECT_TRUE(protocol::Throttle(config, false, clock).enabled());
  config.enabled = true;
  EXPECT_TRUE(protocol::Throttle(config, true, clock).enabled());
}

}  // namespace
}  // namespace cogsync

namespace cogsync::testing {
namespace {

namespace bj = boost::json;

Config Throttled() {
  Config config;
  config.throttle.enabled = true;
  config.throttle.get_id_rps = 1;
  config.throttle.burst_seconds = 2;
  config.throttle.sync_writes_per_identity_rps = 1;
  return config;
}

// Identity: 400 TooManyRequestsException (D1), per source address.
TEST(ThrottlePipeline, GetIdPerSourceAddress) {
  InProcess server(Throttled());
  auto pool = server.IdentityOk(
      "CreateIdentityPool", {{"IdentityPoolName", "p"}, {"AllowUnauthenticatedIdentities", true}});
  auto get_id = [&](const std::string& remote) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"host", "x"}, {"x-amz-target", "AWSCognitoIdentityService.GetId"}};
    r.body = json::Write(bj::object{{"IdentityPoolId", pool.at("IdentityPoolId")}});
    r.request_id = "id";
    r.remote_address = remote;
    return server.app().dispatcher().Handle(r);
  };
  EXPECT_EQ(get_id("10.0.0.1").status, 200);
  EXPECT_EQ(get_id("10.0.0.1").status, 200);
  http::Response throttled = get_id("10.0.0.1");
  EXPECT_EQ(throttled.status, 400);
  EXPECT_EQ(ErrorCode(throttled), "TooManyRequestsException");
  EXPECT_EQ(get_id("10.0.0.2").status, 200);
  // Developer operations are not throttled.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        server.Identity("DescribeIdentityPool", {{"IdentityPoolId", pool.at("IdentityPoolId")}})
            .status,
        200);
  }
}

// Sync: 429 TooManyRequestsException for writes with identity credentials, per identity.
TEST(ThrottlePipeline, SyncWritesPerIdentity) {
  InProcess server(Throttled());
  auto pool = server.IdentityOk(
      "CreateIdentityPool", {{"IdentityPoolName", "p"}, {"AllowUnauthenticatedIdentities", true}});
  const std::string pool_id(pool.at("IdentityPoolId").as_string());
  server.IdentityOk(
      "SetIdentityPoolRoles",
      {{"IdentityPoolId", pool_id},
       {"Roles", bj::object{{"unauthenticated", "arn:aws:iam::000000000000:role/u"}}}});
  auto id = server.IdentityOk("GetId", {{"IdentityPoolId", pool_id}}, nullptr);
  const std::string identity(id.at("IdentityId").as_string());
  auto creds = server.IdentityOk("GetCredentialsForIdentity", {{"IdentityId", identity}}, nullptr);
  const auto& c = creds.at("Credentials").as_object();
  auth::sigv4::Credentials minted{std::string(c.at("AccessKeyId").as_string()),
                                  std::string(c.at("SecretKey").as_string()),
                                  std::string(c.at("SessionToken").as_string())};
  const std::string path = "/identitypools/" + encoding::UriEncode(pool_id, false) +
                           "/identities/" + encoding::UriEncode(identity, false) + "/datasets/d";
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    statuses.push_back(server.Sync("DELETE", path, "", &minted).status);
  }
  // Two writes fit the bucket (404: the dataset does not exist), then 429.
  EXPECT_EQ(statuses, (std::vector<int>{404, 404, 429, 429}));
  // Reads are not throttled.
  EXPECT_EQ(server.Sync("GET", path + "/records", "", &minted).status, 200);
}

}  // namespace
}  // namespace cogsync::testing
