// ListRecords and UpdateRecords: SyncCount (D14), conflicts (D15), tombstones (D16), deletion
// memory (D17), SyncSessionTokens (D18), limits (D19), pages (D20), LastModifiedBy (D21),
// merged datasets (D23) and concurrent updates on one dataset.

#include <atomic>
#include <thread>

#include "common/json.h"
#include "sync/merge.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

using SyncRecordsTest = SyncTest;

// The SyncTrigger check happens inside the write, in its pool snapshot: an UpdateRecords with
// identity credentials on a pool without a SyncTrigger is one write transaction and no read; with
// developer credentials, the same.
TEST_F(SyncRecordsTest, AnUpdateWithoutATriggerIsOneWriteTransactionAndNoRead) {
  CountingStore counting(*store_);
  SyncService service(counting, clock_, config_, sealer_,
                      Integrations{*calls_, *sinks_, *dispatcher_, *bulk_});
  int64_t count = 0;
  for (RequestContext ctx : {Ident(), Dev()}) {
    bj::object in = DatasetInput("ds");
    in["SyncSessionToken"] = Token("ds");
    in["RecordPatches"] = bj::array{Replace("k", "v", count)};
    counting.reads = 0;
    counting.writes = 0;
    auto written = service.UpdateRecords(ctx, in);
    ASSERT_TRUE(written.ok()) << written.error().ToString();
    EXPECT_EQ(counting.writes.load(), 1);
    EXPECT_EQ(counting.reads.load(), 0);
    count = written->as_object().at("Records").as_array().at(0).at("SyncCount").as_int64();
  }
  EXPECT_EQ(count, 2);
}

TEST_F(SyncRecordsTest, UpdateThenListRoundTrip) {
  bj::object patch = Replace("color", "blue", 0);
  patch["DeviceLastModifiedDate"] = 1413836234.607;
  bj::array written = UpdateOk(Ident(), "settings", {patch, Replace("size", "xl", 0)});
  ASSERT_EQ(written.size(), 2u);
  const bj::object& color = written[0].as_object();
  EXPECT_EQ(color.at("Key").as_string(), "color");
  EXPECT_EQ(color.at("Value").as_string(), "blue");
  EXPECT_EQ(color.at("SyncCount").as_int64(), 1);
  EXPECT_EQ(color.at("LastModifiedBy").as_string(), kIdentity);  // D21
  EXPECT_DOUBLE_EQ(color.at("LastModifiedDate").as_double(), kStartMs / 1000.0);
  EXPECT_DOUBLE_EQ(color.at("DeviceLastModifiedDate").as_double(), 1413836234.607);  // D6

  bj::object listed = ListOk(Ident(), "settings");
  EXPECT_EQ(Keys(listed.at("Records").as_array()), (std::vector<std::string>{"color", "size"}));
  EXPECT_EQ(listed.at("Count").as_int64(), 2);
  EXPECT_EQ(listed.at("DatasetSyncCount").as_int64(), 1);
  EXPECT_TRUE(listed.at("DatasetExists").as_bool());
  EXPECT_FALSE(listed.at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_EQ(listed.at("LastModifiedBy").as_string(), kIdentity);
  EXPECT_TRUE(listed.at("MergedDatasetNames").as_array().empty());  // D4
  EXPECT_FALSE(listed.at("SyncSessionToken").as_string().empty());
  EXPECT_FALSE(listed.contains("NextToken"));

  bj::object d = DescribeOk("settings");
  EXPECT_EQ(d.at("NumRecords").as_int64(), 2);
  EXPECT_EQ(d.at("DataStorage").as_int64(), int64_t(std::string("colorbluesizexl").size()));
}

// D21: developer credentials record the access key's name.
TEST_F(SyncRecordsTest, DeveloperChangesRecordKeyNameD21) {
  bj::array written = UpdateOk(Dev(), "settings", {Replace("a", "1", 0)});
  EXPECT_EQ(written[0].as_object().at("LastModifiedBy").as_string(), "test-developer");
  EXPECT_EQ(DescribeOk("settings").at("LastModifiedBy").as_string(), "test-developer");
}

// D14: each update adds exactly one, and all records written take the new count.
TEST_F(SyncRecordsTest, EachUpdateAddsOneToSyncCountD14) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0), Replace("b", "1", 0)});
  bj::array second = UpdateOk(Ident(), "ds", {Replace("a", "2", 1), Replace("c", "1", 0)});
  for (const auto& r : second) EXPECT_EQ(r.as_object().at("SyncCount").as_int64(), 2);
  bj::object listed = ListOk(Ident(), "ds");
  EXPECT_EQ(listed.at("DatasetSyncCount").as_int64(), 2);
  const auto& records = listed.at("Records").as_array();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].as_object().at("SyncCount").as_int64(), 1);  // b untouched
}

