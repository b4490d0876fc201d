// SqliteStore: group commit (batching, per-function rollback, visibility inside a batch), read
// transactions, snapshots, durability across reopen, file permissions and schema migrations.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"

namespace cogsync::store {
namespace {

class SqliteStoreLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sqlite-life-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // A directory that does not exist yet: Open creates it.
    options_.path = (dir_ / "nested" / "data" / "cogsync.db").string();
    options_.read_connections = 2;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto opened = SqliteStore::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }
  std::string ReadSecret(const std::string& name) {
    std::string value = "<missing>";
    Status status = store_->Read([&](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto secret, txn.GetSecret(name));
      if (secret.has_value()) value = *secret;
      return OkStatus();
    });
    EXPECT_TRUE(status.ok());
    return value;
  }
  Status PutSecret(const std::string& name, const std::string& value) {
    return store_->Write([&](Txn& txn) { return txn.PutSecret(name, value); });
  }

  // Starts `count` threads that each call work(i) at the same moment, while one extra write
  // holds the writer busy, so their writes queue up and commit together.
  template <typename Work>
  void BurstWhileWriterBusy(int count, Work work) {
    std::latch started(count + 1);
    std::thread blocker([&] {
      Status status = store_->Write([&](Txn& txn) -> Status {
        started.arrive_and_wait();
        // Long enough for every burst thread to enqueue behind this write.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        return txn.PutSecret("blocker", "done");
      });
      (void)status;  // tests that inject commit failures expect this write to fail
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        started.arrive_and_wait();
        work(i);
      });
    }
    for (auto& thread : threads) thread.join();
    blocker.join();
  }

  std::filesystem::path dir_;
  SqliteOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreLifecycleTest, FailingFunctionRollsBackOnlyItsOwnWritesInABatch) {
  constexpr int kWriters = 32;
  constexpr int kFailing = 7;
  constexpr int kThrowing = 11;
  std::vector<std::optional<Status>> results(kWriters);
  BurstWhileWriterBusy(kWriters, [&](int i) {
    results[i] = store_->Write([i](Txn& txn) -> Status {
      COGSYNC_RETURN_IF_ERROR(txn.PutSecret("w" + std::to_string(i), "v"));
      if (i == kFailing) return ApiError::ResourceConflict("conflict in writer 7");
      if (i == kThrowing) throw std::runtime_error("boom");
      return OkStatus();
    });
  });
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(results[i].has_value());
    if (i == kFailing) {
      ASSERT_FALSE(results[i]->ok());
      EXPECT_EQ(results[i]->error().code(), "ResourceConflictException");  // its own error
      EXPECT_EQ(results[i]->error().message(), "conflict in writer 7");
    } else if (i == kThrowing) {
      ASSERT_FALSE(results[i]->ok());
      EXPECT_EQ(results[i]->error().code(), "InternalErrorException");
    } else {
      EXPECT_TRUE(results[i]->ok()) << i;
    }
    std::string expected = (i == kFailing || i == kThrowing) ? "<missing>" : "v";
    EXPECT_EQ(ReadSecret("w" + std::to_string(i)), expected) << i;
  }
  SqliteStats stats = store_->Stats();
  EXPECT_EQ(stats.items, uint64_t{kWriters + 1});
  // The burst shared commits: fewer fsyncs than writes.
  EXPECT_LT(stats.batches, stats.items);
  EXPECT_GE(stats.batches, 2u);  // the blocker's batch, then at least one for the burst
}

TEST_F(SqliteStoreLifecycleTest, LaterFunctionsInABatchSeeEarlierWrites) {
  ASSERT_TRUE(PutSecret("counter", "0").ok());
  constexpr int kWriters = 24;
  BurstWhileWriterBusy(kWriters, [&](int) {
    Status status = store_->Write([](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto value, txn.GetSecret("counter"));
      return txn.PutSecret("counter", std::to_string(std::stoi(value.value_or("0")) + 1));
    });
    EXPECT_TRUE(status.ok());
  });
  // Each increment saw every earlier one, batched or not.
  EXPECT_EQ(ReadSecret("counter"), std::to_string(kWriters));
  EXPECT_GT(store_->Stats().items, store_->Stats().batches);
}

