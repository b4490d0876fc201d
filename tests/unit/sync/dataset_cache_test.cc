// ListRecords from memory (issue "the store written once", Scope 4): the dataset cache is bounded,
// least recently used first out, and never serves a dataset at another version than the one the
// request's own transaction read; a service with it answers exactly as one without it.

#include "sync/dataset_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common/json.h"
#include "store/reclaim.h"
#include "store/sqlite/sqlite_store.h"
#include "sync/merge.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

std::shared_ptr<const DatasetCache::Snapshot> Snap(int n, size_t value_bytes = 10) {
  auto snapshot = std::make_shared<DatasetCache::Snapshot>();
  snapshot->pool_id = "pool";
  for (int i = 0; i < n; ++i) {
    const size_t begin = snapshot->json.size();
    snapshot->json += std::string(value_bytes, 'v');
    snapshot->records.push_back(DatasetCache::Snapshot::Record{"k" + std::to_string(i), i + 1,
                                                               begin, snapshot->json.size()});
  }
  return snapshot;
}

store::ChangeSet Named(std::initializer_list<std::string_view> identities) {
  store::ChangeSet changes;
  for (std::string_view id : identities) changes.Identity(id);
  return changes;
}

TEST(DatasetCache, KeepsASnapshotUntilItsIdentityChanges) {
  DatasetCache cache(1 << 20);
  DatasetCache::Ticket ticket;
  EXPECT_EQ(cache.Find("id", "ds", &ticket), nullptr);
  auto snapshot = Snap(3);
  cache.Insert("id", "ds", ticket, snapshot);
  DatasetCache::Ticket unused;
  auto hit = cache.Find("id", "ds", &unused);
  EXPECT_EQ(hit.get(), snapshot.get());
  EXPECT_EQ(cache.Find("id", "other", &unused), nullptr);
  cache.Insert("other-id", "ds", unused, Snap(1));  // another identity, kept across the change
  // A change of the identity drops its entries as soon as it is announced.
  const store::ChangeSet changes = Named({"id"});
  cache.Changing(changes);
  EXPECT_EQ(cache.Find("id", "ds", &unused), nullptr);
  cache.Changed(changes);
  EXPECT_EQ(cache.Find("id", "ds", &unused), nullptr);
  EXPECT_NE(cache.Find("other-id", "ds", &unused), nullptr);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.evictions, 1u);
}

// A reader that read the store before (or while) a commit was reported must not keep what it
// read: it may be older than an acknowledged write.
TEST(DatasetCache, NeverKeepsAReadThatMayPredateACommit) {
  DatasetCache cache(1 << 20);
  DatasetCache::Ticket before;
  ASSERT_EQ(cache.Find("id", "ds", &before), nullptr);  // then the store is read...
  const store::ChangeSet changes = Named({"id"});
  cache.Changing(changes);
  DatasetCache::Ticket during;
  ASSERT_EQ(cache.Find("id", "ds", &during), nullptr);
  cache.Insert("id", "ds", before, Snap(1));  // ...and offered while the commit is under way
  EXPECT_EQ(cache.Find("id", "ds", &during), nullptr);
  cache.Changed(changes);
  cache.Insert("id", "ds", before, Snap(1));  // or after it
  cache.Insert("id", "ds", during, Snap(1));
  DatasetCache::Ticket after;
  EXPECT_EQ(cache.Find("id", "ds", &after), nullptr);
  cache.Insert("id", "ds", after, Snap(2));  // read after the commit: kept
  DatasetCache::Ticket unused;
  auto hit = cache.Find("id", "ds", &unused);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->records.size(), 2u);
}

TEST(DatasetCache, AChangeOfEverythingDropsEverything) {
  DatasetCache cache(1 << 20);
  DatasetCache::Ticket a;
  DatasetCache::Ticket b;
  cache.Find("a", "ds", &a);
  cache.Find("b", "ds", &b);
  cache.Insert("a", "ds", a, Snap(1));
  store::ChangeSet everything;
  everything.Identity("x");
  everything.Everything();
  EXPECT_TRUE(everything.identities().empty());
  cache.Changing(everything);
  cache.Insert("b", "ds", b, Snap(1));  // refused: every stripe is busy
  cache.Changed(everything);
  EXPECT_EQ(cache.stats().entries, 0u);
  DatasetCache::Ticket unused;
  EXPECT_EQ(cache.Find("a", "ds", &unused), nullptr);
}

