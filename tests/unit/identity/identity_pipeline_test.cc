// Cognito Identity through the whole in-process pipeline (dispatcher, SigV4, validation,
// handlers, SQLite). The real-client suites (tests/compat) cover the same ground with boto3.

#include <gtest/gtest.h>

#include <set>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "common/encoding.h"
#include "support/in_process.h"

namespace cogsync::testing {
namespace {

namespace bj = boost::json;

class IdentityPipeline : public ::testing::Test {
 protected:
  std::string CreatePool(bool allow_unauth = true, std::string developer = "login.example") {
    bj::object in{{"IdentityPoolName", "pool"}, {"AllowUnauthenticatedIdentities", allow_unauth}};
    if (!developer.empty()) in["DeveloperProviderName"] = developer;
    auto out = server_.IdentityOk("CreateIdentityPool", in);
    return std::string(out.at("IdentityPoolId").as_string());
  }
  void SetRoles(const std::string& pool) {
    server_.IdentityOk(
        "SetIdentityPoolRoles",
        {{"IdentityPoolId", pool},
         {"Roles", bj::object{{"authenticated", "arn:aws:iam::000000000000:role/auth"},
                              {"unauthenticated", "arn:aws:iam::000000000000:role/unauth"}}}});
  }
  InProcess server_;
};

// D4: lists and maps are present even when empty; D6: timestamps are plain decimals.
TEST_F(IdentityPipeline, CreateAndDescribePoolShapes) {
  std::string pool = CreatePool(true, "");
  auto d = server_.IdentityOk("DescribeIdentityPool", {{"IdentityPoolId", pool}});
  EXPECT_EQ(d.at("IdentityPoolName").as_string(), "pool");
  EXPECT_FALSE(d.at("AllowClassicFlow").as_bool());
  EXPECT_TRUE(d.at("OpenIdConnectProviderARNs").as_array().empty());
  EXPECT_TRUE(d.at("CognitoIdentityProviders").as_array().empty());
  EXPECT_TRUE(d.at("SamlProviderARNs").as_array().empty());
  EXPECT_TRUE(d.at("SupportedLoginProviders").as_object().empty());
  EXPECT_FALSE(d.contains("DeveloperProviderName"));
  auto id = server_.IdentityOk("GetId", {{"IdentityPoolId", pool}}, nullptr);
  http::Response r = server_.Identity("DescribeIdentity", {{"IdentityId", id.at("IdentityId")}});
  ASSERT_EQ(r.status, 200);
  // "CreationDate":1763929337.123 — a plain number, never exponent notation.
  auto at = r.body.find("\"CreationDate\":");
  ASSERT_NE(at, std::string::npos);
  std::string number = r.body.substr(at + 15, r.body.find_first_of(",}", at) - at - 15);
  EXPECT_EQ(number.find_first_of("eE"), std::string::npos) << number;
  EXPECT_GT(std::stod(number), 1.7e9);
}

// One route per request: IsWrite(), which the server asks first, keeps the X-Amz-Target operation
// it routed for Handle(); REST requests are sorted by method alone and routed in Handle().
TEST_F(IdentityPipeline, AnXAmzTargetRequestIsRoutedOnce) {
  http::Request read;
  read.method = "POST";
  read.target = "/";
  read.headers = {{"x-amz-target", "AWSCognitoIdentityService.ListIdentityPools"}};
  EXPECT_FALSE(server_.app().dispatcher().IsWrite(read));
  EXPECT_NE(read.handler_note, nullptr);
  http::Request write = read;
  write.handler_note = nullptr;
  write.headers = {{"x-amz-target", "AWSCognitoIdentityService.CreateIdentityPool"}};
  EXPECT_TRUE(server_.app().dispatcher().IsWrite(write));
  EXPECT_NE(write.handler_note, read.handler_note);
  http::Request unknown = write;
  unknown.handler_note = nullptr;
  unknown.headers = {{"x-amz-target", "AWSCognitoIdentityService.NoSuchOperation"}};
  EXPECT_FALSE(server_.app().dispatcher().IsWrite(unknown));
  EXPECT_EQ(unknown.handler_note, nullptr);
  http::Request rest;
  rest.method = "GET";
  rest.target = "/identitypools";
  EXPECT_FALSE(server_.app().dispatcher().IsWrite(rest));
  EXPECT_EQ(rest.handler_note, nullptr);
  // Handled with the note: the operation it names answers (every request of these tests goes
  // through IsWrite() first, as InProcess::Send does).
  std::string pool = CreatePool();
  EXPECT_EQ(server_.IdentityOk("DescribeIdentityPool", {{"IdentityPoolId", pool}})
                .at("IdentityPoolId")
                .as_string(),
            pool);
}

// D1: every client error of Cognito Identity is 400 with {"__type","message"}.
TEST_F(IdentityPipeline, ErrorsAre400WithType) {
  http::Response r =
      server_.Identity("DescribeIdentityPool",
                       {{"IdentityPoolId", "us-east-1:00000000-0000-0000-0000-000000000000"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "ResourceNotFoundException");
  EXPECT_NE(r.body.find("\"__type\":\"ResourceNotFoundException\""), std::string::npos);
  EXPECT_NE(r.body.find("IdentityPool 'us-east-1:00000000-0000-0000-0000-000000000000' not found."),
            std::string::npos);
  // D3: the validation message format.
  r = server_.Identity("ListIdentityPools", {{"MaxResults", 61}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("1 validation error detected: Value '61' at 'maxResults' failed to satisfy "
                        "constraint: Member must have value less than or equal to 60"),
            std::string::npos)
      << r.body;
}

// Pools are shared immutable snapshots (store/types.h PoolPtr): one handed out before an
// UpdateIdentityPool keeps its old value, and the next request sees the new one.
TEST_F(IdentityPipeline, APoolSnapshotOutlivesAnUpdate) {
  std::string pool = CreatePool(true, "");
  store::PoolPtr held;
  ASSERT_TRUE(server_.app()
                  .store()
                  .Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(held, txn.GetPool(pool));
                    return OkStatus();
                  })
                  .ok());
  ASSERT_NE(held, nullptr);
  server_.IdentityOk("UpdateIdentityPool", {{"IdentityPoolId", pool},
                                            {"IdentityPoolName", "renamed"},
                                            {"AllowUnauthenticatedIdentities", false},
                                            {"IdentityPoolTags", bj::object{{"team", "blue"}}}});
  EXPECT_EQ(held->name, "pool");
  EXPECT_TRUE(held->description.at("AllowUnauthenticatedIdentities").as_bool());
  EXPECT_TRUE(held->tags.empty());
  auto d = server_.IdentityOk("DescribeIdentityPool", {{"IdentityPoolId", pool}});
  EXPECT_EQ(d.at("IdentityPoolName").as_string(), "renamed");
  EXPECT_FALSE(d.at("AllowUnauthenticatedIdentities").as_bool());
  EXPECT_EQ(d.at("IdentityPoolTags"), (bj::object{{"team", "blue"}}));
  // The next request runs on the new version: unauthenticated GetId is now refused.
  EXPECT_EQ(ErrorCode(server_.Identity("GetId", {{"IdentityPoolId", pool}}, nullptr)),
            "NotAuthorizedException");
}

// D10/D11: public operations need no signature; the others do.
TEST_F(IdentityPipeline, SignatureRules) {
  std::string pool = CreatePool();
  EXPECT_EQ(server_.Identity("GetId", {{"IdentityPoolId", pool}}, nullptr).status, 200);
  http::Response unsigned_call =
      server_.Identity("DescribeIdentityPool", {{"IdentityPoolId", pool}}, nullptr);
  EXPECT_EQ(unsigned_call.status, 403);
  EXPECT_EQ(ErrorCode(unsigned_call), "MissingAuthenticationTokenException");
  auth::sigv4::Credentials wrong{kDeveloperKeyId, "not-the-secret", ""};
  http::Response bad = server_.Identity("DescribeIdentityPool", {{"IdentityPoolId", pool}}, &wrong);
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(ErrorCode(bad), "InvalidSignatureException");
  auth::sigv4::Credentials unknown{"AKIDUNKNOWN000000000", "secret-secret-secret", ""};
  EXPECT_EQ(
      ErrorCode(server_.Identity("DescribeIdentityPool", {{"IdentityPoolId", pool}}, &unknown)),
      "UnrecognizedClientException");
  // A public operation ignores a signature even when it is wrong (D11).
  EXPECT_EQ(server_.Identity("GetId", {{"IdentityPoolId", pool}}, &wrong).status, 200);
}

// D8: minted credentials sign later calls; D9: they cannot call developer operations.
TEST_F(IdentityPipeline, MintedCredentialsAreAccepted) {
  std::string pool = CreatePool();
  auto id = server_.IdentityOk("GetId", {{"IdentityPoolId", pool}}, nullptr);
  http::Response no_role =
      server_.Identity("GetCredentialsForIdentity", {{"IdentityId", id.at("IdentityId")}}, nullptr);
  EXPECT_EQ(ErrorCode(no_role), "InvalidIdentityPoolConfigurationException");
  SetRoles(pool);
  auto creds = server_.IdentityOk("GetCredentialsForIdentity",
                                  {{"IdentityId", id.at("IdentityId")}}, nullptr);
  const auto& c = creds.at("Credentials").as_object();
  auth::sigv4::Credentials minted{std::string(c.at("AccessKeyId").as_string()),
                                  std::string(c.at("SecretKey").as_string()),
                                  std::string(c.at("SessionToken").as_string())};
  http::Response denied = server_.Identity("ListIdentityPools", {{"MaxResults", 5}}, &minted);
  EXPECT_EQ(denied.status, 400);
  EXPECT_EQ(ErrorCode(denied), "NotAuthorizedException");
  EXPECT_NE(denied.body.find("assumed-role/unauth/CognitoIdentityCredentials"), std::string::npos);
  minted.secret_access_key[0] ^= 1;
  EXPECT_EQ(ErrorCode(server_.Identity("ListIdentityPools", {{"MaxResults", 5}}, &minted)),
            "InvalidSignatureException");
}

// D13: OpenID tokens are RS256 JWTs with iss, aud = pool, sub = identity, amr, 10 minutes.
TEST_F(IdentityPipeline, OpenIdTokenClaims) {
  std::string pool = CreatePool();
  auto id = server_.IdentityOk("GetId", {{"IdentityPoolId", pool}}, nullptr);
  auto token = server_.IdentityOk("GetOpenIdToken", {{"IdentityId", id.at("IdentityId")}}, nullptr);
  auto decoded = auth::DecodeJwt(token.at("Token").as_string());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->alg, "RS256");
  const auto& claims = decoded->payload;
  EXPECT_EQ(claims.at("iss").as_string(), "https://cognito-identity.amazonaws.com");
  EXPECT_EQ(claims.at("aud").as_string(), pool);
  EXPECT_EQ(claims.at("sub").as_string(), id.at("IdentityId").as_string());
  EXPECT_EQ(claims.at("amr").as_array().at(0).as_string(), "unauthenticated");
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 600);
  // Developer tokens: TokenDuration, amr names the developer provider.
  auto dev = server_.IdentityOk("GetOpenIdTokenForDeveloperIdentity",
                                {{"IdentityPoolId", pool},
                                 {"Logins", bj::object{{"login.example", "alice"}}},
                                 {"TokenDuration", 3600}});
  auto dev_claims = auth::DecodeJwt(dev.at("Token").as_string())->payload;
  EXPECT_EQ(dev_claims.at("exp").as_int64() - dev_claims.at("iat").as_int64(), 3600);
  EXPECT_EQ(dev_claims.at("amr").as_array().at(0).as_string(), "authenticated");
}

// D23: merging developer identities disables the source, moves its datasets (renamed on a clash).
TEST_F(IdentityPipeline, MergeMovesDatasets) {
  std::string pool = CreatePool();
  auto a = server_.IdentityOk(
      "GetOpenIdTokenForDeveloperIdentity",
      {{"IdentityPoolId", pool}, {"Logins", bj::object{{"login.example", "a"}}}});
  auto b = server_.IdentityOk(
      "GetOpenIdTokenForDeveloperIdentity",
      {{"IdentityPoolId", pool}, {"Logins", bj::object{{"login.example", "b"}}}});
  const std::string ida(a.at("IdentityId").as_string()), idb(b.at("IdentityId").as_string());
  ASSERT_NE(ida, idb);
  auto put = server_.app().store().Write([&](store::Txn& txn) -> Status {
    for (const auto& [identity, name] :
         {std::pair{ida, "shared"}, {ida, "only-a"}, {idb, "shared"}}) {
      store::Dataset d;
      d.identity_id = identity;
      d.name = name;
      d.pool_id = pool;
      d.sync_count = 4;
      d.num_records = 1;
      d.data_storage = 2;
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
      COGSYNC_RETURN_IF_ERROR(
          txn.PutRecord(identity, name, store::Record{"k", "v", 4, 0, "x", {}}));
    }
    return OkStatus();
  });
  ASSERT_TRUE(put.ok());
  auto merged =
      server_.IdentityOk("MergeDeveloperIdentities", {{"IdentityPoolId", pool},
                                                      {"DeveloperProviderName", "login.example"},
                                                      {"SourceUserIdentifier", "a"},
                                                      {"DestinationUserIdentifier", "b"}});
  EXPECT_EQ(merged.at("IdentityId").as_string(), idb);
  std::vector<std::string> names;
  std::vector<std::string> merged_names;
  auto read = server_.app().store().Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto all, txn.ListAllDatasets(idb));
    for (const auto& d : all) names.push_back(d.name);
    COGSYNC_ASSIGN_OR_RETURN(merged_names, txn.ListMergedDatasetNames(idb, "shared"));
    COGSYNC_ASSIGN_OR_RETURN(auto left, txn.ListAllDatasets(ida));
    EXPECT_TRUE(left.empty());
    COGSYNC_ASSIGN_OR_RETURN(auto renamed, txn.GetDataset(idb, "shared." + ida, false));
    EXPECT_TRUE(renamed.has_value());
    if (renamed) {
      EXPECT_EQ(renamed->sync_count, 1);  // rewritten as one new revision
    }
    return OkStatus();
  });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(names, (std::vector<std::string>{"only-a", "shared", "shared." + ida}));
  EXPECT_EQ(merged_names, (std::vector<std::string>{"shared." + ida}));
  // The source is disabled and hidden by HideDisabled; both users now resolve to b.
  auto all = server_.IdentityOk("ListIdentities", {{"IdentityPoolId", pool}, {"MaxResults", 10}});
  EXPECT_EQ(all.at("Identities").as_array().size(), 2u);
  auto visible = server_.IdentityOk(
      "ListIdentities", {{"IdentityPoolId", pool}, {"MaxResults", 10}, {"HideDisabled", true}});
  EXPECT_EQ(visible.at("Identities").as_array().size(), 1u);
  auto lookup = server_.IdentityOk("LookupDeveloperIdentity",
                                   {{"IdentityPoolId", pool}, {"DeveloperUserIdentifier", "a"}});
  EXPECT_EQ(lookup.at("IdentityId").as_string(), idb);
}

