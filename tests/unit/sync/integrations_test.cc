// What changes owe the outside (D24-D26), in-process: the outbox entries UpdateRecords and
// DeleteDataset write, their delivery to the stream file sink by the dispatcher, push
// notifications with the origin device left out, bulk publishing of every dataset, and the
// SyncTrigger's event and answer rules. The real sinks (Kinesis, Lambda, SNS, webhooks) are
// exercised by tests/compat/integrations_*_test.py.

#include <fstream>

#include "common/json.h"
#include "sync/stream_records.h"
#include "sync/sync_fixture.h"
#include "sync/sync_trigger.h"

namespace cogsync::sync::testing {
namespace {

using SyncIntegrationsTest = SyncTest;

std::vector<store::OutboxEntry> Outbox(store::Store& store) {
  std::vector<store::OutboxEntry> out;
  Status s = store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(out, txn.ListOutbox(store::OutboxCursor{}, 1000));
    return OkStatus();
  });
  EXPECT_TRUE(s.ok());
  return out;
}

std::vector<bj::object> StreamFile(const std::filesystem::path& dir) {
  std::vector<bj::object> lines;
  std::ifstream in(dir / "streams" / (std::string(kPool) + ".jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    auto v = json::Parse(line);
    EXPECT_TRUE(v && v->is_object()) << line;
    if (v && v->is_object()) lines.push_back(v->as_object());
  }
  return lines;
}

class StreamsTest : public SyncIntegrationsTest {
 protected:
  void EnableStreams(const std::string& status = "ENABLED") {
    bj::object in{
        {"IdentityPoolId", kPool},
        {"CognitoStreams", bj::object{{"StreamName", "stream-1"}, {"StreamingStatus", status}}}};
    RequestContext ctx = Dev();
    ASSERT_TRUE(service_->SetIdentityPoolConfiguration(ctx, in).ok());
  }
};

TEST_F(StreamsTest, DisabledStreamingWritesNothing) {
  EnableStreams("DISABLED");
  UpdateOk(Dev(), "ds", bj::array{Replace("a", "1", 0)});
  EXPECT_TRUE(Outbox(*store_).empty());
}

TEST_F(StreamsTest, EveryUpdateAndDeletionBecomesOneRecordInOrderD24) {
  EnableStreams();
  UpdateOk(Ident(), "ds", bj::array{Replace("a", "1", 0), Replace("b", "2", 0)});
  clock_.Advance(10);
  UpdateOk(Ident(), "ds", bj::array{Replace("a", "3", 1), Remove("b", 1)});
  clock_.Advance(10);
  RequestContext ctx = Dev();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput("ds")).ok());
  // Written in the changes' transactions, in revision order, nothing delivered yet.
  std::vector<store::OutboxEntry> pending = Outbox(*store_);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].position, 2);
  EXPECT_EQ(pending[1].position, 4);
  EXPECT_EQ(pending[2].position, 5);  // the deletion at count 2

  dispatcher_->RunPassForTesting();
  EXPECT_TRUE(Outbox(*store_).empty());
  EXPECT_EQ(dispatcher_->stats().delivered, 3);
  std::vector<bj::object> lines = StreamFile(dir_);
  ASSERT_EQ(lines.size(), 3u);
  const bj::object& first = lines[0];
  EXPECT_EQ(first.at("identityPoolId").as_string(), kPool);
  EXPECT_EQ(first.at("identityId").as_string(), kIdentity);
  EXPECT_EQ(first.at("dataSetName").as_string(), "ds");
  EXPECT_EQ(first.at("operation").as_string(), "replace");
  EXPECT_EQ(first.at("syncCount").as_int64(), 1);
  EXPECT_EQ(first.at("lastModifiedDate").as_int64(), kStartMs);  // epoch milliseconds
  EXPECT_EQ(first.at("payloadType").as_string(), "Inline");
  const bj::array& records = first.at("kinesisSyncRecords").as_array();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("key").as_string(), "a");
  EXPECT_EQ(records[0].at("value").as_string(), "1");
  EXPECT_EQ(records[0].at("op").as_string(), "replace");
  EXPECT_EQ(records[0].at("syncCount").as_int64(), 1);
  EXPECT_EQ(records[0].at("lastModifiedBy").as_string(), kIdentity);
  EXPECT_EQ(records[0].at("deviceLastModifiedDate").as_int64(), kStartMs);  // none sent

  const bj::array& second = lines[1].at("kinesisSyncRecords").as_array();
  EXPECT_EQ(lines[1].at("syncCount").as_int64(), 2);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[1].at("key").as_string(), "b");
  EXPECT_EQ(second[1].at("op").as_string(), "remove");
  EXPECT_FALSE(second[1].as_object().contains("value"));

  EXPECT_EQ(lines[2].at("operation").as_string(), "remove");
  EXPECT_EQ(lines[2].at("syncCount").as_int64(), 2);
  EXPECT_TRUE(lines[2].at("kinesisSyncRecords").as_array().empty());
}

