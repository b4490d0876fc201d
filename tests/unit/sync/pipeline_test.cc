// Cognito Sync through the whole request pipeline: protocol::Dispatcher with SigV4-signed,
// REST-shaped http::Requests (path labels with %3A and with raw ':', query parameters, the
// x-amz-Client-Context header), identity credentials (D9), the legacy X-Amz-Target form (D5)
// and the error encoding (D2).

#include <chrono>

#include "auth/authenticator.h"
#include "auth/session_credentials.h"
#include "auth/sigv4.h"
#include "common/json.h"
#include "protocol/dispatcher.h"
#include "protocol/operations.h"
#include "support/in_process.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

constexpr char kKeyId[] = "AKIDSYNCPIPELINE0001";
constexpr char kSecret[] = "sync-pipeline-secret-000000000000000000";
constexpr char kPoolEncoded[] = "us-east-1%3A11111111-2222-3333-4444-555555555555";
constexpr char kIdentityEncoded[] = "us-east-1%3Aaaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

class SyncPipelineTest : public SyncTest {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    MustWrite([](store::Txn& txn) {
      return txn.PutAccessKey(store::AccessKey{kKeyId, kSecret, "pipeline-developer", 0});
    });
    authenticator_ = std::make_unique<auth::Authenticator>(*store_, credentials_, system_clock_);
    dispatcher_ = std::make_unique<protocol::Dispatcher>(
        protocol::SyncOperationTable(*service_), *authenticator_,
        auth::ArnContext{"us-east-1", "000000000000"}, protocol::ExtraEndpoints{});
    // The service's clock follows real time here, so tokens and signatures agree.
    clock_.Set(system_clock_.NowMillis());
  }
  void TearDown() override {
    dispatcher_.reset();
    authenticator_.reset();
    SyncTest::TearDown();
  }

  http::Response Send(const std::string& method, const std::string& target, std::string body = "",
                      const auth::sigv4::Credentials* credentials = nullptr,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.headers = {{"host", "cognito-sync.us-east-1.amazonaws.com"}};
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    for (auto& h : headers) r.headers.push_back(std::move(h));
    r.body = std::move(body);
    r.request_id = "req-1";
    const auth::sigv4::Credentials& creds = credentials != nullptr ? *credentials : developer_;
    EXPECT_TRUE(auth::sigv4::SignHttpRequest(r, creds, "us-east-1", "cognito-sync",
                                             system_clock_.NowSeconds())
                    .ok());
    return dispatcher_->Handle(r);
  }
  static bj::object Body(const http::Response& r) {
    auto parsed = json::Parse(r.body);
    return parsed && parsed->is_object() ? parsed->get_object() : bj::object();
  }
  static std::string ErrorType(const http::Response& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "x-amzn-ErrorType") return v;
    }
    return "";
  }
  auth::sigv4::Credentials IdentityCredentials(const std::string& identity) {
    auto minted = credentials_.Mint(kPool, identity, true, "arn:aws:iam::000000000000:role/auth",
                                    system_clock_.NowMillis());
    return auth::sigv4::Credentials{minted.access_key_id, minted.secret_key, minted.session_token};
  }
  std::string RecordsPath(const std::string& pool, const std::string& identity,
                          const std::string& dataset) {
    return "/identitypools/" + pool + "/identities/" + identity + "/datasets/" + dataset;
  }

  SystemClock system_clock_;
  auth::SessionCredentials credentials_{sealer_};
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<protocol::Dispatcher> dispatcher_;
  const auth::sigv4::Credentials developer_{kKeyId, kSecret, ""};
};