// D14: an empty RecordPatches changes nothing and returns Records: [] (D4).
TEST_F(SyncRecordsTest, EmptyPatchesChangeNothingD14) {
  auto r = Update(Ident(), "ds", bj::array());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->as_object().at("Records").as_array().empty());
  EXPECT_FALSE(ListOk(Ident(), "ds").at("DatasetExists").as_bool());
  // ... but the token is still checked.
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", bj::array(), kIdentity, "forged")),
            "InvalidParameterException");
}

// D15: a stale count and a count ahead of the server both conflict, with AWS's message.
TEST_F(SyncRecordsTest, StaleAndAheadCountsConflictD15) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0)});
  UpdateOk(Ident(), "ds", {Replace("a", "2", 1)});
  auto stale = Update(Ident(), "ds", {Replace("a", "3", 1)});
  ASSERT_EQ(CodeOf(stale), "ResourceConflictException");
  EXPECT_EQ(stale.error().message(), "Current SyncCount for: a is: 2 not: 1");
  EXPECT_EQ(stale.error().sync_status(), HttpStatus::kConflict);
  auto ahead = Update(Ident(), "ds", {Replace("a", "3", 7)});
  ASSERT_EQ(CodeOf(ahead), "ResourceConflictException");
  EXPECT_EQ(ahead.error().message(), "Current SyncCount for: a is: 2 not: 7");
  auto unknown = Update(Ident(), "ds", {Replace("new", "x", 3)});
  EXPECT_EQ(unknown.error().message(), "Current SyncCount for: new is: 0 not: 3");
}

// D15: nothing of a conflicting request is applied.
TEST_F(SyncRecordsTest, ConflictIsAllOrNothingD15) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0)});
  auto r = Update(Ident(), "ds", {Replace("b", "new", 0), Replace("a", "2", 0)});
  ASSERT_EQ(CodeOf(r), "ResourceConflictException");
  bj::object listed = ListOk(Ident(), "ds");
  EXPECT_EQ(listed.at("DatasetSyncCount").as_int64(), 1);
  EXPECT_EQ(Keys(listed.at("Records").as_array()), std::vector<std::string>{"a"});
}

// D15: two patches for one key in one request are a 400.
TEST_F(SyncRecordsTest, DuplicateKeysAreInvalidD15) {
  auto r = Update(Ident(), "ds", {Replace("a", "1", 0), Remove("a", 0)});
  EXPECT_EQ(CodeOf(r), "InvalidParameterException");
  EXPECT_FALSE(ListOk(Ident(), "ds").at("DatasetExists").as_bool());
}

// D16: a remove leaves a tombstone that ListRecords returns; it counts toward nothing.
TEST_F(SyncRecordsTest, RemoveLeavesTombstoneD16) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0), Replace("b", "22", 0)});
  // Value on a remove is accepted and ignored (the JS Sync Manager sends '').
  bj::object remove = Remove("a", 1);
  remove["Value"] = "";
  bj::array written = UpdateOk(Ident(), "ds", {remove});
  ASSERT_EQ(written.size(), 1u);
  EXPECT_FALSE(written[0].as_object().contains("Value"));
  EXPECT_EQ(written[0].as_object().at("SyncCount").as_int64(), 2);

  bj::object all = ListOk(Ident(), "ds");
  const auto& records = all.at("Records").as_array();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].as_object().at("Key").as_string(), "a");
  EXPECT_FALSE(records[0].as_object().contains("Value"));
  bj::object d = DescribeOk("ds");
  EXPECT_EQ(d.at("NumRecords").as_int64(), 1);
  EXPECT_EQ(d.at("DataStorage").as_int64(), 3);  // "b" + "22"

  // lastSyncCount filters: only what changed after revision 1.
  bj::object since1 = ListOk(Ident(), "ds", 1);
  EXPECT_EQ(Keys(since1.at("Records").as_array()), std::vector<std::string>{"a"});
  EXPECT_EQ(since1.at("DatasetSyncCount").as_int64(), 2);
  EXPECT_TRUE(ListOk(Ident(), "ds", 2).at("Records").as_array().empty());

  // A tombstone's count is the one to write over it.
  bj::array revived = UpdateOk(Ident(), "ds", {Replace("a", "back", 2)});
  EXPECT_EQ(revived[0].as_object().at("Value").as_string(), "back");
  EXPECT_EQ(DescribeOk("ds").at("NumRecords").as_int64(), 2);
}

