// Datasets, usage (D22), configuration, events, bulk publish (D26) and devices, called on the
// SyncService directly.

#include "common/json.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

using SyncDatasetsTest = SyncTest;
using SyncUsageTest = SyncTest;
using SyncConfigurationTest = SyncTest;
using SyncBulkPublishTest = SyncTest;
using SyncDevicesTest = SyncTest;

bj::object PoolInput(const std::string& pool = kPool) {
  return bj::object{{"IdentityPoolId", pool}};
}
bj::object IdentityInput(const std::string& identity = kIdentity) {
  return bj::object{{"IdentityPoolId", kPool}, {"IdentityId", identity}};
}

TEST_F(SyncDatasetsTest, ListDescribeDelete) {
  clock_.Set(kStartMs + 1000);
  UpdateOk(Ident(), "b-set", {Replace("k", "value", 0)});
  clock_.Set(kStartMs + 2000);
  UpdateOk(Ident(), "a-set", {Replace("k", "v", 0)});
  RequestContext ctx = Ident();
  auto listed = service_->ListDatasets(ctx, IdentityInput());
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  const auto& datasets = listed->as_object().at("Datasets").as_array();
  ASSERT_EQ(datasets.size(), 2u);
  EXPECT_EQ(listed->as_object().at("Count").as_int64(), 2);
  const auto& first = datasets[0].as_object();
  EXPECT_EQ(first.at("DatasetName").as_string(), "a-set");
  EXPECT_EQ(first.at("IdentityId").as_string(), kIdentity);
  EXPECT_EQ(first.at("NumRecords").as_int64(), 1);
  EXPECT_EQ(first.at("DataStorage").as_int64(), 2);
  EXPECT_DOUBLE_EQ(first.at("CreationDate").as_double(), (kStartMs + 2000) / 1000.0);

  auto described = service_->DescribeDataset(ctx, DatasetInput("b-set"));
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->as_object().at("Dataset").as_object().at("DataStorage").as_int64(), 6);
  EXPECT_EQ(CodeOf(service_->DescribeDataset(ctx, DatasetInput("never"))),
            "ResourceNotFoundException");

  auto deleted = service_->DeleteDataset(ctx, DatasetInput("b-set"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->as_object().at("Dataset").as_object().at("DatasetName").as_string(), "b-set");
  auto after = service_->ListDatasets(ctx, IdentityInput());
  EXPECT_EQ(after->as_object().at("Count").as_int64(), 1);
}

TEST_F(SyncDatasetsTest, ListDatasetsPagesAndUnknownIdentityD20) {
  for (int i = 0; i < 5; ++i) UpdateOk(Ident(), "ds" + std::to_string(i), {Replace("k", "v", 0)});
  RequestContext ctx = Dev();
  bj::object in = IdentityInput();
  in["MaxResults"] = 2;
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto r = service_->ListDatasets(ctx, in);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    for (const auto& d : r->as_object().at("Datasets").as_array()) {
      names.emplace_back(d.as_object().at("DatasetName").as_string());
    }
    if (!r->as_object().contains("NextToken")) break;
    in["NextToken"] = r->as_object().at("NextToken");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ds0", "ds1", "ds2", "ds3", "ds4"}));
  in["NextToken"] = "bogus";
  EXPECT_EQ(CodeOf(service_->ListDatasets(ctx, in)), "InvalidParameterException");
  in.erase("NextToken");
  in["MaxResults"] = 0;
  EXPECT_EQ(CodeOf(service_->ListDatasets(ctx, in)), "InvalidParameterException");
  // No ResourceNotFound in ListDatasets: an unknown identity lists nothing.
  auto unknown = service_->ListDatasets(ctx, IdentityInput(kUnknown));
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->as_object().at("Datasets").as_array().empty());
  // Operations that list ResourceNotFound use it.
  EXPECT_EQ(CodeOf(service_->DescribeDataset(ctx, DatasetInput("ds0", kUnknown))),
            "ResourceNotFoundException");
  bj::object other_pool = DatasetInput("ds0");
  other_pool["IdentityPoolId"] = "us-east-1:00000000-0000-0000-0000-00000000dead";
  auto missing_pool = service_->DescribeDataset(ctx, other_pool);
  ASSERT_EQ(CodeOf(missing_pool), "ResourceNotFoundException");
  EXPECT_EQ(missing_pool.error().message(),
            "IdentityPool 'us-east-1:00000000-0000-0000-0000-00000000dead' not found.");
}

