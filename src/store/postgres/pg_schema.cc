#include "store/postgres/pg_schema.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/sql/migrations.h"

namespace cogsync::store::postgres {
namespace {

// An arbitrary constant that names "cogsync schema migration" among advisory locks.
constexpr int64_t kMigrationLockKey = 0x636f6773796e63;  // "cogsync"

constexpr const char* kVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS cogsync_schema (
  version BIGINT PRIMARY KEY,
  applied_ms BIGINT NOT NULL
))sql";

constexpr int kMaxAttempts = 5;

// A lost race with another node migrating the same database without the advisory lock: the
// version row or a table already exists, or the transaction could not be serialised.
bool LostMigrationRace(const std::optional<Failure>& failure) {
  if (!failure.has_value()) return false;
  return IsRetryable(*failure) || failure->sqlstate == "23505" || failure->sqlstate == "42P07";
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One attempt: lock, read the version, apply every pending step, commit.
Status MigrateOnce(Connection& connection, bool use_advisory_lock) {
  // Written once for every engine (store/sql/migrations.cc), as PostgreSQL spells them.
  const std::vector<std::string> migrations = sql::Migrations(PostgresDialect());
  const int count = static_cast<int>(migrations.size());
  // READ COMMITTED: each statement sees what committed before it, so a node that waited on the
  // lock reads the version the previous holder left.
  COGSYNC_RETURN_IF_ERROR(
      connection.Exec("BEGIN ISOLATION LEVEL READ COMMITTED", "migration begin"));
  if (use_advisory_lock) {
    COGSYNC_RETURN_IF_ERROR(connection.Query("SELECT pg_advisory_xact_lock($1::BIGINT)",
                                             {Param::Int(kMigrationLockKey)}, "migration lock"));
  }
  COGSYNC_RETURN_IF_ERROR(connection.Exec(kVersionTable, "migration version table"));
  COGSYNC_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(connection));
  if (version > count) {
    return ApiError::InternalError("database schema version " + std::to_string(version) +
                                   " is newer than this cogsync supports (" +
                                   std::to_string(count) +
                                   "); upgrade cogsync or use another database");
  }
  for (int next = version + 1; next <= count; ++next) {
    COGSYNC_RETURN_IF_ERROR(connection.Exec(migrations[next - 1], "migration"));
    COGSYNC_RETURN_IF_ERROR(
        connection.Query("INSERT INTO cogsync_schema (version, applied_ms) VALUES ($1, $2)",
                         {Param::Int(next), Param::Int(NowMillis())}, "migration version"));
    spdlog::info("postgres: applying schema migration {}", next);
  }
  return connection.Exec("COMMIT", "migration commit");
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(sql::Migrations(PostgresDialect()).size()); }

Result<int> ReadSchemaVersion(Connection& connection) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, connection.Query("SELECT COALESCE(MAX(version), 0) FROM cogsync_schema", {},
                                  "schema version"));
  if (rows.empty()) return ApiError::InternalError("schema version query returned no row");
  return static_cast<int>(rows.Int(0, 0));
}

Status MigrateSchema(Connection& connection, bool use_advisory_lock) {
  for (int attempt = 1;; ++attempt) {
    connection.ClearFailure();
    Status status = MigrateOnce(connection, use_advisory_lock);
    if (status.ok()) return status;
    if (connection.InTransaction()) (void)connection.Exec("ROLLBACK", "migration rollback");
    if (attempt < kMaxAttempts && LostMigrationRace(connection.failure())) {
      spdlog::info("postgres: another node migrated concurrently; retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      continue;
    }
    if (connection.failure().has_value()) {
      return ApiError::InternalError("PostgreSQL schema migration failed (see the log)");
    }
    return status;
  }
}

}  // namespace cogsync::store::postgres