// D16 (revised): a remove of a key the dataset does not hold is answered as a tombstone at the
// new SyncCount but writes no row, so removes of unknown keys cost no storage.
TEST_F(SyncRecordsTest, RemoveOfUnknownKeyWritesNoRowD16) {
  bj::array written = UpdateOk(Ident(), "ds", {Remove("ghost", 0)});
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].as_object().at("Key").as_string(), "ghost");
  EXPECT_EQ(written[0].as_object().at("SyncCount").as_int64(), 1);
  EXPECT_FALSE(written[0].as_object().contains("Value"));
  bj::object listed = ListOk(Ident(), "ds");
  EXPECT_TRUE(listed.at("Records").as_array().empty());
  EXPECT_EQ(listed.at("DatasetSyncCount").as_int64(), 1);
  EXPECT_EQ(DescribeOk("ds").at("NumRecords").as_int64(), 0);
  // Removing a tombstone again writes no row either: it keeps the count of its removal.
  UpdateOk(Ident(), "ds", {Replace("k", "v", 0)});
  UpdateOk(Ident(), "ds", {Remove("k", 2)});
  bj::array again = UpdateOk(Ident(), "ds", {Remove("k", 3)});
  EXPECT_EQ(again[0].as_object().at("SyncCount").as_int64(), 4);
  const auto listing = ListOk(Ident(), "ds");  // kept alive: `records` refers into it
  const auto& records = listing.at("Records").as_array();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].as_object().at("SyncCount").as_int64(), 3);
}