TEST_F(StreamsTest, AConflictWritesNoEntry) {
  EnableStreams();
  UpdateOk(Dev(), "ds", bj::array{Replace("a", "1", 0)});
  auto stale = Update(Dev(), "ds", bj::array{Replace("a", "2", 0)});
  EXPECT_EQ(CodeOf(stale), "ResourceConflictException");
  EXPECT_EQ(Outbox(*store_).size(), 1u);
}

TEST_F(StreamsTest, AnUnwritableSinkKeepsEntriesForLaterD24) {
  EnableStreams();
  // The sink directory cannot be created: a file stands where it should be.
  std::ofstream(dir_ / "streams") << "not a directory";
  UpdateOk(Dev(), "ds", bj::array{Replace("a", "1", 0)});
  UpdateOk(Dev(), "ds", bj::array{Replace("a", "2", 1)});
  dispatcher_->RunPassForTesting();
  std::vector<store::OutboxEntry> pending = Outbox(*store_);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_FALSE(pending[0].last_error.empty());
  EXPECT_EQ(pending[1].attempts, 0);  // behind the failed one in its dataset: not tried
  EXPECT_GT(pending[0].next_attempt_ms, clock_.NowMillis());

  std::filesystem::remove(dir_ / "streams");
  dispatcher_->RunPassForTesting();  // not due yet: backoff
  EXPECT_EQ(Outbox(*store_).size(), 2u);
  clock_.Advance(config_.integrations.outbox_retry_initial_ms);
  dispatcher_->RunPassForTesting();
  EXPECT_TRUE(Outbox(*store_).empty());
  std::vector<bj::object> lines = StreamFile(dir_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("syncCount").as_int64(), 1);
  EXPECT_EQ(lines[1].at("syncCount").as_int64(), 2);
}

// D24: a pass reads only entries that are due (an index on the due time), so a backlog waiting
// for its retry costs an idle server nothing, however large.
TEST_F(StreamsTest, APassReadsOnlyDueEntriesD24) {
  EnableStreams();
  const int64_t later = clock_.NowMillis() + 60000;
  MustWrite([&](store::Txn& txn) -> Status {
    for (int i = 0; i < 600; ++i) {
      store::OutboxEntry e;
      e.id = "waiting-" + std::to_string(i);
      e.kind = "stream";
      e.pool_id = kPool;
      e.partition = "stream\n\nidentity-" + std::to_string(i) + "\nds";
      e.position = 2;
      e.target = R"({"stream":"s","partitionKey":"p"})";
      e.payload = R"({"syncCount":1})";
      e.next_attempt_ms = later;
      e.created_ms = clock_.NowMillis();
      COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(e));
    }
    return OkStatus();
  });
  dispatcher_->RunPassForTesting();
  dispatcher_->RunPassForTesting();
  EXPECT_EQ(dispatcher_->stats().read, 0);
  EXPECT_EQ(Outbox(*store_).size(), 600u);
  clock_.Set(later);
  dispatcher_->RunPassForTesting();
  EXPECT_EQ(dispatcher_->stats().read, 600);
  EXPECT_TRUE(Outbox(*store_).empty());
}

