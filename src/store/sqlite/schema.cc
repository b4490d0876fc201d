#include "store/sqlite/schema.h"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "store/sql/migrations.h"

namespace cogsync::store::sqlite {

// The migrations, written once for every engine (store/sql/migrations.cc), as SQLite spells them.
int LatestSchemaVersion() { return static_cast<int>(sql::Migrations(SqliteDialect()).size()); }

Result<int> ReadSchemaVersion(Connection& connection) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("PRAGMA user_version"));
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return ApiError::InternalError("PRAGMA user_version returned no row");
  return static_cast<int>(stmt.Int(0));
}

Status MigrateSchema(Connection& connection) {
  return MigrateSchema(connection, LatestSchemaVersion());
}

Status MigrateSchema(Connection& connection, int target) {
  const std::vector<std::string> migrations = sql::Migrations(SqliteDialect());
  const int count = static_cast<int>(migrations.size());
  while (true) {
    // The version is read inside the write transaction, so two processes opening one fresh
    // database at once cannot both apply the same step.
    COGSYNC_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE", "migration begin"));
    auto version = ReadSchemaVersion(connection);
    if (!version.ok()) {
      (void)connection.Exec("ROLLBACK", "migration rollback");
      return version.error();
    }
    if (*version > count) {
      (void)connection.Exec("ROLLBACK", "migration rollback");
      return ApiError::InternalError("database schema version " + std::to_string(*version) +
                                     " is newer than this cogsync supports (" +
                                     std::to_string(count) +
                                     "); upgrade cogsync or use another database");
    }
    if (*version >= target) {
      return connection.Exec("COMMIT", "migration commit");
    }
    int next = *version + 1;
    Status applied = connection.Exec(migrations[next - 1], "migration");
    if (applied.ok()) {
      // user_version takes no bound parameters; the number is ours, not input.
      applied =
          connection.Exec("PRAGMA user_version = " + std::to_string(next), "migration version");
    }
    if (applied.ok()) applied = connection.Exec("COMMIT", "migration commit");
    if (!applied.ok()) {
      if (!connection.InAutocommit()) (void)connection.Exec("ROLLBACK", "migration rollback");
      return ApiError::InternalError("schema migration " + std::to_string(next) +
                                     " failed: " + applied.error().message());
    }
    spdlog::info("applied schema migration {}", next);
  }
}

}  // namespace cogsync::store::sqlite
