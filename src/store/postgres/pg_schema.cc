#include "store/postgres/pg_schema.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>
#include <string>
#include <thread>

namespace cogsync::store::postgres {
namespace {

// An arbitrary constant that names "cogsync schema migration" among advisory locks.
constexpr int64_t kMigrationLockKey = 0x636f6773796e63;  // "cogsync"

constexpr const char* kVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS cogsync_schema (
  version BIGINT PRIMARY KEY,
  applied_ms BIGINT NOT NULL
))sql";

// Append-only: a released migration is never edited, a change is a new entry. The tables mirror
// the SQLite store's (store/sqlite/schema.cc), so both implementations answer alike:
//  - keys put one identity's rows together (identity id first), so a sync touches one key range;
//  - text keys compare bytewise (COLLATE "C"), as SQLite does, so keyset pagination and
//    ORDER BY agree whatever collation the database was created with;
//  - timestamps are BIGINT milliseconds, JSON is TEXT (kept byte for byte, key order included),
//    secrets are BYTEA;
//  - no SERIAL, sequences, triggers, LISTEN/NOTIFY or stored procedures: every id comes from
//    the application, which keeps the SQL within what CockroachDB and YugabyteDB accept.
// Foreign keys are checked immediately, as in SQLite: callers write parents first.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE pools (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT NOT NULL,
  developer_provider_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '{}',
  roles TEXT NOT NULL DEFAULT '{}',
  role_mappings TEXT NOT NULL DEFAULT '{}',
  sync_config TEXT NOT NULL DEFAULT '{}',
  events TEXT NOT NULL DEFAULT '{}',
  bulk_publish TEXT NOT NULL DEFAULT '{}',
  created_ms BIGINT NOT NULL
);

CREATE TABLE principal_tag_maps (
  pool_id TEXT COLLATE "C" NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT COLLATE "C" NOT NULL,
  map TEXT NOT NULL,
  PRIMARY KEY (pool_id, provider)
);

CREATE TABLE identities (
  id TEXT COLLATE "C" PRIMARY KEY,
  pool_id TEXT COLLATE "C" NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  modified_ms BIGINT NOT NULL,
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  merged_into TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identities_by_pool ON identities(pool_id, id);

CREATE TABLE logins (
  pool_id TEXT COLLATE "C" NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  linked_ms BIGINT NOT NULL,
  PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX logins_by_identity ON logins(identity_id, provider, subject);

CREATE TABLE access_keys (
  access_key_id TEXT COLLATE "C" PRIMARY KEY,
  secret_access_key TEXT NOT NULL,
  name TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);

CREATE TABLE secrets (
  name TEXT COLLATE "C" PRIMARY KEY,
  value BYTEA NOT NULL
);

CREATE TABLE datasets (
  identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  pool_id TEXT COLLATE "C" NOT NULL,
  sync_count BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  modified_ms BIGINT NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  data_storage BIGINT NOT NULL DEFAULT 0,
  num_records BIGINT NOT NULL DEFAULT 0,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  last_deleted_at BIGINT NOT NULL DEFAULT 0,
  merged_into_name TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY (identity_id, name)
);
CREATE INDEX datasets_by_pool ON datasets(pool_id);
CREATE INDEX datasets_by_merge ON datasets(identity_id, merged_into_name, name)
  WHERE merged_into_name <> '';

CREATE TABLE records (
  identity_id TEXT COLLATE "C" NOT NULL,
  dataset TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT,
  sync_count BIGINT NOT NULL,
  modified_ms BIGINT NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  device_modified_ms BIGINT,
  PRIMARY KEY (identity_id, dataset, key),
  FOREIGN KEY (identity_id, dataset) REFERENCES datasets(identity_id, name) ON DELETE CASCADE
);

CREATE TABLE sync_usage (
  pool_id TEXT COLLATE "C" PRIMARY KEY REFERENCES pools(id) ON DELETE CASCADE,
  sync_sessions BIGINT NOT NULL
);

CREATE TABLE devices (
  device_id TEXT COLLATE "C" PRIMARY KEY,
  pool_id TEXT COLLATE "C" NOT NULL,
  identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  platform TEXT COLLATE "C" NOT NULL,
  token TEXT COLLATE "C" NOT NULL,
  endpoint_arn TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL
);
CREATE INDEX devices_by_identity ON devices(identity_id, platform, token);

CREATE TABLE subscriptions (
  pool_id TEXT COLLATE "C" NOT NULL,
  identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  dataset_name TEXT COLLATE "C" NOT NULL,
  device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  PRIMARY KEY (identity_id, dataset_name, device_id, pool_id)
);
CREATE INDEX subscriptions_by_device ON subscriptions(device_id);
)sql",
    // 2: the outbox (D24), leases for background work, and pool-wide dataset scans (D26).
    R"sql(
CREATE TABLE outbox (
  id TEXT COLLATE "C" PRIMARY KEY,
  kind TEXT NOT NULL,
  pool_id TEXT COLLATE "C" NOT NULL,
  partition_key TEXT COLLATE "C" NOT NULL,
  position BIGINT NOT NULL,
  sub INTEGER NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_order ON outbox(partition_key, position, sub, id);

CREATE TABLE leases (
  name TEXT COLLATE "C" PRIMARY KEY,
  owner TEXT COLLATE "C" NOT NULL,
  expires_ms BIGINT NOT NULL
);

CREATE INDEX datasets_by_pool_key ON datasets(pool_id, identity_id, name);
)sql",
    // 3: bounds against hostile tenants (D16, D19), as SQLite's migration 4: a partial index of
    // tombstones, the outbox by due time (and next_attempt_ms made non-decreasing within each
    // partition for entries written before), devices by registration time.
    R"sql(
CREATE INDEX records_tombstones ON records(identity_id, dataset, modified_ms, key)
  WHERE value IS NULL;
CREATE INDEX outbox_due ON outbox(kind, next_attempt_ms, partition_key, position, sub, id);
CREATE INDEX devices_by_registration ON devices(identity_id, created_ms, device_id);
UPDATE outbox SET next_attempt_ms = (
  SELECT MAX(o.next_attempt_ms) FROM outbox o
  WHERE o.partition_key = outbox.partition_key
    AND (o.position, o.sub, o.id) <= (outbox.position, outbox.sub, outbox.id));
)sql",
    // 4: the console's count of a pool's live datasets reads this partial index alone (an
    // index-only scan).
    R"sql(
CREATE INDEX datasets_live_by_pool ON datasets(pool_id, deleted) WHERE NOT deleted;
)sql",
};

constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));
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
  if (version > kMigrationCount) {
    return ApiError::InternalError("database schema version " + std::to_string(version) +
                                   " is newer than this cogsync supports (" +
                                   std::to_string(kMigrationCount) +
                                   "); upgrade cogsync or use another database");
  }
  for (int next = version + 1; next <= kMigrationCount; ++next) {
    COGSYNC_RETURN_IF_ERROR(connection.Exec(kMigrations[next - 1], "migration"));
    COGSYNC_RETURN_IF_ERROR(
        connection.Query("INSERT INTO cogsync_schema (version, applied_ms) VALUES ($1, $2)",
                         {Param::Int(next), Param::Int(NowMillis())}, "migration version"));
    spdlog::info("postgres: applying schema migration {}", next);
  }
  return connection.Exec("COMMIT", "migration commit");
}

}  // namespace

int LatestSchemaVersion() { return kMigrationCount; }

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