// D17: deletion keeps the count; recreation continues it; clients learn of the deletion.
TEST_F(SyncRecordsTest, DeleteAndRecreateContinuesCountD17) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0)});
  UpdateOk(Ident(), "ds", {Replace("a", "2", 1)});
  RequestContext ctx = Ident();
  auto deleted = service_->DeleteDataset(ctx, DatasetInput("ds"));
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_EQ(deleted->as_object().at("Dataset").as_object().at("NumRecords").as_int64(), 1);

  EXPECT_EQ(CodeOf(service_->DescribeDataset(ctx, DatasetInput("ds"))),
            "ResourceNotFoundException");
  EXPECT_EQ(CodeOf(service_->DeleteDataset(ctx, DatasetInput("ds"))), "ResourceNotFoundException");

  bj::object after = ListOk(Ident(), "ds", 2);
  EXPECT_FALSE(after.at("DatasetExists").as_bool());
  EXPECT_TRUE(after.at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_TRUE(after.at("Records").as_array().empty());
  bj::object fresh = ListOk(Ident(), "ds", 0);
  EXPECT_FALSE(fresh.at("DatasetExists").as_bool());
  EXPECT_FALSE(fresh.at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_EQ(fresh.at("DatasetSyncCount").as_int64(), 0);
  // Deleted datasets are not listed.
  auto datasets =
      service_->ListDatasets(ctx, bj::object{{"IdentityPoolId", kPool}, {"IdentityId", kIdentity}});
  ASSERT_TRUE(datasets.ok());
  EXPECT_EQ(datasets->as_object().at("Count").as_int64(), 0);

  // Recreated with SyncCount-0 patches, the count continues from 2.
  bj::array recreated = UpdateOk(Ident(), "ds", {Replace("a", "new", 0)});
  EXPECT_EQ(recreated[0].as_object().at("SyncCount").as_int64(), 3);
  bj::object live = ListOk(Ident(), "ds", 0);
  EXPECT_TRUE(live.at("DatasetExists").as_bool());
  EXPECT_EQ(live.at("DatasetSyncCount").as_int64(), 3);
  // A client that last saw revision 1 or 2 missed the deletion; one at 3 did not.
  EXPECT_TRUE(ListOk(Ident(), "ds", 1).at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_TRUE(ListOk(Ident(), "ds", 2).at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_FALSE(ListOk(Ident(), "ds", 3).at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_EQ(DescribeOk("ds").at("NumRecords").as_int64(), 1);
}

// D18: tokens for other inputs, forged or expired tokens are refused; a token is reusable.
TEST_F(SyncRecordsTest, SyncSessionTokenRulesD18) {
  const std::string token = Token("ds");
  const std::string kMessage = "SyncSessionToken not valid for these inputs";
  auto other_dataset = Update(Ident(), "other", {Replace("a", "1", 0)}, kIdentity, token);
  ASSERT_EQ(CodeOf(other_dataset), "InvalidParameterException");
  EXPECT_EQ(other_dataset.error().message(), kMessage);
  auto other_identity = Update(Ident(kOther), "ds", {Replace("a", "1", 0)}, kOther, token);
  EXPECT_EQ(CodeOf(other_identity), "InvalidParameterException");
  std::string forged = token;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", {Replace("a", "1", 0)}, kIdentity, forged)),
            "InvalidParameterException");
  // A token of another kind (a NextToken) does not pass either.
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", {Replace("a", "1", 0)}, kIdentity,
                          sealer_.Seal("next-token-v1", "x"))),
            "InvalidParameterException");

  // Reusable within the hour.
  ASSERT_TRUE(Update(Ident(), "ds", {Replace("a", "1", 0)}, kIdentity, token).ok());
  clock_.Advance(59 * 60 * 1000);
  ASSERT_TRUE(Update(Ident(), "ds", {Replace("a", "2", 1)}, kIdentity, token).ok());
  clock_.Advance(2 * 60 * 1000);
  auto expired = Update(Ident(), "ds", {Replace("a", "3", 2)}, kIdentity, token);
  ASSERT_EQ(CodeOf(expired), "InvalidParameterException");
  EXPECT_EQ(expired.error().message(), kMessage);
}

// D18: ListRecords always returns a token, also for a dataset that does not exist, and a valid
// syncSessionToken parameter comes back unchanged; an invalid one is refused.
TEST_F(SyncRecordsTest, ListRecordsTokenD18) {
  bj::object missing = ListOk(Ident(), "nothing-here");
  EXPECT_FALSE(missing.at("DatasetExists").as_bool());
  EXPECT_EQ(missing.at("Count").as_int64(), 0);
  const std::string token(missing.at("SyncSessionToken").as_string());
  EXPECT_FALSE(token.empty());
  bj::object again = ListOk(Ident(), "nothing-here", 0, kIdentity, {{"SyncSessionToken", token}});
  EXPECT_EQ(again.at("SyncSessionToken").as_string(), token);
  EXPECT_EQ(CodeOf(List(Ident(), "elsewhere", 0, kIdentity, {{"SyncSessionToken", token}})),
            "InvalidParameterException");
}

// D19: key sizes, value sizes, records per dataset, dataset bytes, datasets per identity.
TEST_F(SyncRecordsTest, KeyAndValueSizeLimitsD19) {
  EXPECT_TRUE(Update(Ident(), "ds", {Replace(std::string(128, 'k'), "v", 0)}).ok());
  auto long_key = Update(Ident(), "ds", {Replace(std::string(129, 'k'), "v", 0)});
  EXPECT_EQ(CodeOf(long_key), "InvalidParameterException");
  // 43 three-byte characters are 129 UTF-8 bytes: bytes count, not characters.
  std::string utf8_key;
  for (int i = 0; i < 43; ++i) utf8_key += "\xE2\x82\xAC";
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", {Replace(utf8_key, "v", 0)})),
            "InvalidParameterException");
  config_.limits.value_bytes = 10;
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", {Replace("v", std::string(11, 'x'), 0)})),
            "InvalidParameterException");
}