// D19: a push entry names its device; a device gone before delivery (replaced, or its identity
// deleted) is not notified: the entry is dropped without a delivery attempt.
TEST_F(SyncIntegrationsTest, PushForADeviceGoneIsDroppedD19) {
  config_.integrations.push_webhook_url = "http://127.0.0.1:9/push";  // would fail if tried
  MustWrite([&](store::Txn& txn) -> Status {
    store::OutboxEntry e;
    e.id = "push-1";
    e.kind = "push";
    e.pool_id = kPool;
    e.partition = "push\ngone-device\nidentity\nds";
    e.target = R"({"deviceId":"gone-device"})";
    e.payload = R"({"source":"cognito-sync","syncCount":1})";
    e.created_ms = clock_.NowMillis();
    return txn.AppendOutbox(e);
  });
  dispatcher_->RunPassForTesting();
  EXPECT_TRUE(Outbox(*store_).empty());
  EXPECT_EQ(dispatcher_->stats().dropped, 1);
  EXPECT_EQ(dispatcher_->stats().failed_attempts, 0);
}

TEST(DispatcherBackoff, DoublesUpToTheCap) {
  EXPECT_EQ(outbox::Dispatcher::Backoff(1, 200, 30000), 200);
  EXPECT_EQ(outbox::Dispatcher::Backoff(2, 200, 30000), 400);
  EXPECT_EQ(outbox::Dispatcher::Backoff(5, 200, 30000), 3200);
  EXPECT_EQ(outbox::Dispatcher::Backoff(40, 200, 30000), 30000);
}

TEST_F(SyncIntegrationsTest, BulkPublishStreamsEveryLiveDatasetD26) {
  RequestContext dev = Dev();
  UpdateOk(dev, "a", bj::array{Replace("k", "v", 0), Replace("gone", "x", 0)});
  UpdateOk(dev, "a", bj::array{Remove("gone", 1)});
  UpdateOk(dev, "b", bj::array{Replace("k", "v", 0)});
  UpdateOk(dev, "b", bj::array{Replace("k", "w", 0)}, kOther);
  UpdateOk(dev, "deleted", bj::array{Replace("k", "v", 0)});
  ASSERT_TRUE(service_->DeleteDataset(dev, DatasetInput("deleted")).ok());
  bj::object in{
      {"IdentityPoolId", kPool},
      {"CognitoStreams", bj::object{{"StreamName", "s"}, {"StreamingStatus", "ENABLED"}}}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(dev, in).ok());
  ASSERT_TRUE(service_->BulkPublish(dev, bj::object{{"IdentityPoolId", kPool}}).ok());
  bulk_->RunPendingForTesting();
  auto details = service_->GetBulkPublishDetails(dev, bj::object{{"IdentityPoolId", kPool}});
  ASSERT_TRUE(details.ok());
  EXPECT_EQ(details->as_object().at("BulkPublishStatus").as_string(), "SUCCEEDED");
  std::vector<bj::object> lines = StreamFile(dir_);
  ASSERT_EQ(lines.size(), 3u);  // (other, b), (identity, a), (identity, b); not the deleted one
  std::vector<std::string> seen;
  for (const auto& line : lines) {
    seen.push_back(std::string(line.at("identityId").as_string()) + "/" +
                   std::string(line.at("dataSetName").as_string()));
    EXPECT_EQ(line.at("operation").as_string(), "replace");
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{std::string(kOther) + "/b", std::string(kIdentity) + "/a",
                                      std::string(kIdentity) + "/b"}));
  // Live records only: the removed key is not republished.
  const bj::array& a = lines[1].at("kinesisSyncRecords").as_array();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].at("key").as_string(), "k");
  EXPECT_EQ(lines[1].at("syncCount").as_int64(), 2);
}