TEST_F(SyncPipelineTest, ListThenUpdateWithEncodedAndRawLabels) {
  // As botocore sends it: %3A in the labels, integers in the query.
  http::Response listed = Send("GET", RecordsPath(kPoolEncoded, kIdentityEncoded, "settings") +
                                          "/records?lastSyncCount=0&maxResults=1024");
  ASSERT_EQ(listed.status, 200) << listed.body;
  bj::object list_body = Body(listed);
  EXPECT_FALSE(list_body.at("DatasetExists").as_bool());
  EXPECT_TRUE(list_body.at("Records").as_array().empty());  // D4
  const std::string token(list_body.at("SyncSessionToken").as_string());

  // As the old Java/Android marshallers send it: raw ':' in the labels.
  bj::object update{{"SyncSessionToken", token},
                    {"RecordPatches", bj::array{bj::object{{"Op", "replace"},
                                                           {"Key", "theme"},
                                                           {"Value", "dark"},
                                                           {"SyncCount", 0},
                                                           {"DeviceLastModifiedDate", 1.7e9}}}}};
  http::Response updated =
      Send("POST", RecordsPath(kPool, kIdentity, "settings"), json::Write(update), nullptr,
           {{"x-amz-client-context", "eyJjbGllbnQiOnt9fQ=="}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  const bj::object updated_body = Body(updated);
  const auto& records = updated_body.at("Records").as_array();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].as_object().at("SyncCount").as_int64(), 1);
  EXPECT_EQ(records[0].as_object().at("LastModifiedBy").as_string(), "pipeline-developer");  // D21
  EXPECT_NE(updated.body.find("\"DeviceLastModifiedDate\":1700000000"), std::string::npos)
      << updated.body;  // D6: plain decimal, not exponent form

  // D15 on the wire: 409, the error type header and AWS's message.
  http::Response conflict =
      Send("POST", RecordsPath(kPoolEncoded, kIdentityEncoded, "settings"), json::Write(update));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(ErrorType(conflict), "ResourceConflictException");
  EXPECT_EQ(Body(conflict).at("message").as_string(), "Current SyncCount for: theme is: 1 not: 0");

  http::Response describe = Send("GET", RecordsPath(kPoolEncoded, kIdentityEncoded, "settings"));
  ASSERT_EQ(describe.status, 200) << describe.body;
  EXPECT_EQ(Body(describe).at("Dataset").as_object().at("NumRecords").as_int64(), 1);

  http::Response deleted = Send("DELETE", RecordsPath(kPoolEncoded, kIdentityEncoded, "settings"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  http::Response gone = Send("GET", RecordsPath(kPoolEncoded, kIdentityEncoded, "settings"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorType(gone), "ResourceNotFoundException");
}

// D9: identity credentials reach their own identity's data and nothing else.
TEST_F(SyncPipelineTest, IdentityCredentialsD9) {
  auto mine = IdentityCredentials(kIdentity);
  http::Response own =
      Send("GET", RecordsPath(kPoolEncoded, kIdentityEncoded, "ds") + "/records", "", &mine);
  EXPECT_EQ(own.status, 200) << own.body;
  http::Response other =
      Send("GET",
           RecordsPath(kPoolEncoded, "us-east-1%3A00000000-0000-0000-0000-000000000002", "ds") +
               "/records",
           "", &mine);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(ErrorType(other), "NotAuthorizedException");
  // Developer-only operations refuse identity credentials...
  http::Response events =
      Send("GET", std::string("/identitypools/") + kPoolEncoded + "/events", "", &mine);
  EXPECT_EQ(events.status, 403);
  // ... and identity-only operations refuse developer credentials.
  http::Response device = Send(
      "POST",
      std::string("/identitypools/") + kPoolEncoded + "/identity/" + kIdentityEncoded + "/device",
      R"({"Platform":"GCM","Token":"t"})");
  EXPECT_EQ(device.status, 403);
  EXPECT_EQ(ErrorType(device), "NotAuthorizedException");
  // With its own credentials the identity gets to the handler (no PushSync configured).
  http::Response device_own = Send(
      "POST",
      std::string("/identitypools/") + kPoolEncoded + "/identity/" + kIdentityEncoded + "/device",
      R"({"Platform":"GCM","Token":"t"})", &mine);
  EXPECT_EQ(device_own.status, 400);
  EXPECT_EQ(ErrorType(device_own), "InvalidConfigurationException");
}

// D5: the legacy form from the API Reference samples reaches the same handlers.
TEST_F(SyncPipelineTest, LegacyTargetFormD5) {
  AddPool("us-east-1:22222222-0000-0000-0000-000000000000");
  AddPool("us-east-1:33333333-0000-0000-0000-000000000000");
  http::Response r =
      Send("POST", "/", R"({ "MaxResults": "2" })", nullptr,
           {{"x-amz-target",
             "com.amazonaws.cognito.sync.model.AWSCognitoSyncService.ListIdentityPoolUsage"}});
  ASSERT_EQ(r.status, 200) << r.body;
  bj::object body = Body(r);
  EXPECT_EQ(body.at("Count").as_int64(), 2);
  EXPECT_EQ(body.at("MaxResults").as_int64(), 2);
  EXPECT_EQ(
      body.at("IdentityPoolUsages").as_array()[0].as_object().at("SyncSessionsCount").as_int64(),
      0);
  EXPECT_TRUE(body.contains("NextToken"));

  http::Response usage = Send(
      "POST", "/",
      std::string(R"({"IdentityPoolId":")") + kPool + R"(","IdentityId":")" + kIdentity + "\"}",
      nullptr, {{"x-amz-target", "AWSCognitoSyncService.DescribeIdentityUsage"}});
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(Body(usage).at("IdentityUsage").as_object().at("DatasetCount").as_int64(), 0);
}

// D20 through the query string; configuration and events over REST.
TEST_F(SyncPipelineTest, QueryParametersAndConfiguration) {
  http::Response zero = Send("GET", std::string("/identitypools/") + kPoolEncoded + "/identities/" +
                                        kIdentityEncoded + "/datasets?maxResults=0");
  EXPECT_EQ(zero.status, 400) << zero.body;
  EXPECT_EQ(ErrorType(zero), "InvalidParameterException");

  const std::string events_path = std::string("/identitypools/") + kPoolEncoded + "/events";
  http::Response set =
      Send("POST", events_path,
           R"({"Events":{"SyncTrigger":"arn:aws:lambda:us-east-1:123456789012:function:f"}})");
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_TRUE(set.body.empty());  // SetCognitoEvents has no output shape
  http::Response got = Send("GET", events_path);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got).at("Events").as_object().at("SyncTrigger").as_string(),
            "arn:aws:lambda:us-east-1:123456789012:function:f");

  const std::string config_path = std::string("/identitypools/") + kPoolEncoded + "/configuration";
  http::Response cfg = Send("POST", config_path,
                            R"({"CognitoStreams":{"StreamName":"s","StreamingStatus":"ENABLED"}})");
  ASSERT_EQ(cfg.status, 200) << cfg.body;
  http::Response publish =
      Send("POST", std::string("/identitypools/") + kPoolEncoded + "/bulkpublish");
  ASSERT_EQ(publish.status, 200) << publish.body;
  http::Response details =
      Send("POST", std::string("/identitypools/") + kPoolEncoded + "/getBulkPublishDetails");
  ASSERT_EQ(details.status, 200) << details.body;
  // D26: the run happens in the background; this dispatcher-level test only sees it start.
  const std::string status(Body(details).at("BulkPublishStatus").as_string());
  EXPECT_TRUE(status == "IN_PROGRESS" || status == "SUCCEEDED") << status;

  http::Response pool_usage = Send("GET", std::string("/identitypools/") + kPoolEncoded);
  ASSERT_EQ(pool_usage.status, 200) << pool_usage.body;
  EXPECT_EQ(Body(pool_usage).at("IdentityPoolUsage").as_object().at("IdentityPoolId").as_string(),
            kPool);
}

// The composition root serves both services on one dispatcher: a pool created through Cognito
// Identity shows up in Cognito Sync's usage list.
TEST(SyncApplicationTest, SyncOperationsAreWired) {
  cogsync::testing::InProcess server;
  bj::object pool =
      server.IdentityOk("CreateIdentityPool",
                        {{"IdentityPoolName", "wired"}, {"AllowUnauthenticatedIdentities", true}});
  http::Request r;
  r.method = "GET";
  r.target = "/identitypools?maxResults=10";
  r.headers = {{"host", "127.0.0.1:8080"}};
  ASSERT_TRUE(auth::sigv4::SignHttpRequest(r, cogsync::testing::InProcess::developer(), "us-east-1",
                                           "cognito-sync", cogsync::testing::InProcess::Now())
                  .ok());
  http::Response response = server.Send(r);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = json::Parse(response.body);
  ASSERT_TRUE(body && body->is_object());
  const auto& usages = body->as_object().at("IdentityPoolUsages").as_array();
  ASSERT_EQ(usages.size(), 1u);
  EXPECT_EQ(usages[0].as_object().at("IdentityPoolId"), pool.at("IdentityPoolId"));
}

}  // namespace
}  // namespace cogsync::sync::testing