TEST_F(SqliteStoreLifecycleTest, FailedCommitFailsTheWholeBatchAndTheStoreRecovers) {
  store_->FailNextCommitsForTesting(1);
  Status single = PutSecret("lost", "v");
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.error().code(), "InternalErrorException");
  EXPECT_EQ(ReadSecret("lost"), "<missing>");
  EXPECT_EQ(store_->Stats().batches, 0u);  // failed commits are not counted

  // A batch: the failing COMMIT takes every write of it down, none is acknowledged.
  constexpr int kWriters = 8;
  std::vector<std::optional<Status>> results(kWriters);
  store_->FailNextCommitsForTesting(2);  // the blocker's batch, then the burst's first batch
  BurstWhileWriterBusy(kWriters,
                       [&](int i) { results[i] = PutSecret("b" + std::to_string(i), "v"); });
  int failed = 0;
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(results[i].has_value());
    if (results[i]->ok()) {
      EXPECT_EQ(ReadSecret("b" + std::to_string(i)), "v");
    } else {
      ++failed;
      EXPECT_EQ(results[i]->error().code(), "InternalErrorException");
      EXPECT_EQ(ReadSecret("b" + std::to_string(i)), "<missing>");
    }
  }
  EXPECT_GE(failed, 1);
  EXPECT_EQ(ReadSecret("blocker"), "<missing>");

  // Once the cause is gone, writes commit again.
  ASSERT_TRUE(PutSecret("after", "v").ok());
  EXPECT_EQ(ReadSecret("after"), "v");
}

TEST_F(SqliteStoreLifecycleTest, NestedWriteFailsInsteadOfDeadlocking) {
  Status inner = OkStatus();
  Status outer = store_->Write([&](Txn& txn) -> Status {
    inner = store_->Write([](Txn& t) { return t.PutSecret("inner", "v"); });
    return txn.PutSecret("outer", "v");
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), "InternalErrorException");
  EXPECT_EQ(ReadSecret("outer"), "v");
  EXPECT_EQ(ReadSecret("inner"), "<missing>");
}

TEST_F(SqliteStoreLifecycleTest, ReadTransactionsCannotWrite) {
  Status status = store_->Read([](Txn& txn) -> Status {
    Status writes[] = {
        txn.PutSecret("x", "y"),
        txn.PutPool(Pool{}),
        txn.DeletePool("p"),
        txn.PutIdentity(Identity{}),
        txn.PutRecord("i", "d", Record{}),
        txn.WipeCognitoState(),
        txn.AddSyncSessions("p", 1),
    };
    for (const Status& write : writes) {
      EXPECT_FALSE(write.ok());
      if (!write.ok()) {
        EXPECT_EQ(write.error().code(), "InternalErrorException");
        EXPECT_EQ(write.error().message(), "write in a read transaction");
      }
    }
    EXPECT_FALSE(txn.DeleteAccessKey("k").ok());
    return OkStatus();
  });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(ReadSecret("x"), "<missing>");
}