TEST_F(SyncIntegrationsTest, PushGoesToSubscribedDevicesButNotTheOriginD24) {
  config_.integrations.push_webhook_url = "http://127.0.0.1:9/push";  // entries only; not run
  RequestContext me = Ident();
  bj::object push{
      {"IdentityPoolId", kPool},
      {"PushSync", bj::object{{"ApplicationArns",
                               bj::array{"arn:aws:sns:us-east-1:000000000000:app/GCM/app"}}}}};
  RequestContext dev = Dev();
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(dev, push).ok());
  std::vector<std::string> devices;
  for (const char* token : {"token-a", "token-b", "token-c"}) {
    bj::object reg{{"IdentityPoolId", kPool},
                   {"IdentityId", kIdentity},
                   {"Platform", "GCM"},
                   {"Token", token}};
    auto r = service_->RegisterDevice(me, reg);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    devices.emplace_back(r->as_object().at("DeviceId").as_string());
  }
  UpdateOk(Dev(), "ds", bj::array{Replace("created", "1", 0)});  // only existing datasets (D19)
  EXPECT_TRUE(Outbox(*store_).empty());                          // nobody subscribed yet
  for (size_t i = 0; i < 2; ++i) {  // the third device does not subscribe
    bj::object sub = DatasetInput("ds");
    sub["DeviceId"] = devices[i];
    ASSERT_TRUE(service_->SubscribeToDataset(me, sub).ok());
  }
  bj::object in = DatasetInput("ds");
  in["SyncSessionToken"] = Token("ds");
  in["RecordPatches"] = bj::array{Replace("a", "1", 0)};
  in["DeviceId"] = devices[0];
  ASSERT_TRUE(service_->UpdateRecords(me, in).ok());
  std::vector<store::OutboxEntry> pending = Outbox(*store_);
  ASSERT_EQ(pending.size(), 1u);  // only device b: a made the change, c is not subscribed
  EXPECT_EQ(pending[0].kind, "push");
  auto target = json::Parse(pending[0].target);
  ASSERT_TRUE(target);
  // D19: the entry names the device only; its token is read at delivery.
  EXPECT_EQ(target->as_object(), (bj::object{{"deviceId", devices[1]}}));
  auto payload = json::Parse(pending[0].payload);
  ASSERT_TRUE(payload);
  EXPECT_EQ(payload->at("source").as_string(), "cognito-sync");
  EXPECT_EQ(payload->at("identityPoolId").as_string(), kPool);
  EXPECT_EQ(payload->at("identityId").as_string(), kIdentity);
  EXPECT_EQ(payload->at("datasetName").as_string(), "ds");
  EXPECT_EQ(payload->at("syncCount").as_int64(), 2);

  // D19: a newer change supersedes the undelivered notification: one per device and dataset.
  UpdateOk(Dev(), "ds", bj::array{Replace("a", "2", 2)});
  pending = Outbox(*store_);
  ASSERT_EQ(pending.size(), 2u);  // devices a and b, each once
  for (const auto& entry : pending) {
    auto later = json::Parse(entry.payload);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->at("syncCount").as_int64(), 3);
  }
}

TEST_F(SyncIntegrationsTest, WithoutANotifierNoPushEntriesAreWritten) {
  ASSERT_FALSE(sinks_->push_configured());
  RequestContext me = Ident();
  RequestContext dev = Dev();
  bj::object push{
      {"IdentityPoolId", kPool},
      {"PushSync", bj::object{{"ApplicationArns",
                               bj::array{"arn:aws:sns:us-east-1:000000000000:app/GCM/app"}}}}};
  ASSERT_TRUE(service_->SetIdentityPoolConfiguration(dev, push).ok());
  bj::object reg{
      {"IdentityPoolId", kPool}, {"IdentityId", kIdentity}, {"Platform", "GCM"}, {"Token", "t"}};
  auto r = service_->RegisterDevice(me, reg);
  ASSERT_TRUE(r.ok());
  UpdateOk(me, "ds", bj::array{Replace("created", "1", 0)});
  bj::object sub = DatasetInput("ds");
  sub["DeviceId"] = r->as_object().at("DeviceId");
  ASSERT_TRUE(service_->SubscribeToDataset(me, sub).ok());
  UpdateOk(me, "ds", bj::array{Replace("a", "1", 0)});
  EXPECT_TRUE(Outbox(*store_).empty());
}

