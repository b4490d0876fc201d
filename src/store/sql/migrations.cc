#include "store/sql/migrations.h"

#include <iterator>

namespace cogsync::store::sql {
namespace {

// The records table's columns and keys: created by the first step, and again by SQLite's
// rebuild of it (where {{c}} is empty, as the rebuild wrote it).
#define COGSYNC_RECORDS_TABLE                                                              \
  "  identity_id TEXT{{c}} NOT NULL,\n"                                                    \
  "  dataset TEXT{{c}} NOT NULL,\n"                                                        \
  "  key TEXT{{c}} NOT NULL,\n"                                                            \
  "  value TEXT,\n"                                                                        \
  "  sync_count {{int}} NOT NULL,\n"                                                       \
  "  modified_ms {{int}} NOT NULL,\n"                                                      \
  "  modified_by TEXT NOT NULL DEFAULT '',\n"                                              \
  "  device_modified_ms {{int}},\n"                                                        \
  "  PRIMARY KEY (identity_id, dataset, key),\n"                                           \
  "  FOREIGN KEY (identity_id, dataset) REFERENCES datasets(identity_id, name) ON DELETE " \
  "CASCADE\n"

// One step of the schema's history, in the neutral form of dialect.h.
struct Step {
  const char* sql;
  bool clustered_tables_only = false;  // only where Dialect::clustered_tables (SQLite)
};

// Append-only: a released step is never edited, a change is a new step. The tables are the same
// on every engine, so all answer alike:
//  - keys put one identity's rows together (identity id first), so a sync touches one small key
//    range; every foreign key column is the prefix of an index so cascades and pages are
//    O(rows touched);
//  - text keys compare bytewise ({{c}}: COLLATE "C" on PostgreSQL, SQLite's default), so keyset
//    pagination and ORDER BY agree whatever collation the database was created with;
//  - timestamps are 64-bit milliseconds, JSON is TEXT (kept byte for byte, key order included),
//    secrets are blobs;
//  - no sequences, triggers or stored procedures: every id comes from the application, which
//    keeps the SQL within what CockroachDB and YugabyteDB accept.
// Foreign keys are checked immediately (not deferred): SQLite's writer commits many callers'
// functions in one transaction, and a deferred violation would fail the whole batch at COMMIT.
// Callers therefore write parents first: pool, identity, dataset, then records.
//
// An engine's migration N is the N-th step that applies to its dialect: SQLite has all six
// (its user_version), PostgreSQL skips the third (its cogsync_schema table counts five).
constexpr Step kSteps[] = {
    // The initial schema.
    {R"sql(
CREATE TABLE pools (
  id TEXT{{c}} PRIMARY KEY,
  name TEXT NOT NULL,
  developer_provider_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '{}',
  roles TEXT NOT NULL DEFAULT '{}',
  role_mappings TEXT NOT NULL DEFAULT '{}',
  sync_config TEXT NOT NULL DEFAULT '{}',
  events TEXT NOT NULL DEFAULT '{}',
  bulk_publish TEXT NOT NULL DEFAULT '{}',
  created_ms {{int}} NOT NULL
);

CREATE TABLE principal_tag_maps (
  pool_id TEXT{{c}} NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT{{c}} NOT NULL,
  map TEXT NOT NULL,
  PRIMARY KEY (pool_id, provider)
);

CREATE TABLE identities (
  id TEXT{{c}} PRIMARY KEY,
  pool_id TEXT{{c}} NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  created_ms {{int}} NOT NULL,
  modified_ms {{int}} NOT NULL,
  disabled {{bool}} NOT NULL DEFAULT {{false}},
  merged_into TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identities_by_pool ON identities(pool_id, id);

CREATE TABLE logins (
  pool_id TEXT{{c}} NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT{{c}} NOT NULL,
  subject TEXT{{c}} NOT NULL,
  identity_id TEXT{{c}} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  linked_ms {{int}} NOT NULL,
  PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX logins_by_identity ON logins(identity_id, provider, subject);

CREATE TABLE access_keys (
  access_key_id TEXT{{c}} PRIMARY KEY,
  secret_access_key TEXT NOT NULL,
  name TEXT NOT NULL,
  created_ms {{int}} NOT NULL
);

CREATE TABLE secrets (
  name TEXT{{c}} PRIMARY KEY,
  value {{blob}} NOT NULL
);

CREATE TABLE datasets (
  identity_id TEXT{{c}} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  name TEXT{{c}} NOT NULL,
  pool_id TEXT{{c}} NOT NULL,
  sync_count {{int}} NOT NULL,
  created_ms {{int}} NOT NULL,
  modified_ms {{int}} NOT NULL,
  modified_by TEXT NOT NULL DEFAULT '',
  data_storage {{int}} NOT NULL DEFAULT 0,
  num_records {{int}} NOT NULL DEFAULT 0,
  deleted {{bool}} NOT NULL DEFAULT {{false}},
  last_deleted_at {{int}} NOT NULL DEFAULT 0,
  merged_into_name TEXT{{c}} NOT NULL DEFAULT '',
  PRIMARY KEY (identity_id, name)
);
CREATE INDEX datasets_by_pool ON datasets(pool_id);
CREATE INDEX datasets_by_merge ON datasets(identity_id, merged_into_name, name)
  WHERE merged_into_name <> '';

CREATE TABLE records (
)sql" COGSYNC_RECORDS_TABLE R"sql();

CREATE TABLE sync_usage (
  pool_id TEXT{{c}} PRIMARY KEY REFERENCES pools(id) ON DELETE CASCADE,
  sync_sessions {{int}} NOT NULL
);

CREATE TABLE devices (
  device_id TEXT{{c}} PRIMARY KEY,
  pool_id TEXT{{c}} NOT NULL,
  identity_id TEXT{{c}} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  platform TEXT{{c}} NOT NULL,
  token TEXT{{c}} NOT NULL,
  endpoint_arn TEXT NOT NULL DEFAULT '',
  created_ms {{int}} NOT NULL
);
CREATE INDEX devices_by_identity ON devices(identity_id, platform, token);

CREATE TABLE subscriptions (
  pool_id TEXT{{c}} NOT NULL,
  identity_id TEXT{{c}} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  dataset_name TEXT{{c}} NOT NULL,
  device_id TEXT{{c}} NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  PRIMARY KEY (identity_id, dataset_name, device_id, pool_id)
);
CREATE INDEX subscriptions_by_device ON subscriptions(device_id);
)sql"},
    // The outbox (D24), leases for background work, and pool-wide dataset scans (D26).
    {R"sql(
CREATE TABLE outbox (
  id TEXT{{c}} PRIMARY KEY,
  kind TEXT NOT NULL,
  pool_id TEXT{{c}} NOT NULL,
  partition_key TEXT{{c}} NOT NULL,
  position {{int}} NOT NULL,
  sub INTEGER NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms {{int}} NOT NULL DEFAULT 0,
  created_ms {{int}} NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_order ON outbox(partition_key, position, sub, id);

CREATE TABLE leases (
  name TEXT{{c}} PRIMARY KEY,
  owner TEXT{{c}} NOT NULL,
  expires_ms {{int}} NOT NULL
);

CREATE INDEX datasets_by_pool_key ON datasets(pool_id, identity_id, name);
)sql"},
    // SQLite only: records clustered by their key. As a rowid table, every record read was a
    // look-up in the primary-key index and then one in the table; WITHOUT ROWID the rows live in
    // the key's B-tree, so a ListRecords page is one descent and a sequential scan. Nothing
    // references records, so the table is rebuilt in place. (PostgreSQL's heap has no such
    // choice; its B-tree primary key already serves the range.)
    {R"sql(
CREATE TABLE records_by_key (
)sql" COGSYNC_RECORDS_TABLE R"sql() WITHOUT ROWID;
INSERT INTO records_by_key (identity_id, dataset, key, value, sync_count, modified_ms,
                            modified_by, device_modified_ms)
  SELECT identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
         device_modified_ms FROM records;
DROP TABLE records;
ALTER TABLE records_by_key RENAME TO records;
)sql",
     /*clustered_tables_only=*/true},
    // Bounds against hostile tenants (D16, D19). Tombstones are counted and purged oldest first
    // through a partial index that holds only them; the outbox dispatcher reads only due entries
    // (outbox_due), in an order that keeps each partition's entries in order once
    // next_attempt_ms never decreases within a partition, which the UPDATE establishes for
    // entries written before; a device registration bound finds its oldest device by index.
    {R"sql(
CREATE INDEX records_tombstones ON records(identity_id, dataset, modified_ms, key)
  WHERE value IS NULL;
CREATE INDEX outbox_due ON outbox(kind, next_attempt_ms, partition_key, position, sub, id);
CREATE INDEX devices_by_registration ON devices(identity_id, created_ms, device_id);
UPDATE outbox SET next_attempt_ms = (
  SELECT MAX(o.next_attempt_ms) FROM outbox o
  WHERE o.partition_key = outbox.partition_key
    AND (o.position, o.sub, o.id) <= (outbox.position, outbox.sub, outbox.id));
)sql"},
    // The console's count of a pool's live datasets reads this partial index alone (it holds
    // `deleted` too, so the count never reads the table).
    {R"sql(
CREATE INDEX datasets_live_by_pool ON datasets(pool_id, deleted) WHERE {{not:deleted}};
)sql"},
    // Migration from Amazon Cognito (D29): logins forwarded to the source and its answers,
    // providers of migrated identities whose subjects are not bound yet, named counters.
    {R"sql(
CREATE TABLE login_bindings (
  pool_id TEXT{{c}} NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  provider TEXT{{c}} NOT NULL,
  subject TEXT{{c}} NOT NULL,
  outcome TEXT NOT NULL,
  identity_id TEXT{{c}} NOT NULL,
  created_ms {{int}} NOT NULL,
  PRIMARY KEY (pool_id, provider, subject)
);

CREATE TABLE unbound_logins (
  identity_id TEXT{{c}} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  provider TEXT{{c}} NOT NULL,
  PRIMARY KEY (identity_id, provider)
);

CREATE TABLE counters (
  name TEXT{{c}} PRIMARY KEY,
  value {{int}} NOT NULL
);
)sql"},
};

}  // namespace

std::vector<std::string> Migrations(const Dialect& dialect) {
  std::vector<std::string> migrations;
  migrations.reserve(std::size(kSteps));
  for (const Step& step : kSteps) {
    if (step.clustered_tables_only && !dialect.clustered_tables) continue;
    migrations.push_back(Render(dialect, step.sql));
  }
  return migrations;
}

#undef COGSYNC_RECORDS_TABLE

}  // namespace cogsync::store::sql