TEST(DatasetCache, BoundedInBytesLeastRecentlyUsedFirst) {
  const size_t budget = 64 * 1024;
  DatasetCache cache(budget);
  DatasetCache::Ticket ticket;
  for (int d = 0; d < 100; ++d) {
    const std::string name = "ds" + std::to_string(d);
    cache.Find("id", name, &ticket);
    cache.Insert("id", name, ticket, Snap(10, 100));
    ASSERT_NE(cache.Find("id", "ds0", &ticket), nullptr) << d;  // kept warm: never the oldest
    EXPECT_LE(cache.stats().bytes, budget);
  }
  EXPECT_EQ(cache.Find("id", "ds1", &ticket), nullptr);  // long gone
  EXPECT_NE(cache.Find("id", "ds99", &ticket), nullptr);
  EXPECT_GT(cache.stats().evictions, 0u);
  // A dataset past an eighth of the budget is not kept.
  cache.Find("id", "big", &ticket);
  cache.Insert("id", "big", ticket, Snap(100, 100));
  EXPECT_EQ(cache.Find("id", "big", &ticket), nullptr);
}

TEST(DatasetCache, OffKeepsNothing) {
  DatasetCache cache(0);
  EXPECT_FALSE(cache.enabled());
  DatasetCache::Ticket ticket;
  cache.Insert("id", "ds", ticket, Snap(2));
  EXPECT_EQ(cache.Find("id", "ds", &ticket), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

// The Sync service over the model store or over SQLite (the server's store, with its writer
// thread and group commit), with the cache; `uncached_` is a second service over the same store
// without it, the reference.
class SyncCacheTest : public SyncTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    db_ = store_.get();
    if (std::string(GetParam()) == "sqlite") {
      store::SqliteOptions options;
      options.path = (dir_ / "cache.db").string();
      options.synchronous_full = false;
      auto opened = store::SqliteStore::Open(options);
      ASSERT_TRUE(opened.ok()) << opened.error().ToString();
      sqlite_ = std::move(opened).value();
      db_ = sqlite_.get();
      ASSERT_TRUE(db_->Write([&](store::Txn& txn) -> Status {
                       store::Pool pool;
                       pool.id = kPool;
                       pool.name = "pool";
                       pool.created_ms = kStartMs;
                       COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
                       for (const char* id : {kIdentity, kOther}) {
                         COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(
                             store::Identity{id, kPool, kStartMs, kStartMs, false, ""}));
                       }
                       return OkStatus();
                     })
                      .ok());
      service_ = std::make_unique<SyncService>(*db_, clock_, config_, sealer_, Wiring());
    }
    uncached_config_ = config_;
    uncached_config_.dataset_cache_mib = 0;
    uncached_ = std::make_unique<SyncService>(*db_, clock_, uncached_config_, sealer_, Wiring());
  }
  void TearDown() override {
    uncached_.reset();
    service_.reset();
    counting_.reset();  // after the service that may use it (its flusher writes through it)
    sqlite_.reset();
    SyncTest::TearDown();
  }
  Integrations Wiring() { return Integrations{*calls_, *sinks_, *dispatcher_, *bulk_}; }
  void DbWrite(const store::Store::TxnFn& fn) {
    Status s = db_->Write(fn);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  // Every page of a ListRecords, token and session fields left out; an error as its code.
  static std::vector<bj::object> AllPages(SyncService& service, const std::string& dataset,
                                          int64_t last, int max_results, RequestContext ctx) {
    std::vector<bj::object> pages;
    std::string next;
    for (int guard = 0; guard < 1000; ++guard) {
      bj::object in = DatasetInput(dataset);
      if (last != 0) in["LastSyncCount"] = last;
      in["MaxResults"] = max_results;
      if (!next.empty()) in["NextToken"] = next;
      auto r = service.ListRecords(ctx, in);
      if (!r.ok()) {
        pages.push_back(bj::object{{"error", r.error().code()}});
        break;
      }
      bj::object page = r->as_object();
      page.erase("SyncSessionToken");
      next.clear();
      if (auto* token = page.if_contains("NextToken")) next = std::string(token->as_string());
      page.erase("NextToken");
      page["HasNext"] = !next.empty();
      pages.push_back(std::move(page));
      if (next.empty()) break;
    }
    return pages;
  }
  static std::vector<bj::object> AllPages(SyncService& service, const std::string& dataset,
                                          int64_t last, int max_results) {
    return AllPages(service, dataset, last, max_results, Dev());
  }

  std::unique_ptr<store::SqliteStore> sqlite_;
  store::Store* db_ = nullptr;               // the store both services use
  std::unique_ptr<CountingStore> counting_;  // a test's counting wrapper, outliving service_
  Config uncached_config_;
  std::unique_ptr<SyncService> uncached_;
};