TEST_F(SqliteStoreLifecycleTest, ReadFunctionErrorIsReturnedUnchanged) {
  Status status = store_->Read([](Txn&) -> Status { return ApiError::ResourceNotFound("nope"); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ResourceNotFoundException");
  EXPECT_EQ(status.error().message(), "nope");
  // The connection went back to the pool in a usable state.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ReadSecret("x"), "<missing>");
}

TEST_F(SqliteStoreLifecycleTest, ReadSnapshotStaysConsistentWhileAWriteCommits) {
  ASSERT_TRUE(PutSecret("x", "1").ok());
  std::string first, second;
  Status status = store_->Read([&](Txn& txn) -> Status {
    first = txn.GetSecret("x")->value_or("");
    std::thread writer([&] { EXPECT_TRUE(PutSecret("x", "2").ok()); });
    writer.join();  // the write is committed and durable here
    second = txn.GetSecret("x")->value_or("");
    return OkStatus();
  });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(first, "1");
  EXPECT_EQ(second, "1");
  EXPECT_EQ(ReadSecret("x"), "2");  // a new snapshot sees it
}

TEST_F(SqliteStoreLifecycleTest, DataSurvivesCloseAndReopen) {
  ASSERT_TRUE(store_
                  ->Write([](Txn& txn) -> Status {
                    Pool pool;
                    pool.id = "p";
                    pool.name = "kept";
                    pool.tags = boost::json::object{{"a", "b"}};
                    COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
                    return txn.PutSecret("s", "v");
                  })
                  .ok());
  store_->Close();
  EXPECT_FALSE(store_->Write([](Txn& txn) { return txn.PutSecret("late", "v"); }).ok());
  EXPECT_FALSE(store_->Read([](Txn&) { return OkStatus(); }).ok());
  Reopen();
  EXPECT_EQ(ReadSecret("s"), "v");
  Status status = store_->Read([](Txn& txn) -> Status {
    PoolPtr pool = *txn.GetPool("p");
    EXPECT_NE(pool, nullptr);
    if (pool) {
      EXPECT_EQ(pool->tags, (boost::json::object{{"a", "b"}}));
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok());
}

TEST_F(SqliteStoreLifecycleTest, DatabaseAndWalFilesAreOwnerOnly) {
  ASSERT_TRUE(PutSecret("s", "v").ok());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat info {};
    std::string path = options_.path + suffix;
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
  }
  // An existing database with looser permissions is tightened on open.
  store_.reset();
  ASSERT_EQ(::chmod(options_.path.c_str(), 0644), 0);
  Reopen();
  struct stat info {};
  ASSERT_EQ(::stat(options_.path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreLifecycleTest, MigrationsSetUserVersionAndRerunAsNoOps) {
  ASSERT_GE(sqlite::LatestSchemaVersion(), 1);
  EXPECT_EQ(*store_->SchemaVersion(), sqlite::LatestSchemaVersion());
  ASSERT_TRUE(PutSecret("s", "v").ok());
  Reopen();  // migrations run again: nothing to do, nothing lost
  EXPECT_EQ(*store_->SchemaVersion(), sqlite::LatestSchemaVersion());
  EXPECT_EQ(ReadSecret("s"), "v");
}

// Migration 3 rebuilds records WITHOUT ROWID: a version-2 database keeps every record, in key
// order, and the cascade from its dataset.
TEST_F(SqliteStoreLifecycleTest, RecordsSurviveTheirRebuildWithoutRowid) {
  store_.reset();
  std::filesystem::remove(options_.path);
  {
    sqlite::Connection::Options raw;
    raw.path = options_.path;
    auto connection = sqlite::Connection::Open(raw);
    ASSERT_TRUE(connection.ok()) << connection.error().ToString();
    ASSERT_TRUE(sqlite::MigrateSchema(**connection, 2).ok());
    ASSERT_EQ(*sqlite::ReadSchemaVersion(**connection), 2);
    ASSERT_TRUE((*connection)
                    ->Exec(R"sql(
INSERT INTO pools (id, name, created_ms) VALUES ('p', 'pool', 1);
INSERT INTO identities (id, pool_id, created_ms, modified_ms) VALUES ('i', 'p', 1, 1);
INSERT INTO datasets (identity_id, name, pool_id, sync_count, created_ms, modified_ms)
  VALUES ('i', 'd', 'p', 3, 1, 1);
INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
                     device_modified_ms)
  VALUES ('i', 'd', 'b', 'vb', 2, 5, 'm', NULL), ('i', 'd', 'a', 'va', 1, 4, 'm', 9),
         ('i', 'd', 'c', NULL, 3, 6, 'm', NULL);)sql",
                           "seed")
                    .ok());
  }
  Reopen();
  EXPECT_EQ(*store_->SchemaVersion(), sqlite::LatestSchemaVersion());
  std::vector<Record> records;
  ASSERT_TRUE(store_
                  ->Read([&](Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(records, txn.ListRecords("i", "d", 0, "", 10));
                    return OkStatus();
                  })
                  .ok());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, std::optional<std::string>("va"));
  EXPECT_EQ(records[0].device_modified_ms, std::optional<int64_t>(9));
  EXPECT_EQ(records[1].key, "b");
  EXPECT_EQ(records[2].value, std::nullopt);  // a tombstone stays one

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'records'", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  std::string sql = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_NE(sql.find("WITHOUT ROWID"), std::string::npos) << sql;

  // The foreign key came along: removing the identity removes its records.
  ASSERT_TRUE(store_->Write([](Txn& txn) { return txn.DeleteIdentity("i"); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(records, txn.ListRecords("i", "d", 0, "", 10));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_TRUE(records.empty());
}

TEST_F(SqliteStoreLifecycleTest, NewerDatabaseIsRefused) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  std::string pragma = "PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion() + 1);
  ASSERT_EQ(sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteStore::Open(options_);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("newer"), std::string::npos) << opened.error().message();
}

TEST_F(SqliteStoreLifecycleTest, CheckpointTruncatesWalAndIntegrityCheckPasses) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(PutSecret("k" + std::to_string(i), "v").ok());
  EXPECT_GT(std::filesystem::file_size(options_.path + "-wal"), 0u);
  Status checkpoint = store_->Checkpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().ToString();
  EXPECT_EQ(std::filesystem::file_size(options_.path + "-wal"), 0u);
  auto intact = store_->IntegrityCheck();
  ASSERT_TRUE(intact.ok());
  EXPECT_TRUE(*intact);
  EXPECT_EQ(ReadSecret("k19"), "v");
}

TEST_F(SqliteStoreLifecycleTest, CloseRacingWritesLosesNothingAcknowledged) {
  constexpr int kWriters = 16;
  std::vector<std::optional<Status>> results(kWriters);
  std::latch started(kWriters + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      started.arrive_and_wait();
      results[i] = PutSecret("c" + std::to_string(i), "v");
    });
  }
  started.arrive_and_wait();
  store_->Close();  // drains what is queued; writes arriving later are refused
  for (auto& thread : threads) thread.join();
  Reopen();
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(results[i].has_value());
    if (results[i]->ok()) {
      EXPECT_EQ(ReadSecret("c" + std::to_string(i)), "v") << i;
    } else {
      EXPECT_EQ(results[i]->error().message(), "store is closed");
    }
  }
}

}  // namespace
}  // namespace cogsync::store
