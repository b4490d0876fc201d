#include "protocol/rest_router.h"

#include <gtest/gtest.h>

namespace cogsync::protocol {
namespace {

http::Request Req(std::string method, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

const char kPool[] = "us-east-1%3A11111111-2222-3333-4444-555555555555";

TEST(RestRouter, RoutesEveryOperationOfTheModel) {
  RestRouter router(model::SyncModel());
  for (const auto& op : model::SyncModel().operations) {
    std::string path(op.request_uri);
    for (std::string label : {"{IdentityPoolId}", "{IdentityId}", "{DatasetName}", "{DeviceId}"}) {
      if (auto at = path.find(label); at != std::string::npos) path.replace(at, label.size(), "x");
    }
    auto match = router.Match(Req(std::string(op.http_method), path));
    ASSERT_TRUE(match.ok()) << op.name << ": " << match.error().ToString();
    EXPECT_EQ(match->operation->name, op.name);
  }
}

// Labels arrive percent-encoded (botocore, JS) or raw (old Java/Android marshallers).
TEST(RestRouter, LabelsEncodedOrRawAndQueryMembers) {
  RestRouter router(model::SyncModel());
  auto encoded = router.Match(Req("GET", std::string("/identitypools/") + kPool +
                                             "/identities/us-east-1%3Aabc/datasets/settings/records"
                                             "?lastSyncCount=3&maxResults=1024&ignored=1"));
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->operation->name, "ListRecords");
  EXPECT_EQ(encoded->input.at("IdentityPoolId").as_string(),
            "us-east-1:11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(encoded->input.at("IdentityId").as_string(), "us-east-1:abc");
  EXPECT_EQ(encoded->input.at("LastSyncCount").as_string(), "3");
  EXPECT_EQ(encoded->input.at("MaxResults").as_string(), "1024");
  EXPECT_FALSE(encoded->input.contains("ignored"));
  auto raw = router.Match(Req("GET", "/identitypools/us-east-1:p/identities/us-east-1:i/datasets"));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->operation->name, "ListDatasets");
  EXPECT_EQ(raw->input.at("IdentityId").as_string(), "us-east-1:i");
}

TEST(RestRouter, HeaderMemberAndSingularIdentityPath) {
  RestRouter router(model::SyncModel());
  http::Request r = Req("POST", "/identitypools/p/identities/i/datasets/d");
  r.headers.emplace_back("x-amz-client-context", "eyJjbGllbnQiOnt9fQ==");
  auto match = router.Match(r);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ(match->operation->name, "UpdateRecords");
  EXPECT_EQ(match->input.at("ClientContext").as_string(), "eyJjbGllbnQiOnt9fQ==");
  auto device = router.Match(Req("POST", "/identitypools/p/identity/i/device"));
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->operation->name, "RegisterDevice");
}

TEST(RestRouter, BadRequests) {
  RestRouter router(model::SyncModel());
  auto unknown = router.Match(Req("GET", "/nothing/here"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().sync_status(), HttpStatus::kNotFound);
  auto method = router.Match(Req("PUT", "/identitypools/p/identities/i/datasets/d"));
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.error().sync_status(), HttpStatus::kMethodNotAllowed);
  for (const char* bad : {"/identitypools/p/identities/a%2Fb/datasets",   // encoded '/'
                          "/identitypools/p/identities/%ff%fe/datasets",  // not UTF-8
                          "/identitypools/p/identities/%zz/datasets"}) {  // bad escape
    auto r = router.Match(Req("GET", bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), "InvalidParameterException") << bad;
  }
}

}  // namespace
}  // namespace cogsync::protocol