// ---- the SyncTrigger's event and answer (as AWS documents them) ----

std::vector<store::Record> Live() {
  return {store::Record{"keep", "k", 3, 0, "", std::nullopt},
          store::Record{"old", "o", 2, 0, "", std::nullopt}};
}

TEST(SyncTriggerEvent, HoldsEveryRecordAndThePatches) {
  const std::vector<TriggerPatch> patches = {
      {"old", "new"}, {"fresh", "f"}, {"keep2", std::nullopt}};
  bj::object event = SyncTriggerEvent("eu-west-1", "pool", "id", "ds", Live(), patches);
  EXPECT_EQ(event.at("version").as_int64(), 2);
  EXPECT_EQ(event.at("eventType").as_string(), "SyncTrigger");
  EXPECT_EQ(event.at("region").as_string(), "eu-west-1");
  EXPECT_EQ(event.at("identityPoolId").as_string(), "pool");
  EXPECT_EQ(event.at("identityId").as_string(), "id");
  EXPECT_EQ(event.at("datasetName").as_string(), "ds");
  const bj::object& records = event.at("datasetRecords").as_object();
  EXPECT_EQ(records.size(), 4u);
  EXPECT_EQ(records.at("keep"),
            (bj::object{{"oldValue", "k"}, {"newValue", "k"}, {"op", "replace"}}));
  EXPECT_EQ(records.at("old"),
            (bj::object{{"oldValue", "o"}, {"newValue", "new"}, {"op", "replace"}}));
  EXPECT_TRUE(records.at("fresh").at("oldValue").is_null());
  EXPECT_EQ(records.at("keep2").at("op").as_string(), "remove");
}

TEST(SyncTriggerAnswer, EchoWritesExactlyThePatches) {
  const std::vector<TriggerPatch> patches = {{"old", "new"}};
  bj::object event = SyncTriggerEvent("r", "p", "i", "d", Live(), patches);
  auto writes = ApplySyncTriggerAnswer(event, bj::serialize(event), Live(), patches);
  ASSERT_TRUE(writes.ok()) << writes.error().ToString();
  ASSERT_EQ(writes->size(), 1u);
  EXPECT_EQ((*writes)[0].key, "old");
  EXPECT_EQ((*writes)[0].value, "new");
}

TEST(SyncTriggerAnswer, TheFunctionMayChangeAddAndRemoveAnyRecord) {
  const std::vector<TriggerPatch> patches = {{"old", "new"}};
  bj::object event = SyncTriggerEvent("r", "p", "i", "d", Live(), patches);
  bj::object answer = event;
  bj::object& records = answer["datasetRecords"].as_object();
  records["old"].as_object()["newValue"] = "validated";
  records["keep"].as_object()["op"] = "remove";
  records["added"] = bj::object{{"newValue", "a"}, {"op", "replace"}};
  auto writes = ApplySyncTriggerAnswer(event, bj::serialize(answer), Live(), patches);
  ASSERT_TRUE(writes.ok()) << writes.error().ToString();
  ASSERT_EQ(writes->size(), 3u);  // sorted by key
  EXPECT_EQ((*writes)[0].key, "added");
  EXPECT_EQ((*writes)[0].value, "a");
  EXPECT_EQ((*writes)[1].key, "keep");
  EXPECT_FALSE((*writes)[1].value.has_value());
  EXPECT_EQ((*writes)[2].key, "old");
  EXPECT_EQ((*writes)[2].value, "validated");
}

