// Token verifier hooks (issue 15, Scope 3): opaque tokens checked by an HTTP endpoint the
// operator configures. What goes out (POST form or GET with the token in the URL, headers),
// how answers are read (subject, active flag, audience), refusals versus failures, the timeout,
// and the cache (hits, expiry, bounded size), against a local HTTP server.

#include "identity/token_hook.h"

#include <gtest/gtest.h>

#include <mutex>

#include "common/clock.h"
#include "support/tiny_http_server.h"

namespace cogsync::identity {
namespace {

using testing::TinyHttpServer;

std::string Answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

class TokenHookTest : public ::testing::Test {
 protected:
  TokenHookTest() : clock_(1'800'000'000'000) {
    provider_.name = "graph.facebook.com";
    provider_.verifier_timeout_ms = 2000;
  }
  LoginProviderConfig provider_;
  ManualClock clock_;
};

TEST_F(TokenHookTest, PostsTheTokenAsAFormAndReadsTheSubject) {
  std::mutex mu;
  std::string seen;
  TinyHttpServer server([&](const std::string& request) -> std::optional<std::string> {
    std::lock_guard lock(mu);
    seen = request;
    return Answer(200, R"({"active": true, "sub": "user-1", "client_id": "app-1"})");
  });
  provider_.verifier_url = server.Url("/introspect");
  provider_.verifier_active_pointer = "/active";
  provider_.verifier_audience_pointer = "/client_id";
  provider_.verifier_headers = {{"authorization", "Basic Y2xpZW50OnNlY3JldA=="}};
  TokenHook hook(provider_, clock_);
  auto subject = hook.Verify("tok en/+1", {"app-1"});
  ASSERT_TRUE(subject.ok()) << subject.error().ToString();
  EXPECT_EQ(*subject, "user-1");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.rfind("POST /introspect HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("authorization: Basic Y2xpZW50OnNlY3JldA=="), std::string::npos) << seen;
  EXPECT_NE(seen.find("application/x-www-form-urlencoded"), std::string::npos) << seen;
  EXPECT_EQ(seen.substr(seen.size() - 21), "token=tok%20en%2F%2B1") << seen;
}

TEST_F(TokenHookTest, GetPutsTheTokenInTheUrlAndReadsNestedNumbers) {
  TinyHttpServer server([&](const std::string&) -> std::optional<std::string> {
    return Answer(200, R"({"data": {"is_valid": true, "user_id": 1234567890, "app_id": "42"}})");
  });
  provider_.verifier_method = "GET";
  provider_.verifier_url = server.Url("/debug_token?input_token={token}&access_token=app");
  provider_.verifier_subject_pointer = "/data/user_id";
  provider_.verifier_active_pointer = "/data/is_valid";
  provider_.verifier_audience_pointer = "/data/app_id";
  TokenHook hook(provider_, clock_);
  auto subject = hook.Verify("EAAB&x", {"42"});
  ASSERT_TRUE(subject.ok()) << subject.error().ToString();
  EXPECT_EQ(*subject, "1234567890");
  EXPECT_EQ(server.last_head().rfind("GET /debug_token?input_token=EAAB%26x&access_token=app ", 0),
            0u)
      << server.last_head();
  // Another app's token is refused, from the cache.
  auto other = hook.Verify("EAAB&x", {"43"});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), "NotAuthorizedException");
  EXPECT_EQ(hook.calls(), 1u);
}

TEST_F(TokenHookTest, RefusalsAreNotAuthorizedAndFailuresExternalService) {
  std::mutex mu;
  int status = 401;
  std::string body = R"({"error": "invalid_token"})";
  TinyHttpServer server([&](const std::string&) -> std::optional<std::string> {
    std::lock_guard lock(mu);
    return Answer(status, body);
  });
  provider_.verifier_url = server.Url("/v");
  provider_.verifier_active_pointer = "/active";
  provider_.verifier_cache_seconds = 0;  // every call asks
  TokenHook hook(provider_, clock_);
  auto expect = [&](int s, const std::string& b, const std::string& code) {
    {
      std::lock_guard lock(mu);
      status = s;
      body = b;
    }
    auto got = hook.Verify("t", {});
    ASSERT_FALSE(got.ok()) << s << " " << b;
    EXPECT_EQ(got.error().code(), code) << s << " " << b;
  };
  expect(401, R"({})", "NotAuthorizedException");
  expect(403, R"({})", "NotAuthorizedException");
  expect(400, R"({})", "NotAuthorizedException");
  expect(200, R"({"active": false, "sub": "u"})", "NotAuthorizedException");
  expect(200, R"({"active": "true", "sub": "u"})", "NotAuthorizedException");
  expect(200, R"({"active": true})", "NotAuthorizedException");
  expect(200, R"({"active": true, "sub": ""})", "NotAuthorizedException");
  expect(500, R"({})", "ExternalServiceException");
  expect(200, "not json", "ExternalServiceException");
  EXPECT_EQ(hook.calls(), 9u);
}

TEST_F(TokenHookTest, ASilentEndpointTimesOut) {
  TinyHttpServer server(
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  provider_.verifier_url = server.Url("/v");
  provider_.verifier_timeout_ms = 200;
  TokenHook hook(provider_, clock_);
  auto got = hook.Verify("t", {});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), "ExternalServiceException");
  EXPECT_NE(got.error().message().find("in time"), std::string::npos);
}

TEST_F(TokenHookTest, AnswersAreCachedUntilTheyExpireWithinABoundedCache) {
  TinyHttpServer server([](const std::string& request) -> std::optional<std::string> {
    // The subject is the token itself, so each token has its own answer.
    return Answer(200, R"({"sub": ")" + request.substr(request.rfind('=') + 1) + R"("})");
  });
  provider_.verifier_url = server.Url("/v");
  provider_.verifier_cache_seconds = 60;
  provider_.verifier_cache_entries = 4;
  TokenHook hook(provider_, clock_);
  EXPECT_EQ(*hook.Verify("a", {}), "a");
  EXPECT_EQ(*hook.Verify("a", {}), "a");
  EXPECT_EQ(hook.calls(), 1u);
  clock_.Advance(61'000);
  EXPECT_EQ(*hook.Verify("a", {}), "a");
  EXPECT_EQ(hook.calls(), 2u);
  // More tokens than entries: older ones are dropped, every answer stays right.
  for (const char* token : {"b", "c", "d", "e", "f"}) {
    clock_.Advance(1);
    EXPECT_EQ(*hook.Verify(token, {}), token);
  }
  EXPECT_EQ(hook.calls(), 7u);
  EXPECT_EQ(*hook.Verify("f", {}), "f");
  EXPECT_EQ(hook.calls(), 7u);
  EXPECT_EQ(*hook.Verify("a", {}), "a");
  EXPECT_EQ(hook.calls(), 8u);
}

}  // namespace
}  // namespace cogsync::identity
