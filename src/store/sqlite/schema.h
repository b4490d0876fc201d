#pragma once
// The SQLite schema as a numbered list of migrations. PRAGMA user_version holds the number of
// the last one applied; Open applies the missing ones, each in its own transaction, and refuses
// a database written by a newer binary (its schema may mean things this code does not know).

#include "common/error.h"
#include "store/sqlite/statement.h"

namespace cogsync::store::sqlite {

// The version a fully migrated database has: the number of migrations this binary knows.
int LatestSchemaVersion();

// PRAGMA user_version of the connection's database.
Result<int> ReadSchemaVersion(Connection& connection);

// Brings the database up to LatestSchemaVersion() (tests: up to `target`). A no-op when it is
// already there; an error (naming both versions) when the database is newer. REQUIRES: no
// transaction open.
Status MigrateSchema(Connection& connection);
Status MigrateSchema(Connection& connection, int target);

}  // namespace cogsync::store::sqlite