TEST(SyncTriggerAnswer, OmittedRecordsKeepTheEventsVersion) {
  const std::vector<TriggerPatch> patches = {{"old", "new"}};
  bj::object event = SyncTriggerEvent("r", "p", "i", "d", Live(), patches);
  bj::object answer = event;
  answer["datasetRecords"] = bj::object();
  auto writes = ApplySyncTriggerAnswer(event, bj::serialize(answer), Live(), patches);
  ASSERT_TRUE(writes.ok());
  ASSERT_EQ(writes->size(), 1u);
  EXPECT_EQ((*writes)[0].value, "new");
}

TEST(SyncTriggerAnswer, AnythingElseChangedIsInvalidOutput) {
  const std::vector<TriggerPatch> patches = {{"old", "new"}};
  bj::object event = SyncTriggerEvent("r", "p", "i", "d", Live(), patches);
  auto code = [&](const std::string& text) {
    auto r = ApplySyncTriggerAnswer(event, text, Live(), patches);
    return r.ok() ? std::string() : r.error().code();
  };
  bj::object changed = event;
  changed["identityId"] = "someone-else";
  EXPECT_EQ(code(bj::serialize(changed)), "InvalidLambdaFunctionOutputException");
  bj::object added = event;
  added["extra"] = 1;
  EXPECT_EQ(code(bj::serialize(added)), "InvalidLambdaFunctionOutputException");
  bj::object bad_record = event;
  bad_record["datasetRecords"].as_object()["old"] = "not an object";
  EXPECT_EQ(code(bj::serialize(bad_record)), "InvalidLambdaFunctionOutputException");
  bj::object bad_op = event;
  bad_op["datasetRecords"].as_object()["old"].as_object()["op"] = "explode";
  EXPECT_EQ(code(bj::serialize(bad_op)), "InvalidLambdaFunctionOutputException");
  EXPECT_EQ(code("not json"), "InvalidLambdaFunctionOutputException");
  EXPECT_EQ(code("[]"), "InvalidLambdaFunctionOutputException");
}

}  // namespace
}  // namespace cogsync::sync::testing

namespace cogsync::sync::testing {
namespace {

TEST(KinesisSplit, LargeRecordsBecomeSeveralInOrderAndOversizedValuesAreOmitted) {
  std::vector<store::Record> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back(store::Record{"k" + std::to_string(i), std::string(400 * 1024, 'a' + char(i)),
                                    7, 1000, "me", std::nullopt});
  }
  records.push_back(
      store::Record{"huge", std::string(1100 * 1024, 'h'), 7, 1000, "me", std::nullopt});
  const std::string whole =
      bj::serialize(StreamRecord("pool", "id", "ds", "replace", records, 7, 1000));
  std::vector<std::string> parts = outbox::SplitForKinesis(whole, outbox::kKinesisRecordLimit);
  ASSERT_EQ(parts.size(), 2u);  // k0+k1, then k2 with huge (its value omitted)
  std::vector<std::string> keys;
  for (const std::string& part : parts) {
    EXPECT_LE(part.size(), outbox::kKinesisRecordLimit);
    auto v = json::Parse(part);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->at("syncCount").as_int64(), 7);
    EXPECT_EQ(v->at("dataSetName").as_string(), "ds");
    for (const auto& item : v->at("kinesisSyncRecords").as_array()) {
      keys.emplace_back(item.at("key").as_string());
      if (item.at("key").as_string() == "huge") {
        EXPECT_FALSE(item.as_object().contains("value"));
        EXPECT_TRUE(item.at("valueOmitted").as_bool());
      } else {
        EXPECT_EQ(item.at("value").as_string().size(), 400u * 1024);
      }
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2", "huge"}));
}

}  // namespace
}  // namespace cogsync::sync::testing
