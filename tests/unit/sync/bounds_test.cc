// What one identity can make the server keep (D16, D19): tombstones per dataset with a grace
// period, record patches per request, deletion markers per identity, devices per identity and
// the length of push tokens. Each breach is a clear error that changes nothing.

#include "common/json.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

using SyncBoundsTest = SyncTest;

constexpr int64_t kDayMs = 24 * 3600 * 1000;

bj::array Removes(const std::vector<std::string>& keys, int64_t count) {
  bj::array out;
  for (const auto& k : keys)
    out.push_back(bj::object{{"Op", "remove"}, {"Key", k}, {"SyncCount", count}});
  return out;
}

// D16: at most tombstones_per_dataset; past it the oldest older than the grace are purged, and
// when none is that old the update fails, changing nothing.
TEST_F(SyncBoundsTest, TombstonesPerDatasetWithGracePeriodD16) {
  config_.limits.tombstones_per_dataset = 3;
  config_.limits.tombstone_grace_days = 1;
  UpdateOk(Ident(), "ds",
           {Replace("a", "1", 0), Replace("b", "1", 0), Replace("c", "1", 0), Replace("d", "1", 0),
            Replace("e", "1", 0)});
  UpdateOk(Ident(), "ds", Removes({"a"}, 1));  // count 2
  clock_.Advance(kDayMs / 2);
  UpdateOk(Ident(), "ds", Removes({"b", "c"}, 1));  // count 3: three tombstones, at the bound
  // A fourth within the grace period of all three: refused, nothing changed.
  auto refused = Update(Ident(), "ds", Removes({"d"}, 1));
  ASSERT_EQ(CodeOf(refused), "LimitExceededException");
  EXPECT_NE(refused.error().message().find("tombstones per dataset (3)"), std::string::npos);
  EXPECT_EQ(ListOk(Ident(), "ds").at("DatasetSyncCount").as_int64(), 3);
  EXPECT_EQ(DescribeOk("ds").at("NumRecords").as_int64(), 2);
  // Writing over a tombstone frees its place.
  UpdateOk(Ident(), "ds", {Replace("c", "back", 3)});  // count 4
  UpdateOk(Ident(), "ds", Removes({"d"}, 1));          // count 5
  // Past the grace of "a" (removed at day 0), the oldest tombstone makes room.
  clock_.Advance(kDayMs / 2 + 1);
  UpdateOk(Ident(), "ds", Removes({"e"}, 1));  // count 6
  std::vector<std::string> tombstones;
  const auto listing = ListOk(Ident(), "ds");  // kept alive: the loop walks into it
  for (const auto& r : listing.at("Records").as_array()) {
    if (!r.as_object().contains("Value"))
      tombstones.emplace_back(r.as_object().at("Key").as_string());
  }
  EXPECT_EQ(tombstones, (std::vector<std::string>{"b", "d", "e"}));  // "a" purged
}

// D19: at most record_patches_per_request patches; more is LimitExceeded and nothing changes.
TEST_F(SyncBoundsTest, RecordPatchesPerRequestD19) {
  bj::array patches;
  for (int i = 0; i < 1025; ++i) patches.push_back(Remove("k" + std::to_string(i), 0));
  auto r = Update(Ident(), "ds", patches);
  ASSERT_EQ(CodeOf(r), "LimitExceededException");
  EXPECT_NE(r.error().message().find("record patches per request (1024)"), std::string::npos);
  EXPECT_FALSE(ListOk(Ident(), "ds").at("DatasetExists").as_bool());
  patches.pop_back();
  EXPECT_EQ(UpdateOk(Ident(), "ds", patches).size(), 1024u);
}

// D19: at most deleted_datasets_per_identity deletion markers beyond the live datasets; the
// least recently deleted goes first.
TEST_F(SyncBoundsTest, DeletedDatasetMarkersPerIdentityD19) {
  config_.limits.deleted_datasets_per_identity = 2;
  RequestContext ctx = Ident();
  for (int i = 0; i < 5; ++i) {
    const std::string name = "gone" + std::to_string(i);
    UpdateOk(ctx, name, {Replace("k", "v", 0)});
    clock_.Advance(10);
    ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput(name)).ok());
  }
  std::vector<std::string> rows;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(auto all, txn.ListAllDatasets(kIdentity));
                    for (const auto& d : all) rows.push_back(d.name);
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows, (std::vector<std::string>{"gone3", "gone4"}));
  // A kept marker still tells clients of the deletion (D17).
  EXPECT_TRUE(ListOk(ctx, "gone4", 1).at("DatasetDeletedAfterRequestedSyncCount").as_bool());
}

class SyncDeviceBoundsTest : public SyncTest {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    bj::object cfg{{"IdentityPoolId", kPool}};
    cfg["PushSync"] =
        bj::object{{"ApplicationArns", bj::array{"arn:aws:sns:us-east-1:123456789012:app/GCM/a"}}};
    RequestContext dev = Dev();
    ASSERT_TRUE(service_->SetIdentityPoolConfiguration(dev, cfg).ok());
  }
  Result<bj::value> Register(const std::string& token) {
    bj::object reg{{"IdentityPoolId", kPool},
                   {"IdentityId", kIdentity},
                   {"Platform", "GCM"},
                   {"Token", token}};
    RequestContext me = Ident();
    return service_->RegisterDevice(me, reg);
  }
  std::vector<std::string> Devices() {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(auto devices, txn.ListDevices(kIdentity));
                      for (const auto& d : devices) ids.push_back(d.token);
                      return OkStatus();
                    })
                    .ok());
    return ids;
  }
};

// D19: at most devices_per_identity; a new registration replaces the least recently registered.
TEST_F(SyncDeviceBoundsTest, DevicesPerIdentityReplaceTheOldestD19) {
  config_.limits.devices_per_identity = 3;
  std::string first;
  for (int i = 0; i < 5; ++i) {
    auto r = Register("token-" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    if (i == 0) first = std::string(r->as_object().at("DeviceId").as_string());
    clock_.Advance(10);
  }
  EXPECT_EQ(Devices(), (std::vector<std::string>{"token-2", "token-3", "token-4"}));
  // The replaced device is gone: subscribing it is not found.
  UpdateOk(Ident(), "ds", {Replace("k", "v", 0)});
  bj::object sub = DatasetInput("ds");
  sub["DeviceId"] = first;
  RequestContext me = Ident();
  EXPECT_EQ(CodeOf(service_->SubscribeToDataset(me, sub)), "ResourceNotFoundException");
}

// D19: push tokens of at most push_token_bytes; a longer one is InvalidParameter, nothing stored.
TEST_F(SyncDeviceBoundsTest, PushTokenLengthD19) {
  auto r = Register(std::string(4097, 't'));
  ASSERT_EQ(CodeOf(r), "InvalidParameterException");
  EXPECT_NE(r.error().message().find("4096"), std::string::npos);
  EXPECT_TRUE(Devices().empty());
  EXPECT_TRUE(Register(std::string(4096, 't')).ok());
}

}  // namespace
}  // namespace cogsync::sync::testing