INSTANTIATE_TEST_SUITE_P(Engines, SyncCacheTest, ::testing::Values("memory", "sqlite"));

TEST_P(SyncCacheTest, ServesRepeatedReadsFromMemoryAndSeesEveryChange) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0), Replace("b", "2", 0)});
  UpdateOk(Ident(), "ds", {Replace("c", "3", 0)});  // count 2: a client at 1 reads records
  const auto before = service_->dataset_cache().stats();
  ListOk(Ident(), "ds");
  ListOk(Ident(), "ds");
  ListOk(Ident(), "ds", 1);
  auto after = service_->dataset_cache().stats();
  EXPECT_EQ(after.misses - before.misses, 1u);
  EXPECT_EQ(after.hits - before.hits, 2u);
  EXPECT_EQ(after.entries, 1u);
  // A write through the service: the next read has it.
  UpdateOk(Ident(), "ds", {Replace("a", "changed", 1)});
  EXPECT_EQ(ListOk(Ident(), "ds", 2).at("Records").as_array().size(), 1u);  // a at 3
  auto listed = ListOk(Ident(), "ds");
  EXPECT_EQ(listed.at("Records").as_array()[0].as_object().at("Value").as_string(), "changed");
  // A write by another path of the server (an import, a migration, an admin tool in-process):
  // the store reports it, so the cached entry goes.
  clock_.Advance(5);
  DbWrite([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto found, txn.GetDataset(kIdentity, "ds", true));
    if (!found) return ApiError::ResourceNotFound("no dataset ds");
    store::Dataset d = *found;
    d.sync_count += 1;
    d.modified_ms = clock_.NowMillis();
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
    return txn.PutRecord(kIdentity, "ds",
                         store::Record{"b", "elsewhere", d.sync_count, d.modified_ms, "n2", {}});
  });
  listed = ListOk(Ident(), "ds");
  EXPECT_EQ(listed.at("Records").as_array()[1].as_object().at("Value").as_string(), "elsewhere");
  // Even a write that keeps the dataset row as it was (no version to compare) is seen.
  DbWrite([&](store::Txn& txn) -> Status {
    return txn.PutRecord(kIdentity, "ds",
                         store::Record{"b", "same row", 4, clock_.NowMillis(), "n2", {}});
  });
  listed = ListOk(Ident(), "ds");
  EXPECT_EQ(listed.at("Records").as_array()[1].as_object().at("Value").as_string(), "same row");
  // Disabled (merged away, D23): identity credentials are refused at once.
  DbWrite([&](store::Txn& txn) -> Status {
    return txn.PutIdentity(store::Identity{kIdentity, kPool, kStartMs, kStartMs, true, kOther});
  });
  EXPECT_EQ(CodeOf(List(Ident(), "ds")), "NotAuthorizedException");
  DbWrite([&](store::Txn& txn) -> Status {
    return txn.PutIdentity(store::Identity{kIdentity, kPool, kStartMs, kStartMs, false, ""});
  });
  // Deleted: nothing listed, from memory or not.
  RequestContext ctx = Ident();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput("ds")).ok());
  EXPECT_TRUE(ListOk(Ident(), "ds").at("Records").as_array().empty());
}

