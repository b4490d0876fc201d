// The schema written once (store/sql/migrations.cc) against the engines' own earlier migration
// lists, frozen in tests/fixtures/store/: a database the old code created at any version, with
// rows in it, upgrades to exactly the schema the old code's last migration gave (tables, columns,
// types, collations, defaults, indexes, constraints), keeps its rows, and a fresh database gets
// that schema too. SQLite's schema is compared by the text sqlite_master keeps; PostgreSQL's by
// its catalog.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "support/postgres_server.h"

namespace cogsync::store {
namespace {

// The frozen migrations of one engine: element i is the old code's migration i + 1.
std::vector<std::string> OldMigrations(const std::string& engine) {
  std::ifstream in(COGSYNC_SOURCE_DIR "/tests/fixtures/store/" + engine + "_migrations.sql");
  std::vector<std::string> migrations;
  std::string line;
  const std::string marker = "-- cogsync migration ";
  while (std::getline(in, line)) {
    if (line.rfind(marker, 0) == 0) {
      EXPECT_EQ(line, marker + std::to_string(migrations.size() + 1));
      migrations.emplace_back();
    } else if (!migrations.empty()) {
      migrations.back() += line + "\n";
    }
  }
  return migrations;
}

// One identity's dataset with a live record and a tombstone, written into an old database in
// SQL both engines' first schema accepts.
constexpr const char* kOldRows = R"sql(
INSERT INTO pools (id, name, created_ms) VALUES ('us-east-1:p', 'pool', 1);
INSERT INTO identities (id, pool_id, created_ms, modified_ms) VALUES ('us-east-1:i', 'us-east-1:p', 2, 3);
INSERT INTO datasets (identity_id, name, pool_id, sync_count, created_ms, modified_ms)
  VALUES ('us-east-1:i', 'ds', 'us-east-1:p', 2, 4, 5);
INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms)
  VALUES ('us-east-1:i', 'ds', 'a', 'live', 1, 6), ('us-east-1:i', 'ds', 'b', NULL, 2, 7);
)sql";

// ---- SQLite ------------------------------------------------------------------------------------

class SqliteSchemaUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / "schema-upgrade-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    old_ = OldMigrations("sqlite");
    // The old list ended at 5; later migrations exist only in store/sql/migrations.cc.
    ASSERT_EQ(old_.size(), 5u);
    ASSERT_GE(sqlite::LatestSchemaVersion(), 5);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A database as the old code left it at `version`, holding one identity's dataset.
  std::string OldDatabase(int version) {
    std::string path = dir_ + "/v" + std::to_string(version) + ".db";
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    for (int i = 0; i < version; ++i) Exec(db, old_[i]);
    Exec(db, "PRAGMA user_version = " + std::to_string(version));
    Exec(db, kOldRows);
    sqlite3_close(db);
    return path;
  }

  static void Exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "") << " in " << sql;
  }

  // Every schema object with the text SQLite keeps for it, and the user_version.
  static std::string Schema(const std::string& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::string out;
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master "
                       "ORDER BY type, name",
                       -1, &stmt, nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int c = 0; c < 4; ++c) {
        out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        out += c < 3 ? " | " : "\n";
      }
    }
    sqlite3_finalize(stmt);
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    if (sqlite3_step(stmt) == SQLITE_ROW)
      out += "user_version " + std::to_string(sqlite3_column_int(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  static void Upgrade(const std::string& path) {
    SqliteOptions options;
    options.path = path;
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    Status read = (*store)->Read([](Txn& txn) -> Status {
      auto records = txn.ListRecords("us-east-1:i", "ds", 0, "", 10);
      EXPECT_TRUE(records.ok());
      if (records.ok()) {
        EXPECT_EQ(records->size(), 2u);
        EXPECT_EQ(records->at(0).value, std::optional<std::string>("live"));
        EXPECT_EQ(records->at(1).value, std::nullopt);
      }
      auto tombstones = txn.CountTombstones("us-east-1:i", "ds");
      EXPECT_TRUE(tombstones.ok() && *tombstones == 1);
      auto counts = txn.CountPoolContents("us-east-1:p");
      EXPECT_TRUE(counts.ok() && counts->identities == 1 && counts->datasets == 1);
      return OkStatus();
    });
    ASSERT_TRUE(read.ok()) << read.error().ToString();
  }

  std::string dir_;
  std::vector<std::string> old_;
};

// From each version the old code left (its last one included: then nothing is pending, today),
// the upgrade gives exactly the schema a fresh database gets.
TEST_F(SqliteSchemaUpgradeTest, EveryOldVersionUpgradesToTheSchemaOfAFreshDatabase) {
  std::string fresh = dir_ + "/fresh.db";
  {
    SqliteOptions options;
    options.path = fresh;
    ASSERT_TRUE(SqliteStore::Open(options).ok());
  }
  std::string reference = Schema(fresh);
  ASSERT_NE(reference.find("WITHOUT ROWID"), std::string::npos);  // migration 3 ran
  for (int version = 1; version <= static_cast<int>(old_.size()); ++version) {
    SCOPED_TRACE("from version " + std::to_string(version));
    std::string path = OldDatabase(version);
    Upgrade(path);
    EXPECT_EQ(Schema(path), reference);
  }
}

// ---- PostgreSQL ------------------------------------------------------------------------------

class PostgresSchemaUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::PostgresServer::Shared(&error);
    if (server_ == nullptr && testing::PostgresServer::SkipRequested()) GTEST_SKIP() << error;
    ASSERT_NE(server_, nullptr) << error;
    old_ = OldMigrations("postgresql");
    // The old list ended at 4; later migrations exist only in store/sql/migrations.cc.
    ASSERT_EQ(old_.size(), 4u);
    ASSERT_GE(postgres::LatestSchemaVersion(), 4);
  }

  std::unique_ptr<postgres::Connection> Connect(const std::string& url) {
    auto connection = postgres::Connection::Open(url, 5);
    EXPECT_TRUE(connection.ok());
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  // A database as the old code left it at `version` (its version table included), holding one
  // identity's dataset.
  std::string OldDatabase(int version) {
    std::string error;
    std::string url = server_->CreateDatabase(&error);
    EXPECT_FALSE(url.empty()) << error;
    auto connection = Connect(url);
    if (connection == nullptr) return url;
    EXPECT_TRUE(connection
                    ->Exec("CREATE TABLE IF NOT EXISTS cogsync_schema (version BIGINT PRIMARY KEY, "
                           "applied_ms BIGINT NOT NULL)",
                           "test")
                    .ok());
    for (int i = 0; i < version; ++i) {
      EXPECT_TRUE(connection->Exec(old_[i], "old migration").ok()) << i + 1;
      EXPECT_TRUE(
          connection
              ->Exec("INSERT INTO cogsync_schema VALUES (" + std::to_string(i + 1) + ", 1)", "test")
              .ok());
    }
    EXPECT_TRUE(connection->Exec(kOldRows, "test rows").ok());
    return url;
  }

  // Columns (type, collation, default, nullability), indexes and constraints as the catalog
  // describes them, and the versions applied.
  std::string Schema(const std::string& url) {
    auto connection = Connect(url);
    if (connection == nullptr) return "";
    std::string out;
    // Parenthesised: a literal split over lines is one element (clang's -Wstring-concatenation).
    const char* queries[] = {
        ("SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || "
         "COALESCE(collation_name, '-') || ' ' || COALESCE(column_default, '-') || ' ' || "
         "is_nullable FROM information_schema.columns WHERE table_schema = 'public' "
         "ORDER BY table_name, ordinal_position"),
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
        ("SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
         "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"),
        "SELECT string_agg(version::text, ',' ORDER BY version) FROM cogsync_schema",
    };
    for (const char* sql : queries) {
      auto rows = connection->Query(sql, {}, "schema");
      EXPECT_TRUE(rows.ok());
      if (!rows.ok()) continue;
      for (int r = 0; r < rows->size(); ++r) out += rows->Text(r, 0) + "\n";
    }
    return out;
  }

  // Opens the store at `url` (applying pending migrations); with_rows: the rows OldDatabase
  // wrote are all there.
  void Upgrade(const std::string& url, bool with_rows) {
    PostgresOptions options;
    options.url = url;
    options.pool_size = 1;
    auto store = PostgresStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    Status read = (*store)->Read([&](Txn& txn) -> Status {
      auto records = txn.ListRecords("us-east-1:i", "ds", 0, "", 10);
      EXPECT_TRUE(records.ok() && records->size() == (with_rows ? 2u : 0u));
      auto counts = txn.CountPoolContents("us-east-1:p");
      EXPECT_TRUE(counts.ok() && counts->identities == (with_rows ? 1 : 0) &&
                  counts->datasets == (with_rows ? 1 : 0));
      return OkStatus();
    });
    ASSERT_TRUE(read.ok()) << read.error().ToString();
  }

  testing::PostgresServer* server_ = nullptr;
  std::vector<std::string> old_;
};

TEST_F(PostgresSchemaUpgradeTest, EveryOldVersionUpgradesToTheSchemaOfAFreshDatabase) {
  std::string error;
  std::string fresh = server_->CreateDatabase(&error);
  ASSERT_FALSE(fresh.empty()) << error;
  Upgrade(fresh, /*with_rows=*/false);
  std::string reference = Schema(fresh);
  ASSERT_NE(reference.find("pools.id text C "), std::string::npos) << reference;  // keys bytewise
  for (int version = 1; version <= static_cast<int>(old_.size()); ++version) {
    SCOPED_TRACE("from version " + std::to_string(version));
    std::string url = OldDatabase(version);
    Upgrade(url, /*with_rows=*/true);
    EXPECT_EQ(Schema(url), reference);
  }
}

}  // namespace
}  // namespace cogsync::store