TEST_F(SyncRecordsTest, RecordCountLimitD19) {
  bj::array patches;
  for (int i = 0; i < 1024; ++i)
    patches.push_back(Replace("k" + std::to_string(10000 + i), "v", 0));
  ASSERT_EQ(UpdateOk(Ident(), "ds", patches).size(), 1024u);
  auto r = Update(Ident(), "ds", {Replace("one-more", "v", 0)});
  ASSERT_EQ(CodeOf(r), "LimitExceededException");
  EXPECT_NE(r.error().message().find("1024"), std::string::npos);
  // Tombstones do not count (D16): remove one, then one more fits.
  UpdateOk(Ident(), "ds", {Remove("k10000", 1)});
  EXPECT_TRUE(Update(Ident(), "ds", {Replace("one-more", "v", 0)}).ok());
  EXPECT_EQ(CodeOf(Update(Ident(), "ds", {Replace("two-more", "v", 0)})), "LimitExceededException");
}

TEST_F(SyncRecordsTest, DatasetSizeLimitD19) {
  const std::string half(512 * 1024, 'x');
  UpdateOk(Ident(), "ds", {Replace("a", half, 0)});
  // 2 * (1 + 524288) bytes > 1 MB.
  auto r = Update(Ident(), "ds", {Replace("b", half, 0)});
  ASSERT_EQ(CodeOf(r), "LimitExceededException");
  EXPECT_NE(r.error().message().find("1048576"), std::string::npos);
  // Replacing a value counts the new size only.
  EXPECT_TRUE(Update(Ident(), "ds", {Replace("a", half + "yy", 1)}).ok());
  EXPECT_EQ(DescribeOk("ds").at("DataStorage").as_int64(), int64_t(1 + half.size() + 2));
}

TEST_F(SyncRecordsTest, DatasetsPerIdentityLimitD19) {
  for (int i = 0; i < 20; ++i) UpdateOk(Ident(), "ds" + std::to_string(i), {Replace("a", "1", 0)});
  auto r = Update(Ident(), "ds20", {Replace("a", "1", 0)});
  ASSERT_EQ(CodeOf(r), "LimitExceededException");
  EXPECT_NE(r.error().message().find("20"), std::string::npos);
  // Existing datasets still take updates; after a deletion a new one fits.
  EXPECT_TRUE(Update(Ident(), "ds3", {Replace("a", "2", 1)}).ok());
  RequestContext ctx = Ident();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput("ds0")).ok());
  EXPECT_TRUE(Update(Ident(), "ds20", {Replace("a", "1", 0)}).ok());
  // Another identity has its own 20.
  EXPECT_TRUE(Update(Ident(kOther), "ds21", {Replace("a", "1", 0)}, kOther).ok());
}

