// D12: logins of token providers are JWTs verified against the JWKS the operator configured for
// the provider; without one, only the explicitly named insecure mode accepts them.

#include <gtest/gtest.h>

#include <fstream>

#include "auth/jwt.h"
#include "auth/rsa_key.h"
#include "support/in_process.h"

namespace cogsync::testing {
namespace {

namespace bj = boost::json;

constexpr char kProvider[] = "login.provider.example";
constexpr char kClientId[] = "client-123";

class LoginProviders : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = auth::RsaPrivateKey::Generate(2048);
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<auth::RsaPrivateKey>(std::move(key).value());
    jwks_path_ = std::filesystem::temp_directory_path() / ("jwks-" + ids::Uuid() + ".json");
    std::ofstream(jwks_path_) << json::Write(bj::object{{"keys", bj::array{key_->PublicJwk()}}});
    Config config;
    config.login_providers.push_back(
        LoginProviderConfig{kProvider, jwks_path_.string(), "", "https://issuer.example", {}});
    server_ = std::make_unique<InProcess>(config);
    auto pool = server_->IdentityOk(
        "CreateIdentityPool", {{"IdentityPoolName", "p"},
                               {"AllowUnauthenticatedIdentities", false},
                               {"SupportedLoginProviders", bj::object{{kProvider, kClientId}}}});
    pool_ = std::string(pool.at("IdentityPoolId").as_string());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove(jwks_path_);
  }

  std::string Token(const std::string& sub, bj::object extra = {}) {
    int64_t now = InProcess::Now();
    bj::object claims{{"iss", "https://issuer.example"},
                      {"aud", kClientId},
                      {"sub", sub},
                      {"iat", now},
                      {"exp", now + 600}};
    for (auto& kv : extra) claims[kv.key()] = kv.value();
    return auth::SignJwt(*key_, claims);
  }

  http::Response GetId(const std::string& token) {
    return server_->Identity(
        "GetId", {{"IdentityPoolId", pool_}, {"Logins", bj::object{{kProvider, token}}}}, nullptr);
  }

  std::unique_ptr<auth::RsaPrivateKey> key_;
  std::filesystem::path jwks_path_;
  std::unique_ptr<InProcess> server_;
  std::string pool_;
};

TEST_F(LoginProviders, VerifiedTokenResolvesToOneIdentityPerSubject) {
  http::Response first = GetId(Token("user-1"));
  ASSERT_EQ(first.status, 200) << first.body;
  http::Response again = GetId(Token("user-1"));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::Parse(first.body)->at("IdentityId"), json::Parse(again.body)->at("IdentityId"));
  http::Response other = GetId(Token("user-2"));
  ASSERT_EQ(other.status, 200);
  EXPECT_NE(json::Parse(first.body)->at("IdentityId"), json::Parse(other.body)->at("IdentityId"));
}

TEST_F(LoginProviders, RejectsBadTokens) {
  auto expect_invalid = [&](const std::string& token, const std::string& detail) {
    http::Response r = GetId(token);
    EXPECT_EQ(ErrorCode(r), "NotAuthorizedException") << detail;
    EXPECT_NE(r.body.find("Invalid login token."), std::string::npos) << r.body;
  };
  expect_invalid(Token("u", {{"iss", "https://evil.example"}}), "issuer");
  expect_invalid(Token("u", {{"aud", "other-client"}}), "audience");
  expect_invalid(Token("u", {{"exp", InProcess::Now() - 3600}}), "expired");
  auto stranger = auth::RsaPrivateKey::Generate(2048);
  ASSERT_TRUE(stranger.ok());
  int64_t now = InProcess::Now();
  expect_invalid(auth::SignJwt(*stranger, {{"iss", "https://issuer.example"},
                                           {"aud", kClientId},
                                           {"sub", "u"},
                                           {"exp", now + 600}}),
                 "signed by another key");
  expect_invalid("not-a-jwt", "garbage");
}

TEST_F(LoginProviders, UnsupportedOrUnconfiguredProviders) {
  http::Response unsupported = server_->Identity(
      "GetId",
      {{"IdentityPoolId", pool_}, {"Logins", bj::object{{"accounts.google.com", Token("u")}}}},
      nullptr);
  EXPECT_EQ(ErrorCode(unsupported), "NotAuthorizedException");
  EXPECT_NE(unsupported.body.find("Token is not from a supported provider of this identity pool."),
            std::string::npos);
  // Supported by the pool but with no JWKS configured: refused outside the insecure mode.
  auto pool =
      server_->IdentityOk("CreateIdentityPool",
                          {{"IdentityPoolName", "q"},
                           {"AllowUnauthenticatedIdentities", false},
                           {"SupportedLoginProviders", bj::object{{"graph.facebook.com", "app"}}}});
  http::Response unconfigured =
      server_->Identity("GetId",
                        {{"IdentityPoolId", pool.at("IdentityPoolId")},
                         {"Logins", bj::object{{"graph.facebook.com", "opaque-access-token"}}}},
                        nullptr);
  EXPECT_EQ(ErrorCode(unconfigured), "NotAuthorizedException");
  EXPECT_NE(unconfigured.body.find("No key set (JWKS) is configured"), std::string::npos);
}

// Issue 13 finding 6: a provider named only in OpenIdConnectProviderARNs, or in
// CognitoIdentityProviders without a ClientId, has no audience unless the configuration gives
// one; its tokens are then refused rather than accepted whatever app they were issued to.
TEST_F(LoginProviders, NoKnownAudienceIsRefused) {
  auto call = [&](bj::object pool_fields) {
    pool_fields["IdentityPoolName"] = "aud";
    pool_fields["AllowUnauthenticatedIdentities"] = false;
    auto pool = server_->IdentityOk("CreateIdentityPool", pool_fields);
    return server_->Identity("GetId",
                             {{"IdentityPoolId", pool.at("IdentityPoolId")},
                              {"Logins", bj::object{{kProvider, Token("u", {{"aud", "other"}})}}}},
                             nullptr);
  };
  const std::string arn = std::string("arn:aws:iam::000000000000:oidc-provider/") + kProvider;
  for (const http::Response& r :
       {call({{"OpenIdConnectProviderARNs", bj::array{arn.c_str()}}}),
        call({{"CognitoIdentityProviders", bj::array{bj::object{{"ProviderName", kProvider}}}}})}) {
    EXPECT_EQ(ErrorCode(r), "NotAuthorizedException");
    EXPECT_NE(r.body.find(std::string("No audience is configured for ") + kProvider),
              std::string::npos)
        << r.body;
  }
}

TEST(LoginProvidersInsecure, TrustsTokenContentsOnlyWhenAskedTo) {
  Config config;
  config.insecure_trust_login_tokens = true;
  InProcess server(config);
  auto pool =
      server.IdentityOk("CreateIdentityPool",
                        {{"IdentityPoolName", "q"},
                         {"AllowUnauthenticatedIdentities", false},
                         {"SupportedLoginProviders", bj::object{{"graph.facebook.com", "app"}}}});
  auto call = [&](const std::string& token) {
    return server.IdentityOk("GetId",
                             {{"IdentityPoolId", pool.at("IdentityPoolId")},
                              {"Logins", bj::object{{"graph.facebook.com", token}}}},
                             nullptr);
  };
  EXPECT_EQ(call("user-a").at("IdentityId"), call("user-a").at("IdentityId"));
  EXPECT_NE(call("user-a").at("IdentityId"), call("user-b").at("IdentityId"));
}

}  // namespace
}  // namespace cogsync::testing