// A hit answers from memory alone: no store transaction at all.
TEST_P(SyncCacheTest, AHitReadsNothingFromTheStore) {
  UpdateOk(Ident(), "ds", {Replace("a", "1", 0), Replace("b", "2", 0)});
  // A fixture member, so that it outlives service_ (whose flusher thread writes through it).
  counting_ = std::make_unique<CountingStore>(*db_);
  CountingStore& counting = *counting_;
  // The store takes one observer: the counting service's cache.
  uncached_.reset();
  service_.reset();
  service_ = std::make_unique<SyncService>(counting, clock_, config_, sealer_, Wiring());
  ASSERT_TRUE(service_->dataset_cache().enabled());
  ListOk(Ident(), "ds");  // a miss fills the cache
  const int reads = counting.reads.load();
  EXPECT_GE(reads, 1);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ListOk(Ident(), "ds").at("Records").as_array().size(), 2u);
    EXPECT_EQ(ListOk(Dev(), "ds", 1).at("Records").as_array().size(), 0u);
  }
  EXPECT_EQ(counting.reads.load(), reads);
  EXPECT_EQ(service_->dataset_cache().stats().hits, 10u);
}

// The cached service and the uncached one answer every ListRecords and DescribeDataset alike
// (records, counts, flags, merged names, paging, refusals) through a random history of everything
// that changes a dataset: updates, removes, deletions and recreations (D17), writes by other paths,
// merges (D23), purges in batches, identities disabled, deleted and created again, pools deleted.
TEST_P(SyncCacheTest, AnswersAsTheStoreDoesThroughARandomHistory) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  std::map<std::string, int64_t> counts;  // key -> its SyncCount in the store (tombstones too)
  // What the store holds now, from the reference.
  auto relearn = [&] {
    counts.clear();
    bj::object in = DatasetInput("ds");
    RequestContext ctx = Dev();
    auto all = uncached_->ListRecords(ctx, in);
    ASSERT_TRUE(all.ok());
    for (const auto& r : all->as_object().at("Records").as_array()) {
      counts[std::string(r.as_object().at("Key").as_string())] =
          r.as_object().at("SyncCount").as_int64();
    }
  };
  int merges = 0;
  bool disabled = false;
  for (int step = 0; step < 300; ++step) {
    clock_.Advance(1 + pick(3));
    const int action = pick(20);
    if (disabled) {
      DbWrite([&](store::Txn& txn) -> Status {
        return txn.PutIdentity(store::Identity{kIdentity, kPool, kStartMs, kStartMs, false, ""});
      });
      disabled = false;
    } else if (action < 12) {
      bj::array patches;
      std::set<std::string> named;
      for (int i = 0, n = 1 + pick(4); i < n; ++i) {
        std::string key = "k" + std::to_string(pick(12));
        if (!named.insert(key).second) continue;
        const int64_t count = counts.contains(key) ? counts[key] : 0;
        patches.push_back(pick(4) == 0 ? Remove(key, count)
                                       : Replace(key, "v" + std::to_string(step), count));
      }
      auto written = Update(Ident(), "ds", std::move(patches));
      ASSERT_TRUE(written.ok()) << written.error().ToString();
    } else if (action < 13) {
      RequestContext ctx = Ident();
      (void)service_->DeleteDataset(ctx, DatasetInput("ds"));
    } else if (action < 14) {  // another path writes a record and the row's count
      DbWrite([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(auto found, txn.GetDataset(kIdentity, "ds", true));
        if (!found || found->deleted) return OkStatus();
        store::Dataset d = *found;
        d.sync_count += 1;
        d.modified_ms = clock_.NowMillis();
        COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
        return txn.PutRecord(kIdentity, "ds",
                             store::Record{"k" + std::to_string(pick(12)),
                                           "other path",
                                           d.sync_count,
                                           d.modified_ms,
                                           "n2",
                                           {}});
      });
    } else if (action < 16) {  // D23: an identity holding "ds" is merged into this one
      const std::string from =
          "us-east-1:00000000-0000-0000-0000-1000000000" + std::to_string(10 + merges++);
      DbWrite([&](store::Txn& txn) -> Status {
        const int64_t now = clock_.NowMillis();
        COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(store::Identity{from, kPool, now, now, false, ""}));
        store::Dataset d;
        d.identity_id = from;
        d.name = pick(2) == 0 ? "ds" : "other";
        d.pool_id = kPool;
        d.sync_count = 1;
        d.created_ms = d.modified_ms = now;
        d.num_records = 1;
        d.data_storage = 4;
        COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
        COGSYNC_RETURN_IF_ERROR(
            txn.PutRecord(from, d.name, store::Record{"k1", "from", 1, now, "m", {}}));
        COGSYNC_RETURN_IF_ERROR(MoveDatasetsOnMerge(txn, from, kIdentity, now, "merge"));
        return txn.PutIdentity(store::Identity{from, kPool, now, now, true, kIdentity});
      });
    } else if (action < 17) {
      ASSERT_TRUE(store::PurgeDatasetInBatches(*db_, kIdentity, "ds").ok());
    } else if (action < 18) {  // disabled for one step: identity credentials are refused
      DbWrite([&](store::Txn& txn) -> Status {
        return txn.PutIdentity(store::Identity{kIdentity, kPool, kStartMs, kStartMs, true, kOther});
      });
      disabled = true;
    } else if (action < 19) {  // deleted with everything it owns, and created again
      DbWrite([&](store::Txn& txn) -> Status {
        COGSYNC_RETURN_IF_ERROR(txn.DeleteIdentity(kIdentity));
        return txn.PutIdentity(store::Identity{kIdentity, kPool, kStartMs, kStartMs, false, ""});
      });
    } else {  // the pool deleted and created again, its two identities with it
      DbWrite([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(kPool));
        COGSYNC_RETURN_IF_ERROR(txn.DeletePool(kPool));
        COGSYNC_RETURN_IF_ERROR(txn.PutPool(*pool));
        for (const char* id : {kIdentity, kOther}) {
          COGSYNC_RETURN_IF_ERROR(
              txn.PutIdentity(store::Identity{id, kPool, kStartMs, kStartMs, false, ""}));
        }
        return OkStatus();
      });
    }
    relearn();
    const int64_t dataset_count = ListOk(Dev(), "ds").at("DatasetSyncCount").as_int64();
    const int64_t last = dataset_count == 0 ? 0 : pick(int(dataset_count) + 2);
    const int max_results = 1 + pick(6);
    ASSERT_EQ(AllPages(*service_, "ds", last, max_results),
              AllPages(*uncached_, "ds", last, max_results))
        << "step " << step << " action " << action << " last " << last << " max " << max_results;
    ASSERT_EQ(AllPages(*service_, "ds", last, max_results, Ident()),
              AllPages(*uncached_, "ds", last, max_results, Ident()))
        << "step " << step << " action " << action;
    // DescribeDataset answers from the same snapshots.
    for (RequestContext ctx : {Dev(), Ident()}) {
      auto cached = service_->DescribeDataset(ctx, DatasetInput("ds"));
      auto reference = uncached_->DescribeDataset(ctx, DatasetInput("ds"));
      ASSERT_EQ(CodeOf(cached), CodeOf(reference)) << "step " << step << " action " << action;
      if (cached.ok()) {
        ASSERT_EQ(*cached, *reference) << "step " << step;
      }
    }
  }
  EXPECT_GT(service_->dataset_cache().stats().hits, 0u);
}

