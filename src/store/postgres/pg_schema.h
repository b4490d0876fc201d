#pragma once
// The PostgreSQL schema and its numbered migrations, applied at open. Several nodes may start
// at once against one database: the migration transaction first takes a transaction-scoped
// advisory lock, so one node migrates while the others wait and then find nothing to do.
// Databases without advisory locks (CockroachDB) run without it: there a concurrent migration
// fails on the version row's primary key or on an existing table, and the loser retries.

#include "common/error.h"
#include "store/postgres/pg_connection.h"

namespace cogsync::store::postgres {

// The version a fully migrated database has.
int LatestSchemaVersion();

// The applied version (0 for an empty database).
Result<int> ReadSchemaVersion(Connection& connection);

// Applies pending migrations. Fails if the database is newer than this binary.
Status MigrateSchema(Connection& connection, bool use_advisory_lock);

}  // namespace cogsync::store::postgres
