// The parts of the Store contract that bound what one identity can make the server keep (D16,
// D19): tombstones counted and listed oldest first, single records removed, devices listed in
// registration order and removed with their subscriptions, purged datasets taking their
// subscriptions along. Once for every registered engine (the model, SQLite, PostgreSQL), like
// conformance_test.cc.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_test_stores.h"
#include "store/reclaim.h"

namespace cogsync::store {
namespace {

class BoundsConformanceTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    MustWrite([&](Txn& txn) -> Status {
      Pool pool;
      pool.id = "pool";
      pool.name = "pool";
      COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
      COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(Identity{"id1", "pool", 1, 1, false, ""}));
      Dataset dataset;
      dataset.identity_id = "id1";
      dataset.name = "ds";
      dataset.pool_id = "pool";
      dataset.sync_count = 9;
      return txn.PutDataset(dataset);
    });
  }
  static Record Tombstone(std::string key, int64_t modified_ms) {
    return Record{std::move(key), std::nullopt, 1, modified_ms, "x", std::nullopt};
  }
};

// Counts the write transactions that reach the store under test.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}
  Status Read(const TxnFn& fn) override { return inner_.Read(fn); }
  Status Write(const TxnFn& fn) override {
    ++writes;
    return inner_.Write(fn);
  }
  int writes = 0;

 private:
  Store& inner_;
};

TEST_P(BoundsConformanceTest, TombstonesAreCountedAndListedOldestFirst) {  // D16
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Tombstone("t-new", 500)));
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Tombstone("t-old", 100)));
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Tombstone("t-mid-b", 300)));
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Tombstone("t-mid-a", 300)));
    // A live record is never a tombstone, however old.
    return txn.PutRecord("id1", "ds", Record{"live", "v", 1, 1, "x", std::nullopt});
  });
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(int64_t count, txn.CountTombstones("id1", "ds"));
    EXPECT_EQ(count, 4);
    COGSYNC_ASSIGN_OR_RETURN(auto before_400, txn.ListOldTombstones("id1", "ds", 400, 10));
    EXPECT_EQ(before_400, (std::vector<std::string>{"t-old", "t-mid-a", "t-mid-b"}));
    COGSYNC_ASSIGN_OR_RETURN(auto two, txn.ListOldTombstones("id1", "ds", 1000, 2));
    EXPECT_EQ(two, (std::vector<std::string>{"t-old", "t-mid-a"}));
    COGSYNC_ASSIGN_OR_RETURN(auto none, txn.ListOldTombstones("id1", "ds", 100, 10));
    EXPECT_TRUE(none.empty());
    COGSYNC_ASSIGN_OR_RETURN(int64_t other, txn.CountTombstones("id1", "other"));
    EXPECT_EQ(other, 0);
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.DeleteRecord("id1", "ds", "t-old"));
    return txn.DeleteRecord("id1", "ds", "never-there");  // not an error
  });
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(int64_t count, txn.CountTombstones("id1", "ds"));
    EXPECT_EQ(count, 3);
    COGSYNC_ASSIGN_OR_RETURN(auto live, txn.GetRecords("id1", "ds", {"live", "t-old"}));
    EXPECT_EQ(live.size(), 1u);
    return OkStatus();
  });
}

TEST_P(BoundsConformanceTest, DevicesInRegistrationOrderAndDeletedWithSubscriptions) {  // D19
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"d-b", "pool", "id1", "GCM", "t1", "", 20}));
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"d-c", "pool", "id1", "GCM", "t2", "", 10}));
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"d-a", "pool", "id1", "GCM", "t3", "", 20}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSubscription(Subscription{"pool", "id1", "ds", "d-c"}));
    return txn.PutSubscription(Subscription{"pool", "id1", "ds", "d-a"});
  });
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto devices, txn.ListDevices("id1"));
    std::vector<std::string> ids;
    for (const auto& d : devices) ids.push_back(d.device_id);
    EXPECT_EQ(ids, (std::vector<std::string>{"d-c", "d-a", "d-b"}));
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.DeleteDevice("d-c"));
    return txn.DeleteDevice("no-such-device");
  });
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto device, txn.GetDevice("d-c"));
    EXPECT_FALSE(device.has_value());
    COGSYNC_ASSIGN_OR_RETURN(auto subs, txn.ListSubscriptions("id1", "ds"));
    EXPECT_EQ(subs.size(), 1u);
    if (!subs.empty()) {
      EXPECT_EQ(subs[0].device_id, "d-a");
    }
    return OkStatus();
  });
}

