// Large deletes never hold the single writer for long (D16, issue "hostile tenants" finding 1): a
// dataset holding a pile stored before the tombstone bound is deleted by committing its marker
// alone; its rows, invisible from then on, are reclaimed a bounded batch per transaction. Rows a
// crash left behind stay invisible to every reader and never block a recreation (D15, D17).

#include "store/reclaim.h"

#include "common/json.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

class SyncReclaimTest : public SyncTest {
 protected:
  // Stores a dataset directly, as a store from before the D16 bound could hold it: `tombstones`
  // tombstones and `live` records, all of revision `count`.
  void SeedPile(const std::string& name, int tombstones, int live, int64_t count) {
    MustWrite([&](store::Txn& txn) -> Status {
      store::Dataset d;
      d.identity_id = kIdentity;
      d.name = name;
      d.pool_id = kPool;
      d.sync_count = count;
      d.created_ms = d.modified_ms = kStartMs;
      d.num_records = live;
      d.data_storage = int64_t(live) * 3;
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
      for (int i = 0; i < tombstones; ++i) {
        store::Record r{"t" + std::to_string(i), std::nullopt, count, kStartMs, "x", {}};
        COGSYNC_RETURN_IF_ERROR(txn.PutRecord(kIdentity, name, r));
      }
      for (int i = 0; i < live; ++i) {
        store::Record r{"l" + std::to_string(i), "v", count, kStartMs, "x", {}};
        COGSYNC_RETURN_IF_ERROR(txn.PutRecord(kIdentity, name, r));
      }
      return OkStatus();
    });
  }
  // Marks the dataset deleted and leaves its rows, as a crash right after DeleteDataset's commit
  // would.
  void MarkDeletedKeepingRows(const std::string& name) {
    MustWrite([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto found, txn.GetDataset(kIdentity, name, true));
      if (!found) return ApiError::ResourceNotFound("no dataset " + name);
      store::Dataset d = *found;
      d.deleted = true;
      d.last_deleted_at = d.sync_count;
      d.num_records = 0;
      d.data_storage = 0;
      return txn.PutDataset(d);
    });
  }
  // Every row the store holds for the dataset, reclaimable or not.
  size_t RawRows(const std::string& name) {
    size_t n = 0;
    Status s = store_->Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto rows, txn.ListRecords(kIdentity, name, -1, "", 100000));
      n = rows.size();
      return OkStatus();
    });
    EXPECT_TRUE(s.ok());
    return n;
  }
};

// D16: 5,003 rows: the marker commits first, then five batches of at most kReclaimBatch rows.
TEST_F(SyncReclaimTest, DeleteDatasetReclaimsALargePileInBatchesD16) {
  SeedPile("big", 5000, 3, 7);
  CountingStore counting(*store_);
  SyncService service(counting, clock_, config_, sealer_,
                      Integrations{*calls_, *sinks_, *dispatcher_, *bulk_});
  RequestContext ctx = Ident();
  auto deleted = service.DeleteDataset(ctx, DatasetInput("big"));
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_EQ(deleted->as_object().at("Dataset").as_object().at("NumRecords").as_int64(), 3);
  static_assert(store::kReclaimBatch == 1024);
  EXPECT_EQ(counting.writes.load(), 1 + 5);  // 4 full batches of 1,024 and one of 907
  EXPECT_EQ(RawRows("big"), 0u);
  auto after = ListOk(Ident(), "big", 7);
  EXPECT_FALSE(after.at("DatasetExists").as_bool());
  EXPECT_TRUE(after.at("DatasetDeletedAfterRequestedSyncCount").as_bool());  // D17
}

// D15, D17: rows of a deleted revision that were never reclaimed are seen by no reader and do not
// make a recreation conflict; the next deletion reclaims them.
TEST_F(SyncReclaimTest, UnreclaimedRowsAreInvisibleD17) {
  SeedPile("ds", 3, 2, 5);  // t0..t2 tombstones, l0 and l1 live, all at revision 5
  MarkDeletedKeepingRows("ds");
  ASSERT_EQ(RawRows("ds"), 5u);
  auto gone = ListOk(Ident(), "ds");
  EXPECT_FALSE(gone.at("DatasetExists").as_bool());
  EXPECT_TRUE(gone.at("Records").as_array().empty());
  // A device that never saw the old revision writes l0 and removes t0 as new keys (SyncCount 0).
  auto written = UpdateOk(Ident(), "ds", {Replace("l0", "new", 0), Remove("t0", 0)});
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0].as_object().at("SyncCount").as_int64(), 6);  // D17: counting goes on
  auto listed = ListOk(Ident(), "ds");
  EXPECT_EQ(Keys(listed.at("Records").as_array()), (std::vector<std::string>{"l0"}));
  EXPECT_EQ(DescribeOk("ds").at("NumRecords").as_int64(), 1);
  // A client at the old revision learns of the deletion and gets only the new revision.
  auto from_old = ListOk(Ident(), "ds", 5);
  EXPECT_TRUE(from_old.at("DatasetDeletedAfterRequestedSyncCount").as_bool());
  EXPECT_EQ(Keys(from_old.at("Records").as_array()), (std::vector<std::string>{"l0"}));
  // l1's old row writes as a new key, not as a conflict with revision 5.
  UpdateOk(Ident(), "ds", {Replace("l1", "again", 0)});
  // Deleting again reclaims the old revision's leftovers with the new one.
  RequestContext ctx = Ident();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput("ds")).ok());
  EXPECT_EQ(RawRows("ds"), 0u);
}

// D16: leftover tombstones of a deleted revision count for nothing: a recreated dataset's removes
// within the grace period are not refused because of them.
TEST_F(SyncReclaimTest, LeftoverTombstonesDoNotFillTheBoundD16) {
  config_.limits.tombstones_per_dataset = 4;
  SeedPile("ds", 10, 0, 5);
  MarkDeletedKeepingRows("ds");
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0), Replace("b", "1", 0)});  // revision 6
  UpdateOk(Ident(), "ds", {Remove("a", 6), Remove("b", 6)});              // two tombstones
  auto listed = ListOk(Ident(), "ds");
  EXPECT_EQ(Keys(listed.at("Records").as_array()), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(RawRows("ds"), 2u);  // the ten old tombstones were reclaimed by the update
}

}  // namespace
}  // namespace cogsync::sync::testing