TEST_F(IdentityPipeline, DeveloperUserAlreadyRegistered) {
  std::string pool = CreatePool();
  auto a = server_.IdentityOk(
      "GetOpenIdTokenForDeveloperIdentity",
      {{"IdentityPoolId", pool}, {"Logins", bj::object{{"login.example", "a"}}}});
  auto other = server_.IdentityOk("GetId", {{"IdentityPoolId", pool}}, nullptr);
  http::Response r = server_.Identity("GetOpenIdTokenForDeveloperIdentity",
                                      {{"IdentityPoolId", pool},
                                       {"IdentityId", other.at("IdentityId")},
                                       {"Logins", bj::object{{"login.example", "a"}}}});
  EXPECT_EQ(ErrorCode(r), "DeveloperUserAlreadyRegisteredException");
  // The same user again returns the same identity.
  auto again = server_.IdentityOk(
      "GetOpenIdTokenForDeveloperIdentity",
      {{"IdentityPoolId", pool}, {"Logins", bj::object{{"login.example", "a"}}}});
  EXPECT_EQ(again.at("IdentityId"), a.at("IdentityId"));
}

TEST_F(IdentityPipeline, UnauthenticatedAccessDisabled) {
  std::string pool = CreatePool(false);
  http::Response r = server_.Identity("GetId", {{"IdentityPoolId", pool}}, nullptr);
  EXPECT_EQ(ErrorCode(r), "NotAuthorizedException");
  EXPECT_NE(r.body.find("Unauthenticated access is not supported for this identity pool."),
            std::string::npos);
}