// Readers racing a writer never see a dataset older than the last acknowledged write: the
// cache's entries go before a commit is visible, and a read that began before a commit is not
// kept after it.
TEST_P(SyncCacheTest, NoReadIsOlderThanAnAcknowledgedWrite) {
  std::atomic<int64_t> acknowledged{0};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const int64_t floor = acknowledged.load();
        bj::object in = DatasetInput("ds");
        RequestContext ctx = Dev();
        auto r = service_->ListRecords(ctx, in);
        if (!r.ok()) {
          ++stale;
          continue;
        }
        const bj::object& page = r->as_object();
        const int64_t count = page.at("DatasetSyncCount").as_int64();
        // The one record holds the count it was written at.
        const bj::array& records = page.at("Records").as_array();
        if (count < floor ||
            (count > 0 &&
             (records.size() != 1 || records[0].as_object().at("SyncCount").as_int64() != count))) {
          ++stale;
        }
        ++reads;
      }
    });
  }
  for (int64_t count = 0; count < 200; ++count) {
    // Interleaved: the readers have read at least once per write so far (the model store's
    // writes are fast enough to finish before a thread starts otherwise).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (reads.load() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    auto written = Update(Ident(), "ds", {Replace("k", "v" + std::to_string(count), count)});
    ASSERT_TRUE(written.ok()) << written.error().ToString();
    acknowledged.store(count + 1);
  }
  done.store(true);
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_GE(reads.load(), 199);
}

}  // namespace
}  // namespace cogsync::sync::testing
