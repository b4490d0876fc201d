// migrate::OverLimits: every item of an identity over the target's limits (D19) is named, with
// its figure and the limit as the configuration file spells it; an identity within them gives
// nothing.

#include "migrate/target_limits.h"

#include <gtest/gtest.h>

namespace cogsync::migrate {
namespace {

DatasetCopy Dataset(const std::string& name, int live, int removed, size_t value_size = 1) {
  DatasetCopy d;
  d.dataset.name = name;
  for (int i = 0; i < live; ++i) {
    store::Record r;
    r.key = "k" + std::to_string(i);
    r.value = std::string(value_size, 'v');
    d.records.push_back(r);
  }
  for (int i = 0; i < removed; ++i) {
    store::Record r;
    r.key = "gone" + std::to_string(i);
    d.records.push_back(r);
  }
  return d;
}

Limits Small() {
  Limits l;
  l.datasets_per_identity = 2;
  l.records_per_dataset = 3;
  l.value_bytes = 10;
  l.dataset_bytes = 1000;
  l.tombstones_per_dataset = 1;
  return l;
}

TEST(MigrateTargetLimits, AnIdentityWithinTheLimitsGivesNothing) {  // D19
  EXPECT_TRUE(OverLimits({Dataset("a", 3, 1), Dataset("b", 1, 0)}, 0, 1, Small()).empty());
}

TEST(MigrateTargetLimits, EveryItemOverALimitIsNamed) {  // D19
  auto over = OverLimits({Dataset("a", 4, 2), Dataset("b", 1, 0, 11)}, 1, 0, Small());
  ASSERT_EQ(over.size(), 4u);
  EXPECT_EQ(over[0], "dataset 'a': 4 records, over limits.records_per_dataset = 3");
  EXPECT_EQ(over[1], "dataset 'a': 2 removed records, over limits.tombstones_per_dataset = 1");
  EXPECT_EQ(over[2], "dataset 'b' record 'k0' value: 11 bytes, over limits.value_bytes = 10");
  // The unchanged dataset the target holds counts with the two copied ones.
  EXPECT_EQ(over[3], "datasets: 3 datasets, over limits.datasets_per_identity = 2");
}

TEST(MigrateTargetLimits, DeletionMarkersCountAgainstTheirOwnLimit) {  // D19
  Limits l = Small();
  l.deleted_datasets_per_identity = 1;
  DatasetCopy a = Dataset("a", 0, 0), b = Dataset("b", 0, 0);
  a.dataset.deleted = b.dataset.deleted = true;
  auto over = OverLimits({a, b}, 0, 0, l);
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0],
            "deleted datasets: 2 deletion markers, over limits.deleted_datasets_per_identity = 1");
}

TEST(MigrateTargetLimits, APoolOverTheTagLimitOrPastThePoolLimitIsNamed) {  // D19
  Limits l;
  l.tags_per_pool = 1;
  l.max_identity_pools = 2;
  boost::json::object line{{"tags", boost::json::object{{"a", "1"}, {"b", "2"}}}};
  auto over = PoolOverLimits(line, 2, true, l);
  ASSERT_EQ(over.size(), 2u);
  EXPECT_EQ(over[0], "tags: 2 tags, over limits.tags_per_pool = 1");
  EXPECT_EQ(over[1], "the target: 3 identity pools, over limits.max_identity_pools = 2");
  // A pool the target already has is no pool more.
  line["tags"] = boost::json::object{{"a", "1"}};
  EXPECT_TRUE(PoolOverLimits(line, 2, false, l).empty());
}

}  // namespace
}  // namespace cogsync::migrate