// D22: identity usage, zeros when there is no data.
TEST_F(SyncUsageTest, DescribeIdentityUsageD22) {
  RequestContext ctx = Dev();
  auto empty = service_->DescribeIdentityUsage(ctx, IdentityInput());
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  const auto& zero = empty->as_object().at("IdentityUsage").as_object();
  EXPECT_EQ(zero.at("DatasetCount").as_int64(), 0);
  EXPECT_EQ(zero.at("DataStorage").as_int64(), 0);
  EXPECT_EQ(zero.at("IdentityPoolId").as_string(), kPool);
  clock_.Set(kStartMs + 5000);
  UpdateOk(Ident(), "a", {Replace("key", "value", 0)});
  UpdateOk(Ident(), "b", {Replace("k", "v", 0)});
  auto usage = service_->DescribeIdentityUsage(ctx, IdentityInput());
  const auto& u = usage->as_object().at("IdentityUsage").as_object();
  EXPECT_EQ(u.at("DatasetCount").as_int64(), 2);
  EXPECT_EQ(u.at("DataStorage").as_int64(), 10);
  EXPECT_DOUBLE_EQ(u.at("LastModifiedDate").as_double(), (kStartMs + 5000) / 1000.0);
  EXPECT_EQ(CodeOf(service_->DescribeIdentityUsage(ctx, IdentityInput(kUnknown))),
            "ResourceNotFoundException");
}

// D22: SyncSessionsCount counts ListRecords calls that issued a token, flushed or not.
TEST_F(SyncUsageTest, PoolUsageCountsSessionsD22) {
  RequestContext ctx = Dev();
  auto none = service_->DescribeIdentityPoolUsage(ctx, PoolInput());
  ASSERT_TRUE(none.ok());
  const auto& n = none->as_object().at("IdentityPoolUsage").as_object();
  EXPECT_EQ(n.at("SyncSessionsCount").as_int64(), 0);  // never null
  EXPECT_EQ(n.at("DataStorage").as_int64(), 0);

  UpdateOk(Ident(), "a", {Replace("key", "value", 0)});               // 1 session (Token())
  const std::string token = Token("a");                               // 2
  ListOk(Ident(), "a", 0, kIdentity, {{"SyncSessionToken", token}});  // continues: not counted
  ListOk(Ident(), "b");                                               // 3
  auto before_flush = service_->DescribeIdentityPoolUsage(ctx, PoolInput());
  EXPECT_EQ(before_flush->as_object()
                .at("IdentityPoolUsage")
                .as_object()
                .at("SyncSessionsCount")
                .as_int64(),
            3);
  ASSERT_TRUE(service_->FlushSessionCounts().ok());
  auto after_flush = service_->DescribeIdentityPoolUsage(ctx, PoolInput());
  const auto& u = after_flush->as_object().at("IdentityPoolUsage").as_object();
  EXPECT_EQ(u.at("SyncSessionsCount").as_int64(), 3);
  EXPECT_EQ(u.at("DataStorage").as_int64(), 8);
  EXPECT_DOUBLE_EQ(u.at("LastModifiedDate").as_double(), kStartMs / 1000.0);
  // The store holds them now (a second flush adds nothing).
  ASSERT_TRUE(service_->FlushSessionCounts().ok());
  int64_t stored = 0;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(auto usage, txn.GetPoolUsage(kPool));
                    stored = usage.sync_sessions;
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(stored, 3);
  EXPECT_EQ(CodeOf(service_->DescribeIdentityPoolUsage(ctx, PoolInput(kUnknown))),
            "ResourceNotFoundException");
}