TEST_P(BoundsConformanceTest, PurgeDatasetTakesItsSubscriptions) {  // D19
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"d", "pool", "id1", "GCM", "t", "", 1}));
    return txn.PutSubscription(Subscription{"pool", "id1", "ds", "d"});
  });
  MustWrite([&](Txn& txn) -> Status { return txn.PurgeDataset("id1", "ds"); });
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto subs, txn.ListSubscriptions("id1", "ds"));
    EXPECT_TRUE(subs.empty());
    COGSYNC_ASSIGN_OR_RETURN(auto device, txn.GetDevice("d"));
    EXPECT_TRUE(device.has_value());  // the device stays
    return OkStatus();
  });
}

// D16: a pile of rows goes a bounded batch per transaction, oldest revisions only.
TEST_P(BoundsConformanceTest, PurgeRecordsUpToRemovesABoundedBatchOfOldRevisions) {
  MustWrite([&](Txn& txn) -> Status {
    for (int i = 0; i < 10; ++i) {
      Record r = Tombstone("old-" + std::to_string(i), 1);
      r.sync_count = 5;
      COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", r));
    }
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Record{"old-live", "v", 4, 1, "x", {}}));
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Record{"new", "v", 6, 1, "x", {}}));
    Dataset other;
    other.identity_id = "id1";
    other.name = "other";
    other.pool_id = "pool";
    other.sync_count = 1;
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(other));
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "other", Record{"old", "v", 1, 1, "x", {}}));
    return OkStatus();
  });
  int64_t removed = -1;
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(removed, txn.PurgeRecordsUpTo("id1", "ds", 5, 4));
    return OkStatus();
  });
  EXPECT_EQ(removed, 4);
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(removed, txn.PurgeRecordsUpTo("id1", "ds", 5, 100));
    return OkStatus();
  });
  EXPECT_EQ(removed, 7);  // the other six tombstones and the live record of revision 4
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto left, txn.ListRecords("id1", "ds", -1, "", 100));
    EXPECT_EQ(left.size(), 1u);
    if (!left.empty()) {
      EXPECT_EQ(left[0].key, "new");
    }
    COGSYNC_ASSIGN_OR_RETURN(auto other, txn.ListRecords("id1", "other", -1, "", 100));
    EXPECT_EQ(other.size(), 1u);  // another dataset of the identity is untouched
    return OkStatus();
  });
}

// D16: DeleteIdentities' step for each dataset (store::PurgeDatasetInBatches) never removes more
// than store::kReclaimBatch rows in one transaction: a pile stored before the bound takes as many
// transactions as it has batches, and nothing of the dataset is left.
TEST_P(BoundsConformanceTest, PurgeDatasetInBatchesTakesOneTransactionPerBatch) {
  constexpr int kRows = 3 * kReclaimBatch + 10;
  MustWrite([&](Txn& txn) -> Status {
    for (int i = 0; i < kRows; ++i) {
      COGSYNC_RETURN_IF_ERROR(txn.PutRecord("id1", "ds", Tombstone("t" + std::to_string(i), 1)));
    }
    return OkStatus();
  });
  CountingStore counting(store_->store());
  Status purged = PurgeDatasetInBatches(counting, "id1", "ds");
  ASSERT_TRUE(purged.ok()) << purged.error().ToString();
  // One to mark the dataset deleted, four batches (the last one short), one for the row.
  EXPECT_EQ(counting.writes, 1 + 4 + 1);
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.GetDataset("id1", "ds", false)->has_value());
    EXPECT_TRUE(txn.ListRecords("id1", "ds", -1, "", 10)->empty());
    EXPECT_EQ(*txn.CountTombstones("id1", "ds"), 0);
    return OkStatus();
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, BoundsConformanceTest, ::testing::ValuesIn(EngineLabels()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
