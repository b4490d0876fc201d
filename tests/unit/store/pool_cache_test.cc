// The SQLite store's pool cache (store/sql/pool_cache.h): its generation rule on its own, and
// through SqliteStore that a read never sees a pool older than the last acknowledged write, even
// when its snapshot was taken before that write; and the server's exclusive lock on the file.

#include "store/sql/pool_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cogsync::store {
namespace {

using sql::PoolCache;

Pool NamedPool(const std::string& id, const std::string& name) {
  Pool pool;
  pool.id = id;
  pool.name = name;
  pool.created_ms = 1;
  return pool;
}

std::vector<std::string> Ids(const std::vector<PoolName>& names) {
  std::vector<std::string> ids;
  for (const auto& name : names) ids.push_back(name.id);
  return ids;
}

TEST(PoolCacheTest, AnOfferFromBeforeAnInvalidationIsDropped) {
  PoolCache cache;
  uint64_t before = cache.Generation();
  cache.MarkWritten();
  cache.InvalidateIfWritten();
  cache.Put(std::make_shared<const Pool>(NamedPool("p", "old")),
            before);  // read from a snapshot older than the write
  EXPECT_EQ(cache.Get("p"), nullptr);
  cache.PutNames({PoolName{"p", "old"}}, before);
  EXPECT_FALSE(cache.Names("", 10).has_value());

  cache.Put(std::make_shared<const Pool>(NamedPool("p", "new")), cache.Generation());
  ASSERT_NE(cache.Get("p"), nullptr);
  EXPECT_EQ(cache.Get("p")->name, "new");
}

TEST(PoolCacheTest, OnlyAWrittenPoolInvalidates) {
  PoolCache cache;
  cache.Put(std::make_shared<const Pool>(NamedPool("p", "x")), cache.Generation());
  uint64_t generation = cache.Generation();
  cache.InvalidateIfWritten();  // a transaction that wrote no pool
  EXPECT_EQ(cache.Generation(), generation);
  EXPECT_NE(cache.Get("p"), nullptr);

  cache.MarkWritten();
  cache.InvalidateIfWritten();
  EXPECT_NE(cache.Generation(), generation);
  EXPECT_EQ(cache.Get("p"), nullptr);
  cache.InvalidateIfWritten();  // the mark is consumed
  EXPECT_EQ(cache.Generation(), generation + 1);
}

TEST(PoolCacheTest, NamesArePagedAfterAnId) {
  PoolCache cache;
  cache.PutNames({{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}}, cache.Generation());
  EXPECT_EQ(Ids(*cache.Names("", 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids(*cache.Names("b", 2)), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(Ids(*cache.Names("bb", 5)), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(cache.Names("d", 2)->empty());
  EXPECT_TRUE(cache.Names("", 0)->empty());
  EXPECT_TRUE(cache.Names("", -1)->empty());
}

TEST(PoolCacheTest, StaysBounded) {
  PoolCache cache;
  for (size_t i = 0; i <= PoolCache::kMaxPools; ++i) {
    cache.Put(std::make_shared<const Pool>(NamedPool("p" + std::to_string(i), "n")),
              cache.Generation());
  }
  // The map was emptied when it was full, then took the last one.
  EXPECT_NE(cache.Get("p" + std::to_string(PoolCache::kMaxPools)), nullptr);
  EXPECT_EQ(cache.Get("p0"), nullptr);

  cache.PutNames({{"a", "A"}}, cache.Generation());
  EXPECT_FALSE(cache.TooManyNames());
  std::vector<PoolName> too_many(PoolCache::kMaxPools + 1, PoolName{"x", "x"});
  cache.PutNames(too_many, cache.Generation());
  EXPECT_FALSE(cache.Names("", 1).has_value());
  EXPECT_TRUE(cache.TooManyNames());  // the store pages with SQL, without re-reading the list
  cache.MarkWritten();
  cache.InvalidateIfWritten();
  EXPECT_FALSE(cache.TooManyNames());
}

class PoolCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    options_.path = dir_.File("cogsync.db");
    options_.read_connections = 2;
    auto opened = SqliteStore::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }
  Status Put(const Pool& pool) {
    return store_->Write([&](Txn& txn) { return txn.PutPool(pool); });
  }
  std::string NameOf(const std::string& id) {
    std::string name = "<missing>";
    EXPECT_TRUE(store_
                    ->Read([&](Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(id));
                      if (pool) name = pool->name;
                      return OkStatus();
                    })
                    .ok());
    return name;
  }
  std::vector<PoolName> Names() {
    std::vector<PoolName> names;
    EXPECT_TRUE(store_
                    ->Read([&](Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(names, txn.ListPoolNames("", 60));
                      return OkStatus();
                    })
                    .ok());
    return names;
  }

  testing::TempDir dir_{"pool-cache"};
  SqliteOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(PoolCacheStoreTest, ReadsSeeEveryAcknowledgedPoolWrite) {
  ASSERT_TRUE(Put(NamedPool("p1", "first")).ok());
  EXPECT_EQ(NameOf("p1"), "first");  // now cached
  EXPECT_EQ(Ids(Names()), (std::vector<std::string>{"p1"}));

  ASSERT_TRUE(Put(NamedPool("p1", "second")).ok());
  EXPECT_EQ(NameOf("p1"), "second");
  ASSERT_TRUE(Put(NamedPool("p0", "zero")).ok());
  auto names = Names();
  EXPECT_EQ(Ids(names), (std::vector<std::string>{"p0", "p1"}));
  EXPECT_EQ(names[1].name, "second");

  ASSERT_TRUE(store_->Write([](Txn& txn) { return txn.DeletePool("p1"); }).ok());
  EXPECT_EQ(NameOf("p1"), "<missing>");
  EXPECT_EQ(Ids(Names()), (std::vector<std::string>{"p0"}));

  ASSERT_TRUE(store_->Write([](Txn& txn) { return txn.WipeCognitoState(); }).ok());
  EXPECT_EQ(NameOf("p0"), "<missing>");
  EXPECT_TRUE(Names().empty());
}

// More pools than the cache lists: ListPoolNames pages with SQL, in order, and sees new pools.
TEST_F(PoolCacheStoreTest, ManyPoolsArePagedWithoutTheCache) {
  const size_t count = PoolCache::kMaxPools + 6;
  auto id = [](size_t i) {
    std::string n = std::to_string(i);
    return "p" + std::string(5 - n.size(), '0') + n;
  };
  ASSERT_TRUE(store_
                  ->Write([&](Txn& txn) -> Status {
                    for (size_t i = 0; i < count; ++i) {
                      COGSYNC_RETURN_IF_ERROR(txn.PutPool(NamedPool(id(i), "n")));
                    }
                    return OkStatus();
                  })
                  .ok());
  auto all_ids = [&] {
    std::vector<std::string> ids;
    std::string after;
    while (true) {
      std::vector<PoolName> page;
      EXPECT_TRUE(store_
                      ->Read([&](Txn& txn) -> Status {
                        COGSYNC_ASSIGN_OR_RETURN(page, txn.ListPoolNames(after, 60));
                        return OkStatus();
                      })
                      .ok());
      if (page.empty()) return ids;
      for (const auto& name : page) ids.push_back(name.id);
      after = page.back().id;
    }
  };
  std::vector<std::string> ids = all_ids();
  ASSERT_EQ(ids.size(), count);
  for (size_t i = 0; i < count; ++i) EXPECT_EQ(ids[i], id(i));
  ASSERT_TRUE(Put(NamedPool("p99999", "last")).ok());
  ids = all_ids();
  ASSERT_EQ(ids.size(), count + 1);
  EXPECT_EQ(ids.back(), "p99999");
}

TEST_F(PoolCacheStoreTest, AFailedWriteLeavesTheCommittedPool) {
  ASSERT_TRUE(Put(NamedPool("p", "kept")).ok());
  EXPECT_EQ(NameOf("p"), "kept");
  Status failed = store_->Write([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(NamedPool("p", "rolled back")));
    return ApiError::InvalidParameter("no");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(NameOf("p"), "kept");
}

TEST_F(PoolCacheStoreTest, AWriteSeesItsOwnPoolChangesBeforeCommit) {
  ASSERT_TRUE(Put(NamedPool("p", "before")).ok());
  EXPECT_EQ(NameOf("p"), "before");
  std::string inside;
  ASSERT_TRUE(store_
                  ->Write([&](Txn& txn) -> Status {
                    COGSYNC_RETURN_IF_ERROR(txn.PutPool(NamedPool("p", "after")));
                    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool("p"));
                    inside = pool ? pool->name : "";
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(inside, "after");
  EXPECT_EQ(NameOf("p"), "after");
}

// The race the generation exists for: a read whose snapshot predates a pool write reads the old
// pool after the write was acknowledged and its invalidation ran. What it read is right for its
// snapshot, but must not be left in the cache for later reads.
TEST_F(PoolCacheStoreTest, AnOldSnapshotDoesNotRefillTheCacheWithAnOldPool) {
  ASSERT_TRUE(Put(NamedPool("p", "old")).ok());
  ASSERT_TRUE(Put(NamedPool("q", "other")).ok());
  std::string seen_in_old_snapshot;
  ASSERT_TRUE(store_
                  ->Read([&](Txn& txn) -> Status {
                    COGSYNC_RETURN_IF_ERROR(txn.GetSecret("anything"));  // snapshot taken
                    std::thread writer([&] { EXPECT_TRUE(Put(NamedPool("p", "new")).ok()); });
                    writer.join();  // acknowledged: committed and invalidated
                    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool("p"));
                    seen_in_old_snapshot = pool ? pool->name : "";
                    COGSYNC_RETURN_IF_ERROR(txn.ListPoolNames("", 10));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen_in_old_snapshot, "old");
  EXPECT_EQ(NameOf("p"), "new");
  auto names = Names();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].name, "new");
}

// Readers racing a writer: a read that starts after a write was acknowledged never sees an older
// pool, however reads, fills and invalidations interleave.
TEST_F(PoolCacheStoreTest, NoReadSeesAPoolOlderThanTheLastAcknowledgedWrite) {
  constexpr int kVersions = 300;
  ASSERT_TRUE(Put(NamedPool("p", "0")).ok());
  std::atomic<int> acknowledged{0};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        int floor = acknowledged.load();
        int seen = std::stoi(NameOf("p"));
        if (seen < floor) stale.fetch_add(1);
        reads.fetch_add(1);
      }
    });
  }
  for (int v = 1; v <= kVersions; ++v) {
    ASSERT_TRUE(Put(NamedPool("p", std::to_string(v))).ok());
    acknowledged.store(v);
  }
  done.store(true);
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(stale.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(NameOf("p"), std::to_string(kVersions));
}

TEST_F(PoolCacheStoreTest, AnExclusiveStoreRefusesASecondServer) {
  store_.reset();
  SqliteOptions exclusive = options_;
  exclusive.exclusive = true;
  auto server = SqliteStore::Open(exclusive);
  ASSERT_TRUE(server.ok()) << server.error().ToString();

  auto second = SqliteStore::Open(exclusive);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("in use by another cogsync server"), std::string::npos)
      << second.error().message();

  auto tool = SqliteStore::Open(options_);  // `cogsync keys` beside the server
  EXPECT_TRUE(tool.ok());

  server.value().reset();
  auto next = SqliteStore::Open(exclusive);  // the lock went with the first server
  EXPECT_TRUE(next.ok());
}

}  // namespace
}  // namespace cogsync::store
