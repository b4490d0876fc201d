// The outbox, lease and pool-scan parts of the Store contract (D24, D26), once for every registered
// engine (the model, SQLite, PostgreSQL), like conformance_test.cc.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

class OutboxConformanceTest : public EngineTest {
 protected:
  std::vector<OutboxEntry> ListAll(int page) {
    std::vector<OutboxEntry> all;
    OutboxCursor cursor;
    while (true) {
      std::vector<OutboxEntry> got;
      Status s = store_->store().Read([&](Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(got, txn.ListOutbox(cursor, page));
        return OkStatus();
      });
      EXPECT_TRUE(s.ok());
      if (got.empty()) return all;
      const OutboxEntry& last = got.back();
      cursor = OutboxCursor{last.partition, last.position, last.sub, last.id};
      for (auto& e : got) all.push_back(std::move(e));
    }
  }
  static OutboxEntry Entry(std::string id, std::string partition, int64_t position, int sub) {
    OutboxEntry e;
    e.id = std::move(id);
    e.kind = "stream";
    e.pool_id = "pool";
    e.partition = std::move(partition);
    e.position = position;
    e.sub = sub;
    e.target = R"({"stream":"s"})";
    e.payload = R"({"syncCount":1})";
    e.created_ms = 1000 + position;
    return e;
  }
};

TEST_P(OutboxConformanceTest, EntriesComeBackInPartitionOrderAcrossPages) {  // D24
  MustWrite([&](Txn& txn) -> Status {
    // Written out of order on purpose: the order is the key, not the insertion.
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("e3", "b", 4, 0)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("e1", "a", 2, 1)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("e0", "a", 2, 0)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("e2", "a", 10, 0)));
    return txn.AppendOutbox(Entry("e4", "b", 4, 0));  // same position: id breaks the tie
  });
  std::vector<OutboxEntry> all = ListAll(2);
  ASSERT_EQ(all.size(), 5u);
  std::vector<std::string> ids;
  for (const auto& e : all) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
  EXPECT_EQ(all[0].kind, "stream");
  EXPECT_EQ(all[0].target, R"({"stream":"s"})");
  EXPECT_EQ(all[0].payload, R"({"syncCount":1})");
  EXPECT_EQ(all[0].created_ms, 1002);
}

TEST_P(OutboxConformanceTest, AttemptsAreRecordedAndDeliveredEntriesDeleted) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("x", "p", 1, 0)));
    return txn.AppendOutbox(Entry("y", "p", 2, 0));
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.UpdateOutboxAttempt("x", 3, 99999, "sink down"));
    COGSYNC_RETURN_IF_ERROR(txn.DeleteOutbox("y"));
    return txn.DeleteOutbox("never-existed");
  });
  std::vector<OutboxEntry> all = ListAll(10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].attempts, 3);
  EXPECT_EQ(all[0].next_attempt_ms, 99999);
  EXPECT_EQ(all[0].last_error, "sink down");
  Status s = store_->store().Read([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto stats, txn.GetOutboxStats());
    EXPECT_EQ(stats.pending, 1);
    EXPECT_EQ(stats.oldest_created_ms, 1001);
    return OkStatus();
  });
  EXPECT_TRUE(s.ok());
}

TEST_P(OutboxConformanceTest, AFailedTransactionLeavesNoEntry) {  // D24: same transaction
  Status s = store_->store().Write([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("lost", "p", 1, 0)));
    return ApiError::ResourceConflict("the change itself failed");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(ListAll(10).empty());
}

TEST_P(OutboxConformanceTest, LeaseHasOneOwnerUntilItExpires) {
  auto acquire = [&](const std::string& owner, int64_t now) {
    bool held = false;
    MustWrite([&](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(held, txn.TryAcquireLease("outbox", owner, now, 1000));
      return OkStatus();
    });
    return held;
  };
  EXPECT_TRUE(acquire("node-a", 0));
  EXPECT_FALSE(acquire("node-b", 500));
  EXPECT_TRUE(acquire("node-a", 900));  // renewal: now held until 1900
  EXPECT_FALSE(acquire("node-b", 1800));
  EXPECT_TRUE(acquire("node-b", 1900));  // expired
  EXPECT_FALSE(acquire("node-a", 2000));
}