// D20: pages of ListRecords with NextToken, sealed to their scope.
TEST_F(SyncRecordsTest, PaginationD20) {
  bj::array patches;
  for (int i = 0; i < 7; ++i) patches.push_back(Replace("key" + std::to_string(i), "v", 0));
  UpdateOk(Ident(), "ds", patches);
  std::vector<std::string> seen;
  bj::object extra{{"MaxResults", 3}};
  int pages = 0;
  while (true) {
    bj::object page = ListOk(Ident(), "ds", 0, kIdentity, extra);
    ++pages;
    EXPECT_EQ(page.at("Count").as_int64(), int64_t(page.at("Records").as_array().size()));
    for (const auto& k : Keys(page.at("Records").as_array())) seen.push_back(k);
    if (!page.contains("NextToken")) break;
    extra["NextToken"] = page.at("NextToken");
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"key0", "key1", "key2", "key3", "key4", "key5", "key6"}));

  // A token is bound to its scope: another dataset, or another lastSyncCount, refuses it.
  bj::object first = ListOk(Ident(), "ds", 0, kIdentity, {{"MaxResults", 3}});
  bj::value next = first.at("NextToken");
  EXPECT_EQ(CodeOf(List(Ident(), "other", 0, kIdentity, {{"NextToken", next}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(List(Ident(), "ds", 5, kIdentity, {{"NextToken", next}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(List(Ident(), "ds", 0, kIdentity, {{"NextToken", "forged-token"}})),
            "InvalidParameterException");
}

// D20: maxResults 0 or negative is invalid; larger than 1024 is clamped.
TEST_F(SyncRecordsTest, MaxResultsBoundsD20) {
  EXPECT_EQ(CodeOf(List(Ident(), "ds", 0, kIdentity, {{"MaxResults", 0}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(List(Ident(), "ds", 0, kIdentity, {{"MaxResults", -5}})),
            "InvalidParameterException");
  bj::array patches;
  for (int i = 0; i < 1024; ++i)
    patches.push_back(Replace("k" + std::to_string(10000 + i), "v", 0));
  UpdateOk(Ident(), "ds", patches);
  UpdateOk(Ident(), "ds2", {Replace("x", "1", 0)});
  bj::object big = ListOk(Ident(), "ds", 0, kIdentity, {{"MaxResults", 5000}});
  EXPECT_EQ(big.at("Count").as_int64(), 1024);
  EXPECT_FALSE(big.contains("NextToken"));
  bj::object deflt = ListOk(Ident(), "ds");
  EXPECT_EQ(deflt.at("Count").as_int64(), 1024);
}

// D23: merge datasets of a name are listed in MergedDatasetNames until deleted.
TEST_F(SyncRecordsTest, MergedDatasetNamesD23) {
  UpdateOk(Ident(), "settings", {Replace("a", "mine", 0)});
  UpdateOk(Ident(kOther), "settings", {Replace("a", "theirs", 0)}, kOther);
  MustWrite([&](store::Txn& txn) {
    return MoveDatasetsOnMerge(txn, kOther, kIdentity, clock_.NowMillis(), "merge");
  });
  const std::string merged_name = std::string("settings.") + kOther;
  bj::object listed = ListOk(Ident(), "settings");
  ASSERT_EQ(listed.at("MergedDatasetNames").as_array().size(), 1u);
  EXPECT_EQ(listed.at("MergedDatasetNames").as_array()[0].as_string(), merged_name);
  bj::object merged = ListOk(Ident(), merged_name);
  EXPECT_EQ(merged.at("DatasetSyncCount").as_int64(), 1);
  EXPECT_EQ(merged.at("Records").as_array()[0].as_object().at("Value").as_string(), "theirs");
  RequestContext ctx = Ident();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput(merged_name)).ok());
  EXPECT_TRUE(ListOk(Ident(), "settings").at("MergedDatasetNames").as_array().empty());
}

// The concurrency requirement: of many updates built on the same SyncCount exactly one
// wins and the rest get 409; the dataset's count ends at 1.
TEST_F(SyncRecordsTest, ConcurrentUpdatesOneWinnerD15) {
  const std::string token = Token("race");
  constexpr int kThreads = 16;
  std::atomic<int> ok{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      bj::object in = DatasetInput("race");
      in["SyncSessionToken"] = token;
      in["RecordPatches"] = bj::array{Replace("counter", std::to_string(i), 0)};
      RequestContext ctx = Ident();
      auto r = service_->UpdateRecords(ctx, in);
      if (r.ok()) {
        ++ok;
      } else if (r.error().code() == "ResourceConflictException") {
        ++conflicts;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ListOk(Ident(), "race").at("DatasetSyncCount").as_int64(), 1);
}

// Identity credentials reach only their own identity, and not once it is disabled.
TEST_F(SyncRecordsTest, IdentityAccessRules) {
  auto foreign = List(Ident(kOther), "ds", 0, kIdentity);
  ASSERT_EQ(CodeOf(foreign), "NotAuthorizedException");
  AddIdentity(kPool, kOther, /*disabled=*/true);
  auto disabled = List(Ident(kOther), "ds", 0, kOther);
  ASSERT_EQ(CodeOf(disabled), "NotAuthorizedException");
  EXPECT_EQ(disabled.error().message(),
            std::string("Access to Identity '") + kOther + "' is forbidden.");
  // Developer credentials and an unknown identity: ListRecords is empty, UpdateRecords 404.
  bj::object empty = ListOk(Dev(), "ds", 0, kUnknown);
  EXPECT_FALSE(empty.at("DatasetExists").as_bool());
  EXPECT_EQ(CodeOf(Update(Dev(), "ds", {Replace("a", "1", 0)}, kUnknown)),
            "ResourceNotFoundException");
}

}  // namespace
}  // namespace cogsync::sync::testing