TEST_F(IdentityPipeline, PaginationAndForgedToken) {
  for (int i = 0; i < 5; ++i) CreatePool(true, "");
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    bj::object in{{"MaxResults", 2}};
    if (!token.empty()) in["NextToken"] = token;
    auto page = server_.IdentityOk("ListIdentityPools", in);
    for (const auto& p : page.at("IdentityPools").as_array())
      seen.insert(std::string(p.at("IdentityPoolId").as_string()));
    token = page.contains("NextToken") ? std::string(page.at("NextToken").as_string()) : "";
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
  http::Response forged =
      server_.Identity("ListIdentityPools", {{"MaxResults", 2}, {"NextToken", "forged.token"}});
  EXPECT_EQ(ErrorCode(forged), "InvalidParameterException");
}

}  // namespace
}  // namespace cogsync::testing

namespace cogsync::testing {
namespace {

// D13: the signing key is published so any JWT library can verify the tokens.
TEST(IdentityDiscovery, JwksAndDiscoveryDocuments) {
  InProcess server;
  http::Request r;
  r.method = "GET";
  r.target = "/.well-known/openid-configuration";
  r.headers = {{"host", "127.0.0.1:9999"}};
  http::Response d = server.Send(r);
  ASSERT_EQ(d.status, 200);
  auto doc = json::Parse(d.body)->as_object();
  EXPECT_EQ(doc.at("issuer").as_string(), "https://cognito-identity.amazonaws.com");
  EXPECT_EQ(doc.at("jwks_uri").as_string(), "http://127.0.0.1:9999/.well-known/jwks.json");
  // Issue 13 finding 10: a Host that is neither loopback nor configured is never echoed.
  for (const char* host : {"evil.example", "localhost.evil.example", "[::1].evil:80", ""}) {
    r.headers = {{"host", host}};
    http::Response forged = server.Send(r);
    EXPECT_EQ(forged.status, 404) << host;
    EXPECT_EQ(forged.body.find("evil"), std::string::npos) << forged.body;
  }
  r.headers = {{"host", "[::1]:8080"}};
  http::Response v6 = server.Send(r);
  ASSERT_EQ(v6.status, 200);
  EXPECT_EQ(json::Parse(v6.body)->at("jwks_uri").as_string(),
            "http://[::1]:8080/.well-known/jwks.json");
  r.headers = {{"host", "127.0.0.1:9999"}};
  r.target = "/.well-known/jwks.json";
  http::Response k = server.Send(r);
  ASSERT_EQ(k.status, 200);
  auto keys = json::Parse(k.body)->as_object().at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  auto pool = server.IdentityOk(
      "CreateIdentityPool", {{"IdentityPoolName", "p"}, {"AllowUnauthenticatedIdentities", true}});
  auto id = server.IdentityOk("GetId", {{"IdentityPoolId", pool.at("IdentityPoolId")}}, nullptr);
  auto token = server.IdentityOk("GetOpenIdToken", {{"IdentityId", id.at("IdentityId")}}, nullptr);
  auto decoded = auth::DecodeJwt(token.at("Token").as_string());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->kid, keys[0].as_object().at("kid").as_string());
  auto jwks = auth::Jwks::Parse(k.body);
  ASSERT_TRUE(jwks.ok());
  auth::VerifyOptions options;
  options.issuer = "https://cognito-identity.amazonaws.com";
  options.audiences = {std::string(pool.at("IdentityPoolId").as_string())};
  EXPECT_TRUE(
      auth::VerifyJwt(token.at("Token").as_string(), *jwks, options, InProcess::Now()).ok());
}

}  // namespace
}  // namespace cogsync::testing
