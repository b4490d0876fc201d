// STS through the whole in-process pipeline (D27): Query routing beside the JSON routing, the
// classic flow's token exchange, and the minted credentials accepted for the identity's Sync data.

#include <gtest/gtest.h>

#include <string>

#include "../support/in_process.h"
#include "common/encoding.h"

namespace cogsync::testing {
namespace {

constexpr char kUnauthRole[] = "arn:aws:iam::123456789012:role/path/Unauth";

std::string Between(const std::string& body, const std::string& tag) {
  const std::string open = "<" + tag + ">";
  size_t start = body.find(open);
  if (start == std::string::npos) return "";
  start += open.size();
  return body.substr(start, body.find("</" + tag + ">", start) - start);
}

http::Request Form(const std::string& body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"host", "127.0.0.1:8080"},
               {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = body;
  return r;
}

std::string Encode(const std::string& s) { return encoding::UriEncode(s, false); }

class StsPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ =
        std::string(json::GetString(server_.IdentityOk("CreateIdentityPool",
                                                       {{"IdentityPoolName", "sts"},
                                                        {"AllowUnauthenticatedIdentities", true}}),
                                    "IdentityPoolId")
                        .value_or(""));
    server_.IdentityOk("SetIdentityPoolRoles",
                       {{"IdentityPoolId", pool_}, {"Roles", {{"unauthenticated", kUnauthRole}}}});
    identity_ = json::GetString(server_.IdentityOk("GetId", {{"IdentityPoolId", pool_}}, nullptr),
                                "IdentityId")
                    .value_or("");
    token_ =
        json::GetString(server_.IdentityOk("GetOpenIdToken", {{"IdentityId", identity_}}, nullptr),
                        "Token")
            .value_or("");
  }

  http::Response Assume(const std::string& role) {
    return server_.Send(
        Form("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + Encode(role) +
             "&RoleSessionName=unit&WebIdentityToken=" + Encode(token_)));
  }

  InProcess server_;
  std::string pool_;
  std::string identity_;
  std::string token_;
};

TEST_F(StsPipeline, ClassicFlowCredentialsReachOnlyTheIdentitysData) {  // D27, D8
  http::Response r = Assume(kUnauthRole);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Between(r.body, "SubjectFromWebIdentityToken"), identity_);
  EXPECT_EQ(Between(r.body, "Arn"), "arn:aws:sts::123456789012:assumed-role/Unauth/unit");
  EXPECT_EQ(Between(r.body, "RequestId").empty(), false);
  const auth::sigv4::Credentials creds{Between(r.body, "AccessKeyId"),
                                       Between(r.body, "SecretAccessKey"),
                                       Between(r.body, "SessionToken")};
  http::Response own = server_.Sync(
      "GET", "/identitypools/" + pool_ + "/identities/" + identity_ + "/datasets", "", &creds);
  EXPECT_EQ(own.status, 200) << own.body;
  const std::string other =
      json::GetString(server_.IdentityOk("GetId", {{"IdentityPoolId", pool_}}, nullptr),
                      "IdentityId")
          .value_or("");
  http::Response theirs = server_.Sync(
      "GET", "/identitypools/" + pool_ + "/identities/" + other + "/datasets", "", &creds);
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  EXPECT_NE(theirs.body.find("assumed-role/Unauth/unit is not authorized"), std::string::npos)
      << theirs.body;
}

TEST_F(StsPipeline, WrongRoleIsAccessDeniedInStsXml) {  // D27
  http::Response r = Assume("arn:aws:iam::123456789012:role/Other");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Between(r.body, "Code"), "AccessDenied");
  EXPECT_EQ(Between(r.body, "Type"), "Sender");
  EXPECT_EQ(r.operation, "AssumeRoleWithWebIdentity");
}

TEST_F(StsPipeline, JsonRoutingIsUnchanged) {
  http::Request json;
  json.method = "POST";
  json.target = "/";
  json.headers = {{"content-type", "application/x-amz-json-1.1"}};
  json.body = "{\"Action\":\"AssumeRoleWithWebIdentity\"}";
  http::Response r = server_.Send(json);
  EXPECT_EQ(ErrorCode(r), "UnknownOperationException") << r.body;
  // A GET without a query string is not the Query protocol either.
  http::Request get;
  get.method = "GET";
  get.target = "/";
  EXPECT_EQ(ErrorCode(server_.Send(get)), "UnknownOperationException");
}

TEST_F(StsPipeline, GetCallerIdentityIsSignedForSts) {
  http::Request r = Form("Action=GetCallerIdentity&Version=2011-06-15");
  ASSERT_TRUE(
      auth::sigv4::SignHttpRequest(r, InProcess::developer(), "us-east-1", "sts", InProcess::Now())
          .ok());
  http::Response ok = server_.Send(r);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Between(ok.body, "Arn"), "arn:aws:iam::000000000000:user/test-developer");
  http::Response unsigned_call = server_.Send(Form("Action=GetCallerIdentity"));
  EXPECT_EQ(unsigned_call.status, 403);
  EXPECT_EQ(Between(unsigned_call.body, "Code"), "MissingAuthenticationToken");
}

}  // namespace
}  // namespace cogsync::testing
