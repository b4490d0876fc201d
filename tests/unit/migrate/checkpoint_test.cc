// migrate::DecideStart: how a run starts on a pool, decided from the target store before anything
// is written (issue 15): fresh, continuing this migration's own note (a resume or the delta
// pass), or a conflict that --on-conflict merge or replace resolves and the default refuses.

#include "migrate/checkpoint.h"

#include <gtest/gtest.h>

#include "store/registry.h"
#include "support/temp_dir.h"

namespace cogsync::migrate {
namespace {

constexpr char kPool[] = "eu-west-1:00000000-0000-0000-0000-000000000001";
constexpr char kSource[] = "http://127.0.0.1:1/";

class MigrateCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto opened = store::OpenStore("sqlite:" + dir_.File("cogsync.db"), Config{}, false);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(*opened);
  }
  void Put(bool pool, const std::string& note) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Txn& txn) -> Status {
                      if (pool) {
                        store::Pool p;
                        p.id = kPool;
                        p.name = "p";
                        COGSYNC_RETURN_IF_ERROR(txn.PutPool(p));
                      }
                      if (note.empty()) return OkStatus();
                      return txn.PutSecret(std::string(kCheckpointPrefix) + kPool, note);
                    })
                    .ok());
  }
  PoolStart Decide(OnConflict on_conflict = OnConflict::kRefuse) {
    auto start = DecideStart(*store_, kPool, kSource, on_conflict);
    EXPECT_TRUE(start.ok());
    return start.ok() ? *start : PoolStart{};
  }

  testing::TempDir dir_{"migrate-checkpoint"};
  store::StorePtr store_;
};

TEST_F(MigrateCheckpoint, ANewPoolStartsFreshAndAStaleNoteIsIgnored) {
  Put(false, CheckpointText({true, "token", false, kSource, true}));
  PoolStart start = Decide();
  EXPECT_EQ(start.how, Start::kFresh);
  EXPECT_TRUE(start.conflict.empty());
  EXPECT_TRUE(start.checkpoint.owned);
}

TEST_F(MigrateCheckpoint, ItsOwnNoteContinuesAtTheCheckpoint) {
  Put(true, CheckpointText({true, "page-3", false, kSource, false}));
  PoolStart start = Decide();
  EXPECT_EQ(start.how, Start::kContinue);
  EXPECT_TRUE(start.conflict.empty());
  EXPECT_EQ(start.checkpoint.next_token, "page-3");
  EXPECT_FALSE(start.checkpoint.done);
  EXPECT_FALSE(start.checkpoint.owned);  // merged into once: still not the owner
}

TEST_F(MigrateCheckpoint, APoolWithoutANoteIsAConflict) {
  Put(true, "");
  PoolStart refused = Decide();
  EXPECT_EQ(refused.how, Start::kFresh);
  EXPECT_NE(refused.conflict.find(std::string("identity pool ") + kPool + " already exists"),
            std::string::npos)
      << refused.conflict;
  PoolStart merged = Decide(OnConflict::kMerge);
  EXPECT_EQ(merged.how, Start::kMerge);
  EXPECT_FALSE(merged.checkpoint.owned);
  PoolStart replaced = Decide(OnConflict::kReplace);
  EXPECT_EQ(replaced.how, Start::kReplace);
  EXPECT_TRUE(replaced.checkpoint.owned);
}

TEST_F(MigrateCheckpoint, AnotherSourcesNoteIsAConflict) {
  Put(true, CheckpointText({true, "", true, "https://elsewhere/", true}));
  PoolStart start = Decide();
  EXPECT_NE(start.conflict.find("copied by a migration from https://elsewhere/"), std::string::npos)
      << start.conflict;
}

TEST(MigrateOnConflict, ParsesTheThreeModes) {
  EXPECT_EQ(*ParseOnConflict("refuse"), OnConflict::kRefuse);
  EXPECT_EQ(*ParseOnConflict("merge"), OnConflict::kMerge);
  EXPECT_EQ(*ParseOnConflict("replace"), OnConflict::kReplace);
  EXPECT_FALSE(ParseOnConflict("skip").ok());
}

}  // namespace
}  // namespace cogsync::migrate
