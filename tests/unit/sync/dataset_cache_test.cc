// ListRecords from memory (issue "the store written once", Scope 4): the dataset cache is bounded,
// least recently used first out, and never serves a dataset at another version than the one the
// request's own transaction read; a service with it answers exactly as one without it.

#include "sync/dataset_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "common/json.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

std::vector<store::Record> Recs(int n, size_t value_bytes = 10) {
  std::vector<store::Record> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(store::Record{"k" + std::to_string(i), std::string(value_bytes, 'v'), i + 1, 0,
                                "x", std::nullopt});
  }
  return out;
}

TEST(DatasetCache, HitsOnlyAtTheSameVersion) {
  DatasetCache cache(1 << 20);
  const DatasetCache::Version v1{3, 10, 20, 0};
  EXPECT_EQ(cache.Find("id", "ds", v1), nullptr);
  auto inserted = cache.Insert("id", "ds", v1, Recs(3));
  ASSERT_EQ(inserted->size(), 3u);
  auto hit = cache.Find("id", "ds", v1);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit.get(), inserted.get());
  EXPECT_EQ(cache.Find("id", "other", v1), nullptr);
  // Any part of the version differing is a miss, and the old entry goes.
  for (DatasetCache::Version other :
       {DatasetCache::Version{4, 10, 20, 0}, DatasetCache::Version{3, 11, 20, 0},
        DatasetCache::Version{3, 10, 21, 0}, DatasetCache::Version{3, 10, 20, 1}}) {
    cache.Insert("id", "ds", v1, Recs(3));
    EXPECT_EQ(cache.Find("id", "ds", other), nullptr);
    EXPECT_EQ(cache.Find("id", "ds", v1), nullptr);  // dropped
  }
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.entries, 0u);
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_EQ(stats.evictions, 4u);
}

TEST(DatasetCache, BoundedInBytesLeastRecentlyUsedFirst) {
  const size_t budget = 64 * 1024;
  DatasetCache cache(budget);
  const DatasetCache::Version v{1, 1, 1, 0};
  for (int d = 0; d < 100; ++d) {
    cache.Insert("id", "ds" + std::to_string(d), v, Recs(10, 100));
    ASSERT_NE(cache.Find("id", "ds0", v), nullptr) << d;  // kept warm: never the oldest
    EXPECT_LE(cache.stats().bytes, budget);
  }
  EXPECT_EQ(cache.Find("id", "ds1", v), nullptr);  // long gone
  EXPECT_NE(cache.Find("id", "ds99", v), nullptr);
  EXPECT_GT(cache.stats().evictions, 0u);
  // A dataset past an eighth of the budget is answered but not kept.
  auto big = cache.Insert("id", "big", v, Recs(100, 100));
  EXPECT_EQ(big->size(), 100u);
  EXPECT_EQ(cache.Find("id", "big", v), nullptr);
}

TEST(DatasetCache, OffKeepsNothing) {
  DatasetCache cache(0);
  EXPECT_FALSE(cache.enabled());
  const DatasetCache::Version v{1, 1, 1, 0};
  EXPECT_EQ(cache.Insert("id", "ds", v, Recs(2))->size(), 2u);
  EXPECT_EQ(cache.Find("id", "ds", v), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

class SyncCacheTest : public SyncTest {
 protected:
  // A second service over the same store without the cache: the reference.
  void MakeUncached() {
    uncached_config_ = config_;
    uncached_config_.dataset_cache_mib = 0;
    uncached_ = std::make_unique<SyncService>(*store_, clock_, uncached_config_, sealer_,
                                              Integrations{*calls_, *sinks_, *dispatcher_, *bulk_});
  }
  void TearDown() override {
    uncached_.reset();
    SyncTest::TearDown();
  }
  // Every page of a ListRecords, token and session fields left out.
  static std::vector<bj::object> AllPages(SyncService& service, const std::string& dataset,
                                          int64_t last, int max_results) {
    std::vector<bj::object> pages;
    std::string next;
    for (int guard = 0; guard < 1000; ++guard) {
      bj::object in = DatasetInput(dataset);
      if (last != 0) in["LastSyncCount"] = last;
      in["MaxResults"] = max_results;
      if (!next.empty()) in["NextToken"] = next;
      RequestContext ctx = Dev();
      auto r = service.ListRecords(ctx, in);
      EXPECT_TRUE(r.ok()) << r.error().ToString();
      if (!r.ok()) break;
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

  Config uncached_config_;
  std::unique_ptr<SyncService> uncached_;
};

TEST_F(SyncCacheTest, ServesRepeatedReadsFromMemoryAndSeesEveryChange) {
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
  // A write by someone else (another node of a cluster, an import): the dataset row changes
  // version with it, so the cached entry is passed over.
  clock_.Advance(5);
  MustWrite([&](store::Txn& txn) -> Status {
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
  // Deleted: nothing listed, from memory or not.
  RequestContext ctx = Ident();
  ASSERT_TRUE(service_->DeleteDataset(ctx, DatasetInput("ds")).ok());
  EXPECT_TRUE(ListOk(Ident(), "ds").at("Records").as_array().empty());
}

// The cached service and the uncached one answer every ListRecords alike (records, counts,
// flags, paging) through a random history of writes, removes, deletions and recreations.
TEST_F(SyncCacheTest, AnswersAsTheStoreDoesThroughARandomHistory) {
  MakeUncached();
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  std::map<std::string, int64_t> counts;  // key -> its SyncCount in the store
  std::set<std::string> live;             // keys holding a value
  for (int step = 0; step < 300; ++step) {
    clock_.Advance(1 + pick(3));
    const int action = pick(10);
    if (action < 7) {
      bj::array patches;
      std::map<std::string, bool> removes;  // key -> a remove
      for (int i = 0, n = 1 + pick(4); i < n; ++i) {
        std::string key = "k" + std::to_string(pick(12));
        if (removes.contains(key)) continue;
        const int64_t count = counts.contains(key) ? counts[key] : 0;
        const bool remove = pick(4) == 0;
        removes[key] = remove;
        patches.push_back(remove ? Remove(key, count)
                                 : Replace(key, "v" + std::to_string(step), count));
      }
      auto written = Update(Ident(), "ds", std::move(patches));
      ASSERT_TRUE(written.ok()) << written.error().ToString();
      for (const auto& r : written->as_object().at("Records").as_array()) {
        const std::string key(r.as_object().at("Key").as_string());
        // D16: a remove of a key without a value writes nothing; its count stays.
        if (removes[key] && !live.contains(key)) continue;
        counts[key] = r.as_object().at("SyncCount").as_int64();
        if (removes[key]) {
          live.erase(key);
        } else {
          live.insert(key);
        }
      }
    } else if (action < 8) {
      RequestContext ctx = Ident();
      auto deleted = service_->DeleteDataset(ctx, DatasetInput("ds"));
      if (deleted.ok()) {  // D17: a recreation starts every key from 0
        counts.clear();
        live.clear();
      }
    }
    const int64_t dataset_count = ListOk(Ident(), "ds").at("DatasetSyncCount").as_int64();
    const int64_t last = dataset_count == 0 ? 0 : pick(int(dataset_count) + 2);
    const int max_results = 1 + pick(6);
    ASSERT_EQ(AllPages(*service_, "ds", last, max_results),
              AllPages(*uncached_, "ds", last, max_results))
        << "step " << step << " last " << last << " max " << max_results;
  }
  EXPECT_GT(service_->dataset_cache().stats().hits, 0u);
}

}  // namespace
}  // namespace cogsync::sync::testing
