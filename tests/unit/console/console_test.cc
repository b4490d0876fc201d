// The web console's server side: its built-in files with their security headers, and the admin
// API's signing rules (D30: developer keys only).

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "console/admin_api.h"
#include "console/assets.h"
#include "console/console_handler.h"
#include "support/in_process.h"

namespace cogsync {
namespace {

using testing::ErrorCode;
using testing::InProcess;

std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

http::Response Get(InProcess& server, const std::string& target, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.target = target;
  r.headers = {{"host", "127.0.0.1:8080"}};
  r.request_id = "test";
  return server.app().handler().Handle(r);
}

// An admin API request signed for the service "cogsync" (or another, to test the scope).
http::Response Admin(InProcess& server, const std::string& target,
                     const auth::sigv4::Credentials& credentials,
                     std::string_view service = console::AdminApi::kSigningService) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  r.headers = {{"host", "127.0.0.1:8080"}};
  r.request_id = "test";
  EXPECT_TRUE(
      auth::sigv4::SignHttpRequest(r, credentials, "us-east-1", service, InProcess::Now()).ok());
  return server.app().handler().Handle(r);
}

TEST(ConsoleAssets, EveryFileIsFoundAndTyped) {
  const auto assets = console::Assets();
  ASSERT_FALSE(assets.empty());
  EXPECT_TRUE(std::is_sorted(assets.begin(), assets.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  for (const auto& asset : assets) {
    EXPECT_EQ(console::FindAsset(asset.path), &asset) << asset.path;
    EXPECT_FALSE(asset.content_type.empty()) << asset.path;
  }
  EXPECT_NE(console::FindAsset("index.html"), nullptr);
  EXPECT_NE(console::FindAsset("js/main.js"), nullptr);
  EXPECT_EQ(console::FindAsset("nope.js"), nullptr);
  EXPECT_EQ(console::FindAsset("../CMakeLists.txt"), nullptr);
}

TEST(ConsoleHandler, ServesFilesWithSecurityHeaders) {
  InProcess server;
  http::Response index = Get(server, "/console/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(HeaderOf(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"js/main.js\"></script>"),
            std::string::npos);
  // No inline script anywhere in the page: the CSP would refuse it.
  EXPECT_EQ(index.body.find("<script>"), std::string::npos);
  EXPECT_EQ(HeaderOf(index, "Content-Security-Policy"), console::kContentSecurityPolicy);
  EXPECT_EQ(HeaderOf(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(index, "X-Frame-Options"), "DENY");

  http::Response script = Get(server, "/console/js/main.js?v=1");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(HeaderOf(script, "Content-Type"), "text/javascript; charset=utf-8");

  http::Response missing = Get(server, "/console/js/../../secret");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(HeaderOf(missing, "Content-Security-Policy"), console::kContentSecurityPolicy);

  http::Response post = Get(server, "/console/", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");

  http::Response bare = Get(server, "/console");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(HeaderOf(bare, "Location"), "/console/");

  http::Request request;
  request.method = "POST";
  request.target = "/console/";
  EXPECT_FALSE(server.app().handler().IsWrite(request));
}

TEST(ConsoleHandler, PassesEverythingElseToTheApis) {
  InProcess server;
  // A Cognito Sync route is still the dispatcher's: unsigned, it is refused as before.
  http::Response sync = Get(server, "/identitypools");
  EXPECT_EQ(ErrorCode(sync), "MissingAuthenticationTokenException");
  EXPECT_TRUE(HeaderOf(sync, "Content-Security-Policy").empty());
}

TEST(AdminApi, AnswersDevelopers) {
  InProcess server;
  http::Response outbox = Admin(server, "/admin/outbox", InProcess::developer());
  ASSERT_EQ(outbox.status, 200) << outbox.body;
  auto parsed = json::Parse(outbox.body);
  ASSERT_TRUE(parsed && parsed->is_object());
  EXPECT_EQ(parsed->as_object().at("Pending").to_number<int64_t>(), 0);
  EXPECT_TRUE(parsed->as_object().at("RunningBulkPublishes").as_array().empty());

  server.app().metrics().RecordRequest("ListRecords", 200, 30);
  http::Response metrics = Admin(server, "/admin/metrics", InProcess::developer());
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_NE(metrics.body.find("{\"Operation\":\"ListRecords\",\"Requests\":1,\"Errors4xx\":0,"
                              "\"Errors5xx\":0,\"LatencyP99Micros\":50}"),
            std::string::npos)
      << metrics.body;

  auto pool = server.IdentityOk("CreateIdentityPool", {{"IdentityPoolName", "admin"},
                                                       {"AllowUnauthenticatedIdentities", true}});
  auto id = server.IdentityOk("GetId", {{"IdentityPoolId", pool.at("IdentityPoolId")}}, nullptr);
  const std::string identity(id.at("IdentityId").as_string());
  const std::string escaped =
      identity.substr(0, identity.find(':')) + "%3A" + identity.substr(identity.find(':') + 1);
  http::Response found =
      Admin(server, "/admin/identity?IdentityId=" + escaped, InProcess::developer());
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find("\"Disabled\":false"), std::string::npos) << found.body;
  EXPECT_EQ(ErrorCode(Admin(server, "/admin/identity", InProcess::developer())),
            "InvalidParameterException");
  EXPECT_EQ(ErrorCode(Admin(server, "/admin/identity?IdentityId=us-east-1%3Anone",
                            InProcess::developer())),
            "ResourceNotFoundException");
}

// The #/pools page's counts: identities and live datasets of one pool, from one read.
TEST(AdminApi, CountsAPoolsIdentitiesAndLiveDatasets) {  // D30
  InProcess server;
  auto make_pool = [&](const char* name) {
    auto pool = server.IdentityOk("CreateIdentityPool", {{"IdentityPoolName", name},
                                                         {"AllowUnauthenticatedIdentities", true}});
    return std::string(pool.at("IdentityPoolId").as_string());
  };
  const std::string pool = make_pool("counted");
  const std::string other = make_pool("other");
  auto escape = [](const std::string& id) {
    return id.substr(0, id.find(':')) + "%3A" + id.substr(id.find(':') + 1);
  };
  auto counts = [&](const std::string& pool_id) -> std::pair<int64_t, int64_t> {
    http::Response r =
        Admin(server, "/admin/pools?IdentityPoolId=" + escape(pool_id), InProcess::developer());
    EXPECT_EQ(r.status, 200) << r.body;
    auto parsed = json::Parse(r.body);
    if (!parsed || !parsed->is_object()) return {-1, -1};
    const auto& o = parsed->as_object();
    EXPECT_EQ(o.at("IdentityPoolId").as_string(), pool_id);
    return {o.at("Identities").to_number<int64_t>(), o.at("Datasets").to_number<int64_t>()};
  };
  EXPECT_EQ(counts(pool), std::make_pair(int64_t{0}, int64_t{0}));

  std::vector<std::string> identities;
  for (int i = 0; i < 3; ++i) {
    auto id = server.IdentityOk("GetId", {{"IdentityPoolId", pool}}, nullptr);
    identities.emplace_back(id.at("IdentityId").as_string());
  }
  server.IdentityOk("GetId", {{"IdentityPoolId", other}}, nullptr);
  auto dataset_path = [&](const std::string& identity, const std::string& dataset) {
    return "/identitypools/" + escape(pool) + "/identities/" + escape(identity) + "/datasets/" +
           dataset;
  };
  // Two datasets for the first identity, one for the second, none for the third.
  for (const auto& [identity, dataset] : std::vector<std::pair<std::string, std::string>>{
           {identities[0], "a"}, {identities[0], "b"}, {identities[1], "a"}}) {
    const std::string path = dataset_path(identity, dataset);
    http::Response list = server.Sync("GET", path + "/records");
    ASSERT_EQ(list.status, 200) << list.body;
    boost::json::object body{
        {"SyncSessionToken", json::Parse(list.body)->at("SyncSessionToken")},
        {"RecordPatches", boost::json::array{boost::json::object{
                              {"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    http::Response update = server.Sync("POST", path, json::Write(body));
    ASSERT_EQ(update.status, 200) << update.body;
  }
  EXPECT_EQ(counts(pool), std::make_pair(int64_t{3}, int64_t{3}));
  EXPECT_EQ(counts(other), std::make_pair(int64_t{1}, int64_t{0}));

  // A deleted dataset keeps a marker row (D17), which is not counted.
  http::Response deleted = server.Sync("DELETE", dataset_path(identities[0], "b"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(counts(pool), std::make_pair(int64_t{3}, int64_t{2}));

  EXPECT_EQ(ErrorCode(Admin(server, "/admin/pools", InProcess::developer())),
            "InvalidParameterException");
  EXPECT_EQ(ErrorCode(Admin(server, "/admin/pools?IdentityPoolId=" + std::string(56, 'x'),
                            InProcess::developer())),
            "InvalidParameterException");
  http::Response missing =
      Admin(server, "/admin/pools?IdentityPoolId=us-east-1%3Anone", InProcess::developer());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "ResourceNotFoundException");
}

TEST(AdminApi, RefusesEveryoneElse) {  // D30
  InProcess server;
  http::Response unsigned_request = Get(server, "/admin/outbox");
  EXPECT_EQ(unsigned_request.status, 403);
  EXPECT_EQ(ErrorCode(unsigned_request), "MissingAuthenticationTokenException");
  // A signature scoped to another service does not open the admin API.
  EXPECT_EQ(ErrorCode(Admin(server, "/admin/outbox", InProcess::developer(), "cognito-sync")),
            "InvalidSignatureException");
  const auth::sigv4::Credentials wrong{testing::kDeveloperKeyId, "not-the-secret", ""};
  EXPECT_EQ(ErrorCode(Admin(server, "/admin/outbox", wrong)), "InvalidSignatureException");
  // A key that does not exist (or was deleted with `cogsync keys delete`).
  const auth::sigv4::Credentials unknown_key{"AKIDNOSUCHKEY0000000", "whatever", ""};
  http::Response unknown_answer = Admin(server, "/admin/outbox", unknown_key);
  EXPECT_EQ(unknown_answer.status, 403);
  EXPECT_EQ(ErrorCode(unknown_answer), "UnrecognizedClientException");

  // Identity credentials, however valid, are refused.
  auto pool = server.IdentityOk("CreateIdentityPool", {{"IdentityPoolName", "admin"},
                                                       {"AllowUnauthenticatedIdentities", true}});
  const boost::json::value pool_id = pool.at("IdentityPoolId");
  server.IdentityOk("SetIdentityPoolRoles",
                    {{"IdentityPoolId", pool_id},
                     {"Roles", {{"unauthenticated", "arn:aws:iam::000000000000:role/U"}}}});
  auto id = server.IdentityOk("GetId", {{"IdentityPoolId", pool_id}}, nullptr);
  auto minted = server.IdentityOk("GetCredentialsForIdentity",
                                  {{"IdentityId", id.at("IdentityId")}}, nullptr);
  const auto& c = minted.at("Credentials").as_object();
  const auth::sigv4::Credentials identity{std::string(c.at("AccessKeyId").as_string()),
                                          std::string(c.at("SecretKey").as_string()),
                                          std::string(c.at("SessionToken").as_string())};
  http::Response refused = Admin(server, "/admin/outbox", identity);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(ErrorCode(refused), "AccessDeniedException");

  // Not even a pool's counts.
  http::Response pool_counts =
      Admin(server, "/admin/pools?IdentityPoolId=" + std::string(pool_id.as_string()), identity);
  EXPECT_EQ(pool_counts.status, 403);
  EXPECT_EQ(ErrorCode(pool_counts), "AccessDeniedException");

  http::Response unknown = Admin(server, "/admin/keys", InProcess::developer());
  EXPECT_EQ(unknown.status, 404);
  http::Request post;
  post.method = "POST";
  post.target = "/admin/outbox";
  EXPECT_EQ(server.app().handler().Handle(post).status, 405);
}

TEST(AdminApi, HistogramQuantile) {
  http::LatencyHistogram empty;
  EXPECT_EQ(console::HistogramQuantileMicros(empty.Read(), 0.99), 0);
  http::LatencyHistogram fast;
  for (int i = 0; i < 99; ++i) fast.Observe(30);
  fast.Observe(2'000'000);
  EXPECT_EQ(console::HistogramQuantileMicros(fast.Read(), 0.99), 50);
  fast.Observe(2'000'000);
  EXPECT_EQ(console::HistogramQuantileMicros(fast.Read(), 0.99), 2'500'000);
  http::LatencyHistogram slow;
  slow.Observe(60'000'000);  // beyond the last bound: the largest finite one
  EXPECT_EQ(console::HistogramQuantileMicros(slow.Read(), 0.99), 10'000'000);
}

}  // namespace
}  // namespace cogsync