// D22: Stop() flushes what is pending (shutdown loses nothing).
TEST_F(SyncUsageTest, StopFlushesPendingSessionsD22) {
  ListOk(Ident(), "a");
  ListOk(Ident(), "b");
  service_->Stop();
  int64_t stored = 0;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(auto usage, txn.GetPoolUsage(kPool));
                    stored = usage.sync_sessions;
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(stored, 2);
}

// D20 / D22: ListIdentityPoolUsage pages of pools with MaxResults echoed.
TEST_F(SyncUsageTest, ListIdentityPoolUsagePagesD20) {
  AddPool("us-east-1:22222222-0000-0000-0000-000000000000");
  AddPool("us-east-1:33333333-0000-0000-0000-000000000000");
  ListOk(Ident(), "a");
  RequestContext ctx = Dev();
  bj::object in{{"MaxResults", 2}};
  auto first = service_->ListIdentityPoolUsage(ctx, in);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  const auto& page1 = first->as_object();
  EXPECT_EQ(page1.at("MaxResults").as_int64(), 2);
  EXPECT_EQ(page1.at("Count").as_int64(), 2);
  const auto& usages = page1.at("IdentityPoolUsages").as_array();
  EXPECT_EQ(usages[0].as_object().at("IdentityPoolId").as_string(), kPool);
  EXPECT_EQ(usages[0].as_object().at("SyncSessionsCount").as_int64(), 1);
  EXPECT_EQ(usages[1].as_object().at("SyncSessionsCount").as_int64(), 0);
  in["NextToken"] = page1.at("NextToken");
  auto second = service_->ListIdentityPoolUsage(ctx, in);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->as_object().at("Count").as_int64(), 1);
  EXPECT_FALSE(second->as_object().contains("NextToken"));
  auto all = service_->ListIdentityPoolUsage(ctx, bj::object{{"MaxResults", 1000}});
  EXPECT_EQ(all->as_object().at("MaxResults").as_int64(), 60);
  EXPECT_EQ(all->as_object().at("Count").as_int64(), 3);
  EXPECT_EQ(CodeOf(service_->ListIdentityPoolUsage(ctx, bj::object{{"MaxResults", 0}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(service_->ListIdentityPoolUsage(ctx, bj::object{{"NextToken", "nope"}})),
            "InvalidParameterException");
}

TEST_F(SyncConfigurationTest, SetAndGetRoundTrip) {
  RequestContext ctx = Dev();
  auto initial = service_->GetIdentityPoolConfiguration(ctx, PoolInput());
  ASSERT_TRUE(initial.ok());
  EXPECT_EQ(initial->as_object().at("IdentityPoolId").as_string(), kPool);
  EXPECT_FALSE(initial->as_object().contains("PushSync"));
  EXPECT_FALSE(initial->as_object().contains("CognitoStreams"));

  bj::object push{
      {"ApplicationArns", bj::array{"arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"}},
      {"RoleArn", "arn:aws:iam::123456789012:role/push"}};
  bj::object in = PoolInput();
  in["PushSync"] = push;
  in["CognitoStreams"] =
      bj::object{{"StreamName", "stream"}, {"RoleArn", "arn:aws:iam::123456789012:role/streams"}};
  auto set = service_->SetIdentityPoolConfiguration(ctx, in);
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->as_object().at("PushSync").as_object(), push);
  // StreamingStatus defaults to DISABLED.
  EXPECT_EQ(set->as_object().at("CognitoStreams").as_object().at("StreamingStatus").as_string(),
            "DISABLED");

  // Members given replace, absent ones are kept.
  bj::object streams_only = PoolInput();
  streams_only["CognitoStreams"] =
      bj::object{{"StreamName", "other"}, {"StreamingStatus", "ENABLED"}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(ctx, streams_only).ok());
  auto got = service_->GetIdentityPoolConfiguration(ctx, PoolInput());
  EXPECT_EQ(got->as_object().at("PushSync").as_object(), push);
  EXPECT_EQ(got->as_object().at("CognitoStreams").as_object().at("StreamName").as_string(),
            "other");
  EXPECT_EQ(got->as_object().at("CognitoStreams").as_object().at("StreamingStatus").as_string(),
            "ENABLED");
  EXPECT_EQ(CodeOf(service_->GetIdentityPoolConfiguration(ctx, PoolInput(kUnknown))),
            "ResourceNotFoundException");
}

TEST_F(SyncConfigurationTest, CognitoEventsValidationAndMerge) {
  RequestContext ctx = Dev();
  auto none = service_->GetCognitoEvents(ctx, PoolInput());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->as_object().at("Events").as_object().empty());  // always an object

  auto set = [&](bj::object events) {
    bj::object in = PoolInput();
    in["Events"] = std::move(events);
    return service_->SetCognitoEvents(ctx, in);
  };
  const std::string arn = "arn:aws:lambda:us-east-1:123456789012:function:sync-trigger";
  auto ok = set({{"SyncTrigger", arn}});
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_TRUE(ok->is_null());  // no output shape
  auto got = service_->GetCognitoEvents(ctx, PoolInput());
  EXPECT_EQ(got->as_object().at("Events").as_object().at("SyncTrigger").as_string(), arn);

  EXPECT_EQ(CodeOf(set({{"OtherEvent", arn}})), "InvalidParameterException");
  EXPECT_EQ(CodeOf(set({{"SyncTrigger", "not-an-arn"}})), "InvalidParameterException");
  EXPECT_EQ(CodeOf(set({{"SyncTrigger", "arn:aws:sns:us-east-1:123456789012:function:x"}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(set({{"SyncTrigger", "arn:aws:lambda:us-east-1:1234:function:x"}})),
            "InvalidParameterException");
  EXPECT_TRUE(set({{"SyncTrigger", arn + ":$LATEST"}}).ok());
  // An empty value removes the key.
  ASSERT_TRUE(set({{"SyncTrigger", ""}}).ok());
  EXPECT_TRUE(
      service_->GetCognitoEvents(ctx, PoolInput())->as_object().at("Events").as_object().empty());
}

// D26: configuration checks, the run (to the stream file sink), and the state rules.
TEST_F(SyncBulkPublishTest, StateMachineD26) {
  RequestContext ctx = Dev();
  auto details = [&] {
    auto r = service_->GetBulkPublishDetails(ctx, PoolInput());
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->as_object() : bj::object();
  };
  EXPECT_EQ(details().at("BulkPublishStatus").as_string(), "NOT_STARTED");
  EXPECT_EQ(CodeOf(service_->BulkPublish(ctx, PoolInput())), "InvalidParameterException");
  bj::object in = PoolInput();
  in["CognitoStreams"] = bj::object{{"StreamName", "s"}, {"StreamingStatus", "DISABLED"}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(ctx, in).ok());
  EXPECT_EQ(CodeOf(service_->BulkPublish(ctx, PoolInput())), "InvalidParameterException");
  in["CognitoStreams"] = bj::object{{"StreamName", "s"}, {"StreamingStatus", "ENABLED"}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(ctx, in).ok());

  auto run = service_->BulkPublish(ctx, PoolInput());
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  EXPECT_EQ(run->as_object().at("IdentityPoolId").as_string(), kPool);
  bj::object started = details();
  EXPECT_EQ(started.at("BulkPublishStatus").as_string(), "IN_PROGRESS");
  EXPECT_DOUBLE_EQ(started.at("BulkPublishStartTime").as_double(), kStartMs / 1000.0);
  EXPECT_FALSE(started.contains("BulkPublishCompleteTime"));
  EXPECT_EQ(CodeOf(service_->BulkPublish(ctx, PoolInput())), "DuplicateRequestException");

  clock_.Advance(1500);
  bulk_->RunPendingForTesting();
  bj::object done = details();
  EXPECT_EQ(done.at("BulkPublishStatus").as_string(), "SUCCEEDED");
  EXPECT_DOUBLE_EQ(done.at("BulkPublishCompleteTime").as_double(), (kStartMs + 1500) / 1000.0);
  EXPECT_FALSE(done.contains("FailureMessage"));
  clock_.Advance(23 * 3600 * 1000);
  EXPECT_EQ(CodeOf(service_->BulkPublish(ctx, PoolInput())), "AlreadyStreamedException");
  clock_.Advance(2 * 3600 * 1000);
  EXPECT_TRUE(service_->BulkPublish(ctx, PoolInput()).ok());

  // A FAILED run does not start the 24-hour window.
  MustWrite([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, txn.GetPool(kPool));
    store::Pool pool = *current;
    pool.bulk_publish = bj::object{{"BulkPublishStatus", "FAILED"},
                                   {"BulkPublishStartTime", kStartMs},
                                   {"BulkPublishCompleteTime", kStartMs},
                                   {"FailureMessage", "sink down"}};
    return txn.PutPool(pool);
  });
  EXPECT_TRUE(service_->BulkPublish(ctx, PoolInput()).ok());
  EXPECT_EQ(CodeOf(service_->GetBulkPublishDetails(ctx, PoolInput(kUnknown))),
            "ResourceNotFoundException");
}

TEST_F(SyncDevicesTest, RegisterSubscribeUnsubscribe) {
  RequestContext dev = Dev();
  RequestContext me = Ident();
  bj::object reg = IdentityInput();
  reg["Platform"] = "GCM";
  reg["Token"] = "push-token-1";
  // No PushSync at all: InvalidConfiguration.
  EXPECT_EQ(CodeOf(service_->RegisterDevice(me, reg)), "InvalidConfigurationException");
  bj::object cfg = PoolInput();
  cfg["PushSync"] = bj::object{
      {"ApplicationArns", bj::array{"arn:aws:sns:us-east-1:123456789012:app/GCM/a",
                                    "arn:aws:sns:us-east-1:123456789012:app/APNS_SANDBOX/b"}}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(dev, cfg).ok());
  bj::object apns = reg;
  apns["Platform"] = "APNS";  // only APNS_SANDBOX is configured
  EXPECT_EQ(CodeOf(service_->RegisterDevice(me, apns)), "InvalidConfigurationException");

  auto first = service_->RegisterDevice(me, reg);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  const std::string device(first->as_object().at("DeviceId").as_string());
  EXPECT_EQ(device.size(), 36u);
  auto again = service_->RegisterDevice(me, reg);
  EXPECT_EQ(again->as_object().at("DeviceId").as_string(), device);  // same identity+platform+token
  bj::object other_token = reg;
  other_token["Token"] = "push-token-2";
  EXPECT_NE(service_->RegisterDevice(me, other_token)->as_object().at("DeviceId").as_string(),
            device);

  // D19: only existing datasets can be subscribed to.
  bj::object sub = DatasetInput("not-yet-created");
  sub["DeviceId"] = device;
  EXPECT_EQ(CodeOf(service_->SubscribeToDataset(me, sub)), "ResourceNotFoundException");
  UpdateOk(dev, "not-yet-created", bj::array{Replace("k", "v", 0)});
  auto subscribed = service_->SubscribeToDataset(me, sub);
  ASSERT_TRUE(subscribed.ok()) << subscribed.error().ToString();
  EXPECT_TRUE(subscribed->as_object().empty());
  std::vector<store::Subscription> subs;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(subs,
                                             txn.ListSubscriptions(kIdentity, "not-yet-created"));
                    return OkStatus();
                  })
                  .ok());
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].device_id, device);

  ASSERT_TRUE(service_->UnsubscribeFromDataset(me, sub).ok());
  ASSERT_TRUE(service_->UnsubscribeFromDataset(me, sub).ok());  // not subscribed: fine
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(subs,
                                             txn.ListSubscriptions(kIdentity, "not-yet-created"));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_TRUE(subs.empty());

  // A device of another identity, or none, is not found.
  RequestContext them = Ident(kOther);
  bj::object their_sub = DatasetInput("ds", kOther);
  their_sub["DeviceId"] = device;
  EXPECT_EQ(CodeOf(service_->SubscribeToDataset(them, their_sub)), "ResourceNotFoundException");
  sub["DeviceId"] = "no-such-device";
  EXPECT_EQ(CodeOf(service_->SubscribeToDataset(me, sub)), "ResourceNotFoundException");
  EXPECT_EQ(CodeOf(service_->UnsubscribeFromDataset(me, sub)), "ResourceNotFoundException");
}

}  // namespace
}  // namespace cogsync::sync::testing
