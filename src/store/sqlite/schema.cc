#include "store/sqlite/schema.h"

#include <spdlog/spdlog.h>

#include <iterator>
#include <string>

namespace cogsync::store::sqlite {
namespace {

// Append-only: a released migration is never edited, a change is a new entry. Keys put one
// identity's rows together (identity id first), so a sync touches one small key range; every
// foreign key column is the prefix of an index so cascades and pages are O(rows touched).
// Foreign keys are checked immediately (not deferred): the writer commits many callers'
// functions in one transaction, and a deferred violation would fail the whole batch at COMMIT.
// Callers therefore write parents first: pool, identity, dataset, then records.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE pools (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  developer_provider_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '{}',
  roles TEXT NOT NULL DEFAULT '{}',
  role_mappings TEXT NOT NULL DEFAULT '{}',
  sync_config TEXT NOT NULL DEFAULT '{}',
  events TEXT NOT NULL DEFAULT '{}',
  bulk_publish TEXT NOT NULL DEFAULT '{}',
  created_ms INTEGER NOT NULL
);

CREATE TABLE principal_tag_maps (
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  map TEXT NOT NULL,
  PRIMARY KEY (pool_id, provider)
);

CREATE TABLE identities (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  merged_into TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identities_by_pool ON identities(pool_id, id);

CREATE TABLE logins (
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  linked_ms INTEGER NOT NULL,
  PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX logins_by_identity ON logins(identity_id, provider, subject);

CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY,
  secret_access_key TEXT NOT NULL,
  name TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

CREATE TABLE datasets (
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  sync_count INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  data_storage INTEGER NOT NULL DEFAULT 0,
  num_records INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  last_deleted_at INTEGER NOT NULL DEFAULT 0,
  merged_into_name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (identity_id, name)
);
CREATE INDEX datasets_by_pool ON datasets(pool_id);
CREATE INDEX datasets_by_merge ON datasets(identity_id, merged_into_name, name)
  WHERE merged_into_name <> '';

CREATE TABLE records (
  identity_id TEXT NOT NULL,
  dataset TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  sync_count INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  device_modified_ms INTEGER,
  PRIMARY KEY (identity_id, dataset, key),
  FOREIGN KEY (identity_id, dataset) REFERENCES datasets(identity_id, name) ON DELETE CASCADE
);

CREATE TABLE sync_usage (
  pool_id TEXT PRIMARY KEY REFERENCES pools(id) ON DELETE CASCADE,
  sync_sessions INTEGER NOT NULL
);

CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  platform TEXT NOT NULL,
  token TEXT NOT NULL,
  endpoint_arn TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL
);
CREATE INDEX devices_by_identity ON devices(identity_id, platform, token);

CREATE TABLE subscriptions (
  pool_id TEXT NOT NULL,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  dataset_name TEXT NOT NULL,
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  PRIMARY KEY (identity_id, dataset_name, device_id, pool_id)
);
CREATE INDEX subscriptions_by_device ON subscriptions(device_id);
)sql",
    // 2: the outbox (D24), leases for background work, and pool-wide dataset scans (D26).
    R"sql(
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  sub INTEGER NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_order ON outbox(partition_key, position, sub, id);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);

CREATE INDEX datasets_by_pool_key ON datasets(pool_id, identity_id, name);
)sql",
    // 3: records clustered by their key. As a rowid table, every record read was a look-up in
    // the primary-key index and then one in the table; WITHOUT ROWID the rows live in the key's
    // B-tree, so a ListRecords page is one descent and a sequential scan. Nothing references
    // records, so the table is rebuilt in place.
    R"sql(
CREATE TABLE records_by_key (
  identity_id TEXT NOT NULL,
  dataset TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  sync_count INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  device_modified_ms INTEGER,
  PRIMARY KEY (identity_id, dataset, key),
  FOREIGN KEY (identity_id, dataset) REFERENCES datasets(identity_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO records_by_key (identity_id, dataset, key, value, sync_count, modified_ms,
                            modified_by, device_modified_ms)
  SELECT identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
         device_modified_ms FROM records;
DROP TABLE records;
ALTER TABLE records_by_key RENAME TO records;
)sql",
    // 4: bounds against hostile tenants (D16, D19). Tombstones are counted and purged oldest
    // first through a partial index that holds only them; the outbox dispatcher reads only due
    // entries (outbox_due), in an order that keeps each partition's entries in order once
    // next_attempt_ms never decreases within a partition, which the UPDATE establishes for
    // entries written before; a device registration bound finds its oldest device by index.
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
    // 5: the console's count of a pool's live datasets reads this partial index alone (it
    // holds `deleted` too, so the count never reads the table).
    R"sql(
CREATE INDEX datasets_live_by_pool ON datasets(pool_id, deleted) WHERE deleted = 0;
)sql",
};

constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));

}  // namespace

int LatestSchemaVersion() { return kMigrationCount; }

Result<int> ReadSchemaVersion(Connection& connection) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("PRAGMA user_version"));
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return ApiError::InternalError("PRAGMA user_version returned no row");
  return static_cast<int>(stmt.Int(0));
}

Status MigrateSchema(Connection& connection) { return MigrateSchema(connection, kMigrationCount); }

Status MigrateSchema(Connection& connection, int target) {
  while (true) {
    // The version is read inside the write transaction, so two processes opening one fresh
    // database at once cannot both apply the same step.
    COGSYNC_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE", "migration begin"));
    auto version = ReadSchemaVersion(connection);
    if (!version.ok()) {
      (void)connection.Exec("ROLLBACK", "migration rollback");
      return version.error();
    }
    if (*version > kMigrationCount) {
      (void)connection.Exec("ROLLBACK", "migration rollback");
      return ApiError::InternalError("database schema version " + std::to_string(*version) +
                                     " is newer than this cogsync supports (" +
                                     std::to_string(kMigrationCount) +
                                     "); upgrade cogsync or use another database");
    }
    if (*version >= target) {
      return connection.Exec("COMMIT", "migration commit");
    }
    int next = *version + 1;
    Status applied = connection.Exec(kMigrations[next - 1], "migration");
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