TEST_P(OutboxConformanceTest, PoolDatasetScanSkipsDeletedAndOtherPools) {  // D26
  MustWrite([&](Txn& txn) -> Status {
    for (const char* pool_id : {"p1", "p2"}) {
      Pool pool;
      pool.id = pool_id;
      pool.name = pool_id;
      COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
    }
    for (const char* id : {"i2", "i1", "i3"}) {
      COGSYNC_RETURN_IF_ERROR(
          txn.PutIdentity(Identity{id, id == std::string("i3") ? "p2" : "p1", 1, 1, false, ""}));
    }
    auto put = [&](const char* identity, const char* name, bool deleted) {
      Dataset d;
      d.identity_id = identity;
      d.name = name;
      d.pool_id = identity == std::string("i3") ? "p2" : "p1";
      d.sync_count = 1;
      d.deleted = deleted;
      return txn.PutDataset(d);
    };
    COGSYNC_RETURN_IF_ERROR(put("i2", "b", false));
    COGSYNC_RETURN_IF_ERROR(put("i1", "z", false));
    COGSYNC_RETURN_IF_ERROR(put("i1", "a", false));
    COGSYNC_RETURN_IF_ERROR(put("i1", "gone", true));
    return put("i3", "other", false);
  });
  std::vector<std::string> seen;
  std::string after_identity, after_name;
  while (true) {
    std::vector<Dataset> page;
    Status s = store_->store().Read([&](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(page, txn.ListPoolDatasets("p1", after_identity, after_name, 2));
      return OkStatus();
    });
    ASSERT_TRUE(s.ok());
    if (page.empty()) break;
    for (const auto& d : page) seen.push_back(d.identity_id + "/" + d.name);
    after_identity = page.back().identity_id;
    after_name = page.back().name;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"i1/a", "i1/z", "i2/b"}));
}

// Only due entries of the kind asked for, in (due time, partition, position) order, paged.
TEST_P(OutboxConformanceTest, DueEntriesAreReadInDueOrderAcrossPages) {  // D24
  MustWrite([&](Txn& txn) -> Status {
    OutboxEntry later = Entry("later", "c", 1, 0);
    later.next_attempt_ms = 5000;  // not due at 3000
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(later));
    OutboxEntry retried = Entry("retried", "d", 1, 0);
    retried.next_attempt_ms = 2000;
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(retried));
    OutboxEntry push = Entry("push", "e", 1, 0);
    push.kind = "push";
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(push));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("b2", "b", 2, 0)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("a1", "a", 1, 0)));
    return txn.AppendOutbox(Entry("b1", "b", 1, 0));
  });
  std::vector<std::string> ids;
  OutboxCursor cursor;
  while (true) {
    std::vector<OutboxEntry> got;
    ASSERT_TRUE(store_->store()
                    .Read([&](Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(got, txn.ListDueOutbox("stream", 3000, cursor, 2));
                      return OkStatus();
                    })
                    .ok());
    if (got.empty()) break;
    ASSERT_LE(got.size(), 2u);
    const OutboxEntry& last = got.back();
    cursor = OutboxCursor{last.partition, last.position, last.sub, last.id, last.next_attempt_ms};
    for (const auto& e : got) ids.push_back(e.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a1", "b1", "b2", "retried"}));
}

// A failed attempt defers the rest of its partition, and an entry appended behind a deferred one
// waits for it too: the due entries of a partition are always a prefix of it (store.h).
TEST_P(OutboxConformanceTest, AFailureDefersTheRestOfItsPartition) {  // D24
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("p1", "p", 1, 0)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("p2", "p", 2, 0)));
    return txn.AppendOutbox(Entry("q1", "q", 1, 0));
  });
  MustWrite([&](Txn& txn) -> Status { return txn.UpdateOutboxAttempt("p1", 1, 9000, "down"); });
  MustWrite([&](Txn& txn) -> Status { return txn.AppendOutbox(Entry("p3", "p", 3, 0)); });
  auto due_ids = [&](int64_t now) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_->store()
                    .Read([&](Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(
                          auto got, txn.ListDueOutbox("stream", now, OutboxCursor{}, 10));
                      for (const auto& e : got) ids.push_back(e.id);
                      return OkStatus();
                    })
                    .ok());
    return ids;
  };
  EXPECT_EQ(due_ids(5000), (std::vector<std::string>{"q1"}));
  EXPECT_EQ(due_ids(9000), (std::vector<std::string>{"q1", "p1", "p2", "p3"}));
}

// A push supersedes the undelivered entries of its partition (one per device and dataset).
TEST_P(OutboxConformanceTest, ReplaceSupersedesThePartitionsPendingEntries) {  // D19
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("old1", "dev", 2, 0)));
    COGSYNC_RETURN_IF_ERROR(txn.AppendOutbox(Entry("old2", "dev", 4, 0)));
    return txn.AppendOutbox(Entry("other", "dev2", 4, 0));
  });
  MustWrite([&](Txn& txn) -> Status { return txn.ReplaceOutbox(Entry("new", "dev", 6, 0)); });
  std::vector<std::string> ids;
  for (const auto& e : ListAll(10)) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"new", "other"}));
}

TEST_P(OutboxConformanceTest, WipeClearsTheOutbox) {
  MustWrite([&](Txn& txn) -> Status { return txn.AppendOutbox(Entry("w", "p", 1, 0)); });
  MustWrite([&](Txn& txn) -> Status { return txn.WipeCognitoState(); });
  EXPECT_TRUE(ListAll(10).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxConformanceTest, ::testing::ValuesIn(EngineLabels()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
