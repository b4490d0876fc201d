// Pools are handed out as immutable shared snapshots (store/types.h PoolPtr), once for every
// registered engine (the model, SQLite, PostgreSQL), like conformance_test.cc: a snapshot taken
// before a change keeps its old value, and the next transaction sees the new one.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

namespace bj = boost::json;

class PoolSnapshotConformanceTest : public EngineTest {
 protected:
  PoolPtr Read(const std::string& id) {
    PoolPtr pool;
    Status status = store_->store().Read([&](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(pool, txn.GetPool(id));
      return OkStatus();
    });
    EXPECT_TRUE(status.ok());
    return pool;
  }
  static Pool MakePool(const std::string& id, const std::string& name, const std::string& tag) {
    Pool pool;
    pool.id = id;
    pool.name = name;
    pool.description = bj::object{{"IdentityPoolId", id}, {"IdentityPoolName", name}};
    pool.tags = bj::object{{"k", tag}};
    pool.events =
        bj::object{{"SyncTrigger", "arn:aws:lambda:us-east-1:000000000000:function:" + tag}};
    pool.created_ms = 1;
    return pool;
  }
};

TEST_P(PoolSnapshotConformanceTest, ASnapshotKeepsItsValueAndTheNextReadSeesTheChange) {
  MustWrite([&](Txn& txn) { return txn.PutPool(MakePool("p", "before", "v1")); });
  PoolPtr held = Read("p");
  ASSERT_NE(held, nullptr);
  PoolPtr again = Read("p");  // from the engine's cache, if it keeps one: the same value
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->name, "before");

  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(PoolPtr current, txn.GetPool("p"));
    if (current == nullptr) return ApiError::InternalError("no pool");
    Pool changed = *current;  // a change is a new Pool; the snapshot is never written through
    changed.name = "after";
    changed.tags["k"] = "v2";
    changed.events["SyncTrigger"] = "arn:aws:lambda:us-east-1:000000000000:function:v2";
    return txn.PutPool(changed);
  });

  // What was handed out before the change is unchanged, member for member.
  EXPECT_EQ(held->name, "before");
  EXPECT_EQ(held->tags, (bj::object{{"k", "v1"}}));
  EXPECT_EQ(held->events.at("SyncTrigger"), "arn:aws:lambda:us-east-1:000000000000:function:v1");
  EXPECT_EQ(again->name, "before");
  // The next transaction sees the new version.
  PoolPtr now = Read("p");
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(now->name, "after");
  EXPECT_EQ(now->tags, (bj::object{{"k", "v2"}}));
  EXPECT_EQ(now->events.at("SyncTrigger"), "arn:aws:lambda:us-east-1:000000000000:function:v2");

  // Deleted: the old snapshot still reads as it was; the store has no pool any more.
  MustWrite([&](Txn& txn) { return txn.DeletePool("p"); });
  EXPECT_EQ(now->name, "after");
  EXPECT_EQ(Read("p"), nullptr);
}

// A write transaction sees its own pool change before it commits, and a snapshot it took before
// the change is not altered by it.
TEST_P(PoolSnapshotConformanceTest, AWriteSeesItsOwnChangeAndItsEarlierSnapshotStays) {
  MustWrite([&](Txn& txn) { return txn.PutPool(MakePool("p", "before", "v1")); });
  std::string earlier, later;
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(PoolPtr first, txn.GetPool("p"));
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p", "after", "v2")));
    COGSYNC_ASSIGN_OR_RETURN(PoolPtr second, txn.GetPool("p"));
    earlier = first ? first->name : "";
    later = second ? second->name : "";
    return OkStatus();
  });
  EXPECT_EQ(earlier, "before");
  EXPECT_EQ(later, "after");
  EXPECT_EQ(Read("p")->name, "after");
}

INSTANTIATE_TEST_SUITE_P(Backends, PoolSnapshotConformanceTest, ::testing::ValuesIn(EngineLabels()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
