#include "store/sqlite/sqlite_txn.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/json.h"

namespace cogsync::store::sqlite {
namespace {

namespace bj = boost::json;

// LIMIT with a negative value means "no limit" to sqlite; the contract means "at most limit".
int64_t PageLimit(int limit) { return std::max(limit, 0); }

std::string WriteObject(const bj::object& object) { return json::Write(bj::value(object)); }

// JSON columns are only ever written by WriteObject, so a parse failure means the file was
// damaged or edited by hand: a storage error, not the client's.
Result<bj::object> ReadObject(const Statement& stmt, int column, std::string_view what) {
  std::string text = stmt.Text(column);
  std::string error;
  std::optional<bj::value> value = json::Parse(text, &error);
  if (!value.has_value() || !value->is_object()) {
    spdlog::error("stored JSON column {} is not an object: {}", what, error);
    return ApiError::InternalError("Internal storage error");
  }
  return std::move(value->as_object());
}

// ---- row mappers: the column order matches the SELECT lists below -----------------------------

constexpr std::string_view kPoolColumns =
    "id, name, developer_provider_name, description, tags, roles, role_mappings, sync_config, "
    "events, bulk_publish, created_ms";

Result<Pool> ReadPool(const Statement& stmt) {
  Pool pool;
  pool.id = stmt.Text(0);
  pool.name = stmt.Text(1);
  pool.developer_provider_name = stmt.Text(2);
  COGSYNC_ASSIGN_OR_RETURN(pool.description, ReadObject(stmt, 3, "pools.description"));
  COGSYNC_ASSIGN_OR_RETURN(pool.tags, ReadObject(stmt, 4, "pools.tags"));
  COGSYNC_ASSIGN_OR_RETURN(pool.roles, ReadObject(stmt, 5, "pools.roles"));
  COGSYNC_ASSIGN_OR_RETURN(pool.role_mappings, ReadObject(stmt, 6, "pools.role_mappings"));
  COGSYNC_ASSIGN_OR_RETURN(pool.sync_config, ReadObject(stmt, 7, "pools.sync_config"));
  COGSYNC_ASSIGN_OR_RETURN(pool.events, ReadObject(stmt, 8, "pools.events"));
  COGSYNC_ASSIGN_OR_RETURN(pool.bulk_publish, ReadObject(stmt, 9, "pools.bulk_publish"));
  pool.created_ms = stmt.Int(10);
  return pool;
}

constexpr std::string_view kIdentityColumns =
    "id, pool_id, created_ms, modified_ms, disabled, merged_into";

Identity ReadIdentity(const Statement& stmt) {
  Identity identity;
  identity.id = stmt.Text(0);
  identity.pool_id = stmt.Text(1);
  identity.created_ms = stmt.Int(2);
  identity.modified_ms = stmt.Int(3);
  identity.disabled = stmt.Int(4) != 0;
  identity.merged_into = stmt.Text(5);
  return identity;
}

constexpr std::string_view kLoginColumns = "pool_id, provider, subject, identity_id, linked_ms";

Login ReadLogin(const Statement& stmt) {
  Login login;
  login.pool_id = stmt.Text(0);
  login.provider = stmt.Text(1);
  login.subject = stmt.Text(2);
  login.identity_id = stmt.Text(3);
  login.linked_ms = stmt.Int(4);
  return login;
}

constexpr std::string_view kAccessKeyColumns = "access_key_id, secret_access_key, name, created_ms";

AccessKey ReadAccessKey(const Statement& stmt) {
  AccessKey key;
  key.access_key_id = stmt.Text(0);
  key.secret_access_key = stmt.Text(1);
  key.name = stmt.Text(2);
  key.created_ms = stmt.Int(3);
  return key;
}

constexpr std::string_view kDatasetColumns =
    "identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by, data_storage, "
    "num_records, deleted, last_deleted_at, merged_into_name";

Dataset ReadDataset(const Statement& stmt) {
  Dataset dataset;
  dataset.identity_id = stmt.Text(0);
  dataset.name = stmt.Text(1);
  dataset.pool_id = stmt.Text(2);
  dataset.sync_count = stmt.Int(3);
  dataset.created_ms = stmt.Int(4);
  dataset.modified_ms = stmt.Int(5);
  dataset.modified_by = stmt.Text(6);
  dataset.data_storage = stmt.Int(7);
  dataset.num_records = stmt.Int(8);
  dataset.deleted = stmt.Int(9) != 0;
  dataset.last_deleted_at = stmt.Int(10);
  dataset.merged_into_name = stmt.Text(11);
  return dataset;
}

constexpr std::string_view kRecordColumns =
    "key, value, sync_count, modified_ms, modified_by, device_modified_ms";

Record ReadRecord(const Statement& stmt) {
  Record record;
  record.key = stmt.Text(0);
  record.value = stmt.OptionalText(1);
  record.sync_count = stmt.Int(2);
  record.modified_ms = stmt.Int(3);
  record.modified_by = stmt.Text(4);
  record.device_modified_ms = stmt.OptionalInt(5);
  return record;
}

std::string Select(std::string_view columns, std::string_view rest) {
  std::string sql = "SELECT ";
  sql += columns;
  sql += ' ';
  sql += rest;
  return sql;
}

}  // namespace

Result<Statement> SqliteTxn::Prepare(std::string_view sql) {
  if (!writable_ && !begun_) {
    COGSYNC_ASSIGN_OR_RETURN(Statement begin, connection_.Prepare("BEGIN"));
    COGSYNC_RETURN_IF_ERROR(begin.Run());
    begun_ = true;
  }
  return connection_.Prepare(sql);
}

// ---- identity pools ----------------------------------------------------------------------------

Result<std::optional<Pool>> SqliteTxn::GetPool(std::string_view pool_id) {
  PoolCache* cache = ReadCache();
  if (cache != nullptr) {
    if (auto cached = cache->Get(pool_id)) return std::optional<Pool>(*cached);
  }
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare(Select(kPoolColumns, "FROM pools WHERE id = ?1")));
  stmt.BindText(1, pool_id);
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Pool>();
  COGSYNC_ASSIGN_OR_RETURN(Pool pool, ReadPool(stmt));
  if (cache != nullptr) cache->Put(pool, generation_);
  return std::optional<Pool>(std::move(pool));
}

Status SqliteTxn::PutPool(const Pool& pool) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NotePoolsWritten();
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, which would cascade
  // to every identity of the pool.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO pools (id, name, developer_provider_name, description, tags, roles, role_mappings,
                   sync_config, events, bulk_publish, created_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, developer_provider_name = excluded.developer_provider_name,
  description = excluded.description, tags = excluded.tags, roles = excluded.roles,
  role_mappings = excluded.role_mappings, sync_config = excluded.sync_config,
  events = excluded.events, bulk_publish = excluded.bulk_publish,
  created_ms = excluded.created_ms)sql"));
  stmt.BindText(1, pool.id)
      .BindText(2, pool.name)
      .BindText(3, pool.developer_provider_name)
      .BindText(4, WriteObject(pool.description))
      .BindText(5, WriteObject(pool.tags))
      .BindText(6, WriteObject(pool.roles))
      .BindText(7, WriteObject(pool.role_mappings))
      .BindText(8, WriteObject(pool.sync_config))
      .BindText(9, WriteObject(pool.events))
      .BindText(10, WriteObject(pool.bulk_publish))
      .BindInt(11, pool.created_ms);
  return stmt.Run();
}

Status SqliteTxn::DeletePool(std::string_view pool_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NotePoolsWritten();
  // Foreign keys cascade to identities and from there to everything below them.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("DELETE FROM pools WHERE id = ?1"));
  stmt.BindText(1, pool_id);
  return stmt.Run();
}

Result<std::vector<Pool>> SqliteTxn::ListPools(std::string_view after_id, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kPoolColumns, "FROM pools WHERE id > ?1 ORDER BY id LIMIT ?2")));
  stmt.BindText(1, after_id).BindInt(2, PageLimit(limit));
  std::vector<Pool> pools;
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return pools;
    COGSYNC_ASSIGN_OR_RETURN(Pool pool, ReadPool(stmt));
    pools.push_back(std::move(pool));
  }
}

Result<std::vector<PoolName>> SqliteTxn::ListPoolNames(std::string_view after_id, int limit) {
  auto read_names = [](const Statement& row) { return PoolName{row.Text(0), row.Text(1)}; };
  PoolCache* cache = ReadCache();
  if (cache != nullptr && !cache->TooManyNames()) {
    if (auto names = cache->Names(after_id, limit)) return std::move(*names);
    // Read the whole list once (one row more than the cache takes, to know it is too many).
    COGSYNC_ASSIGN_OR_RETURN(Statement all,
                             Prepare("SELECT id, name FROM pools ORDER BY id LIMIT ?1"));
    all.BindInt(1, int64_t(PoolCache::kMaxPools) + 1);
    COGSYNC_ASSIGN_OR_RETURN(std::vector<PoolName> names, CollectRows<PoolName>(all, read_names));
    cache->PutNames(std::move(names), generation_);
    if (auto page = cache->Names(after_id, limit)) return std::move(*page);
  }
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt, Prepare("SELECT id, name FROM pools WHERE id > ?1 ORDER BY id LIMIT ?2"));
  stmt.BindText(1, after_id).BindInt(2, PageLimit(limit));
  return CollectRows<PoolName>(stmt, read_names);
}

Result<int64_t> SqliteTxn::CountPools() {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("SELECT COUNT(*) FROM pools"));
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : int64_t{0};
}

Result<std::optional<boost::json::object>> SqliteTxn::GetPrincipalTagMap(
    std::string_view pool_id, std::string_view provider) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare("SELECT map FROM principal_tag_maps WHERE pool_id = ?1 AND provider = ?2"));
  stmt.BindText(1, pool_id).BindText(2, provider);
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<bj::object>();
  COGSYNC_ASSIGN_OR_RETURN(bj::object map, ReadObject(stmt, 0, "principal_tag_maps.map"));
  return std::optional<bj::object>(std::move(map));
}

Status SqliteTxn::PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                                     const boost::json::object& map) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO principal_tag_maps (pool_id, provider, map) VALUES (?1, ?2, ?3)
ON CONFLICT (pool_id, provider) DO UPDATE SET map = excluded.map)sql"));
  stmt.BindText(1, pool_id).BindText(2, provider).BindText(3, WriteObject(map));
  return stmt.Run();
}

Result<std::vector<std::pair<std::string, boost::json::object>>> SqliteTxn::ListPrincipalTagMaps(
    std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare("SELECT provider, map FROM principal_tag_maps WHERE pool_id = ?1 ORDER BY provider"));
  stmt.BindText(1, pool_id);
  std::vector<std::pair<std::string, bj::object>> maps;
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    COGSYNC_ASSIGN_OR_RETURN(bj::object map, ReadObject(stmt, 1, "principal_tag_maps.map"));
    maps.emplace_back(stmt.Text(0), std::move(map));
  }
  return maps;
}

// ---- identities and logins ---------------------------------------------------------------------

Result<std::optional<Identity>> SqliteTxn::GetIdentity(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare(Select(kIdentityColumns, "FROM identities WHERE id = ?1")));
  stmt.BindText(1, identity_id);
  return FirstRow<Identity>(stmt, ReadIdentity);
}

Status SqliteTxn::PutIdentity(const Identity& identity) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO identities (id, pool_id, created_ms, modified_ms, disabled, merged_into)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (id) DO UPDATE SET
  pool_id = excluded.pool_id, created_ms = excluded.created_ms,
  modified_ms = excluded.modified_ms, disabled = excluded.disabled,
  merged_into = excluded.merged_into)sql"));
  stmt.BindText(1, identity.id)
      .BindText(2, identity.pool_id)
      .BindInt(3, identity.created_ms)
      .BindInt(4, identity.modified_ms)
      .BindInt(5, identity.disabled ? 1 : 0)
      .BindText(6, identity.merged_into);
  return stmt.Run();
}

Status SqliteTxn::DeleteIdentity(std::string_view identity_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Cascades to logins, datasets (and their records), devices and subscriptions.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("DELETE FROM identities WHERE id = ?1"));
  stmt.BindText(1, identity_id);
  return stmt.Run();
}

Result<std::vector<Identity>> SqliteTxn::ListIdentities(std::string_view pool_id,
                                                        std::string_view after_id, int limit,
                                                        bool hide_disabled) {
  // Two statements rather than "(?3 = 0 OR disabled = 0)" so each has a plain index range plan.
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kIdentityColumns,
                     hide_disabled
                         ? "FROM identities WHERE pool_id = ?1 AND id > ?2 AND disabled = 0 "
                           "ORDER BY id LIMIT ?3"
                         : "FROM identities WHERE pool_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")));
  stmt.BindText(1, pool_id).BindText(2, after_id).BindInt(3, PageLimit(limit));
  return CollectRows<Identity>(stmt, ReadIdentity);
}

Result<std::optional<Login>> SqliteTxn::FindLogin(std::string_view pool_id,
                                                  std::string_view provider,
                                                  std::string_view subject) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kLoginColumns,
                     "FROM logins WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3")));
  stmt.BindText(1, pool_id).BindText(2, provider).BindText(3, subject);
  return FirstRow<Login>(stmt, ReadLogin);
}

Result<std::vector<Login>> SqliteTxn::ListLogins(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(
          Select(kLoginColumns, "FROM logins WHERE identity_id = ?1 ORDER BY provider, subject")));
  stmt.BindText(1, identity_id);
  return CollectRows<Login>(stmt, ReadLogin);
}

Status SqliteTxn::PutLogin(const Login& login) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO logins (pool_id, provider, subject, identity_id, linked_ms)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (pool_id, provider, subject) DO UPDATE SET
  identity_id = excluded.identity_id, linked_ms = excluded.linked_ms)sql"));
  stmt.BindText(1, login.pool_id)
      .BindText(2, login.provider)
      .BindText(3, login.subject)
      .BindText(4, login.identity_id)
      .BindInt(5, login.linked_ms);
  return stmt.Run();
}

Status SqliteTxn::DeleteLogin(std::string_view pool_id, std::string_view provider,
                              std::string_view subject) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare("DELETE FROM logins WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3"));
  stmt.BindText(1, pool_id).BindText(2, provider).BindText(3, subject);
  return stmt.Run();
}

// ---- credentials and server secrets ------------------------------------------------------------

Result<std::optional<AccessKey>> SqliteTxn::GetAccessKey(std::string_view access_key_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kAccessKeyColumns, "FROM access_keys WHERE access_key_id = ?1")));
  stmt.BindText(1, access_key_id);
  return FirstRow<AccessKey>(stmt, ReadAccessKey);
}

Status SqliteTxn::PutAccessKey(const AccessKey& key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO access_keys (access_key_id, secret_access_key, name, created_ms)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (access_key_id) DO UPDATE SET
  secret_access_key = excluded.secret_access_key, name = excluded.name,
  created_ms = excluded.created_ms)sql"));
  stmt.BindText(1, key.access_key_id)
      .BindText(2, key.secret_access_key)
      .BindText(3, key.name)
      .BindInt(4, key.created_ms);
  return stmt.Run();
}

Result<bool> SqliteTxn::DeleteAccessKey(std::string_view access_key_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare("DELETE FROM access_keys WHERE access_key_id = ?1 RETURNING 1"));
  stmt.BindText(1, access_key_id);
  COGSYNC_ASSIGN_OR_RETURN(bool deleted, stmt.Step());
  if (deleted) COGSYNC_RETURN_IF_ERROR(stmt.Run());  // finish the statement
  return deleted;
}

Result<std::vector<AccessKey>> SqliteTxn::ListAccessKeys() {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kAccessKeyColumns, "FROM access_keys ORDER BY access_key_id")));
  return CollectRows<AccessKey>(stmt, ReadAccessKey);
}

Result<std::optional<std::string>> SqliteTxn::GetSecret(std::string_view name) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("SELECT value FROM secrets WHERE name = ?1"));
  stmt.BindText(1, name);
  return FirstRow<std::string>(stmt, [](const Statement& s) { return s.Text(0); });
}

Status SqliteTxn::PutSecret(std::string_view name, std::string_view value) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // A BLOB: key material is arbitrary bytes.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO secrets (name, value) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = excluded.value)sql"));
  stmt.BindText(1, name).BindBlob(2, value);
  return stmt.Run();
}

// ---- datasets and records ----------------------------------------------------------------------

Result<std::optional<Dataset>> SqliteTxn::GetDataset(std::string_view identity_id,
                                                     std::string_view name, bool /*for_update*/) {
  // for_update needs nothing here: the single writer connection already serialises writers.
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kDatasetColumns, "FROM datasets WHERE identity_id = ?1 AND name = ?2")));
  stmt.BindText(1, identity_id).BindText(2, name);
  return FirstRow<Dataset>(stmt, ReadDataset);
}

Status SqliteTxn::PutDataset(const Dataset& dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // An upsert: replacing the row would cascade-delete its records.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO datasets (identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by,
                      data_storage, num_records, deleted, last_deleted_at, merged_into_name)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (identity_id, name) DO UPDATE SET
  pool_id = excluded.pool_id, sync_count = excluded.sync_count,
  created_ms = excluded.created_ms, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, data_storage = excluded.data_storage,
  num_records = excluded.num_records, deleted = excluded.deleted,
  last_deleted_at = excluded.last_deleted_at, merged_into_name = excluded.merged_into_name)sql"));
  stmt.BindText(1, dataset.identity_id)
      .BindText(2, dataset.name)
      .BindText(3, dataset.pool_id)
      .BindInt(4, dataset.sync_count)
      .BindInt(5, dataset.created_ms)
      .BindInt(6, dataset.modified_ms)
      .BindText(7, dataset.modified_by)
      .BindInt(8, dataset.data_storage)
      .BindInt(9, dataset.num_records)
      .BindInt(10, dataset.deleted ? 1 : 0)
      .BindInt(11, dataset.last_deleted_at)
      .BindText(12, dataset.merged_into_name);
  return stmt.Run();
}

Result<std::vector<Dataset>> SqliteTxn::ListDatasets(std::string_view identity_id,
                                                     std::string_view after_name, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare(Select(kDatasetColumns,
                                          "FROM datasets WHERE identity_id = ?1 AND name > ?2 "
                                          "AND deleted = 0 ORDER BY name LIMIT ?3")));
  stmt.BindText(1, identity_id).BindText(2, after_name).BindInt(3, PageLimit(limit));
  return CollectRows<Dataset>(stmt, ReadDataset);
}

Result<std::vector<Dataset>> SqliteTxn::ListAllDatasets(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(Select(kDatasetColumns, "FROM datasets WHERE identity_id = ?1 ORDER BY name")));
  stmt.BindText(1, identity_id);
  return CollectRows<Dataset>(stmt, ReadDataset);
}

Result<std::vector<Dataset>> SqliteTxn::ListPoolDatasets(std::string_view pool_id,
                                                         std::string_view after_identity,
                                                         std::string_view after_name, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt, Prepare(Select(kDatasetColumns,
                                     "FROM datasets WHERE pool_id = ?1 AND deleted = 0 AND "
                                     "(identity_id, name) > (?2, ?3) ORDER BY identity_id, name "
                                     "LIMIT ?4")));
  stmt.BindText(1, pool_id)
      .BindText(2, after_identity)
      .BindText(3, after_name)
      .BindInt(4, PageLimit(limit));
  return CollectRows<Dataset>(stmt, ReadDataset);
}

Status SqliteTxn::PurgeDataset(std::string_view identity_id, std::string_view name) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(
      Statement subs,
      Prepare("DELETE FROM subscriptions WHERE identity_id = ?1 AND dataset_name = ?2"));
  subs.BindText(1, identity_id).BindText(2, name);
  COGSYNC_RETURN_IF_ERROR(subs.Run());
  // Records go with the row (ON DELETE CASCADE).
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare("DELETE FROM datasets WHERE identity_id = ?1 AND name = ?2"));
  stmt.BindText(1, identity_id).BindText(2, name);
  return stmt.Run();
}

Result<std::vector<std::string>> SqliteTxn::ListMergedDatasetNames(std::string_view identity_id,
                                                                   std::string_view name) {
  if (name.empty()) return std::vector<std::string>();  // '' means "not merged"
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT name FROM datasets
WHERE identity_id = ?1 AND merged_into_name = ?2 AND merged_into_name <> '' AND deleted = 0
ORDER BY name)sql"));
  stmt.BindText(1, identity_id).BindText(2, name);
  return CollectRows<std::string>(stmt, [](const Statement& s) { return s.Text(0); });
}

Result<std::vector<Record>> SqliteTxn::GetRecords(std::string_view identity_id,
                                                  std::string_view dataset,
                                                  const std::vector<std::string>& keys) {
  std::vector<Record> records;
  for (const std::string& key : keys) {
    // One primary-key lookup per key with one cached statement: cheaper than building an IN
    // list of varying length (a new statement per size) for the ≤1,024 keys of a request.
    COGSYNC_ASSIGN_OR_RETURN(
        Statement stmt,
        Prepare(Select(kRecordColumns,
                       "FROM records WHERE identity_id = ?1 AND dataset = ?2 AND key = ?3")));
    stmt.BindText(1, identity_id).BindText(2, dataset).BindText(3, key);
    COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) records.push_back(ReadRecord(stmt));
  }
  return records;
}

Result<std::vector<Record>> SqliteTxn::ListRecords(std::string_view identity_id,
                                                   std::string_view dataset, int64_t min_sync_count,
                                                   std::string_view after_key, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt, Prepare(Select(kRecordColumns,
                                     "FROM records WHERE identity_id = ?1 AND dataset = ?2 "
                                     "AND key > ?3 AND sync_count > ?4 ORDER BY key LIMIT ?5")));
  stmt.BindText(1, identity_id)
      .BindText(2, dataset)
      .BindText(3, after_key)
      .BindInt(4, min_sync_count)
      .BindInt(5, PageLimit(limit));
  return CollectRows<Record>(stmt, ReadRecord);
}

Status SqliteTxn::PutRecord(std::string_view identity_id, std::string_view dataset,
                            const Record& record) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
                     device_modified_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (identity_id, dataset, key) DO UPDATE SET
  value = excluded.value, sync_count = excluded.sync_count, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, device_modified_ms = excluded.device_modified_ms)sql"));
  stmt.BindText(1, identity_id)
      .BindText(2, dataset)
      .BindText(3, record.key)
      .BindOptionalText(4, record.value)
      .BindInt(5, record.sync_count)
      .BindInt(6, record.modified_ms)
      .BindText(7, record.modified_by)
      .BindOptionalInt(8, record.device_modified_ms);
  return stmt.Run();
}

Status SqliteTxn::DeleteRecords(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare("DELETE FROM records WHERE identity_id = ?1 AND dataset = ?2"));
  stmt.BindText(1, identity_id).BindText(2, dataset);
  return stmt.Run();
}

Status SqliteTxn::DeleteRecord(std::string_view identity_id, std::string_view dataset,
                               std::string_view key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare("DELETE FROM records WHERE identity_id = ?1 AND dataset = ?2 AND key = ?3"));
  stmt.BindText(1, identity_id).BindText(2, dataset).BindText(3, key);
  return stmt.Run();
}

// Both read the partial index records_tombstones (migration 4), never the live records.
Result<int64_t> SqliteTxn::CountTombstones(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT COUNT(*) FROM records INDEXED BY records_tombstones
WHERE identity_id = ?1 AND dataset = ?2 AND value IS NULL)sql"));
  stmt.BindText(1, identity_id).BindText(2, dataset);
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

Result<std::vector<std::string>> SqliteTxn::ListOldTombstones(std::string_view identity_id,
                                                              std::string_view dataset,
                                                              int64_t before_ms, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT key FROM records INDEXED BY records_tombstones
WHERE identity_id = ?1 AND dataset = ?2 AND value IS NULL AND modified_ms < ?3
ORDER BY modified_ms, key LIMIT ?4)sql"));
  stmt.BindText(1, identity_id)
      .BindText(2, dataset)
      .BindInt(3, before_ms)
      .BindInt(4, PageLimit(limit));
  return CollectRows<std::string>(stmt, [](const Statement& s) { return s.Text(0); });
}

// ---- usage -------------------------------------------------------------------------------------

Status SqliteTxn::AddSyncSessions(std::string_view pool_id, int64_t count) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO sync_usage (pool_id, sync_sessions) VALUES (?1, ?2)
ON CONFLICT (pool_id) DO UPDATE SET sync_sessions = sync_sessions + excluded.sync_sessions)sql"));
  stmt.BindText(1, pool_id).BindInt(2, count);
  return stmt.Run();
}

Result<PoolUsage> SqliteTxn::GetPoolUsage(std::string_view pool_id) {
  // Storage counts live datasets only; the latest change includes deletions (a deletion is a
  // change the pool saw).
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT
  COALESCE((SELECT sync_sessions FROM sync_usage WHERE pool_id = ?1), 0),
  COALESCE((SELECT SUM(data_storage) FROM datasets WHERE pool_id = ?1 AND deleted = 0), 0),
  COALESCE((SELECT MAX(modified_ms) FROM datasets WHERE pool_id = ?1), 0))sql"));
  stmt.BindText(1, pool_id);
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  PoolUsage usage;
  if (row) {
    usage.sync_sessions = stmt.Int(0);
    usage.data_storage = stmt.Int(1);
    usage.last_modified_ms = stmt.Int(2);
  }
  return usage;
}

Result<PoolCounts> SqliteTxn::CountPoolContents(std::string_view pool_id) {
  // Both counts read only an index: identities_by_pool, and datasets_live_by_pool, which holds
  // live datasets alone (deletion markers are not datasets a pool has).
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT
  (SELECT COUNT(*) FROM identities WHERE pool_id = ?1),
  (SELECT COUNT(*) FROM datasets WHERE pool_id = ?1 AND deleted = 0))sql"));
  stmt.BindText(1, pool_id);
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  PoolCounts counts;
  if (row) {
    counts.identities = stmt.Int(0);
    counts.datasets = stmt.Int(1);
  }
  return counts;
}

// ---- test mode ---------------------------------------------------------------------------------

Status SqliteTxn::WipeCognitoState() {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NotePoolsWritten();
  // Children first, so each DELETE is a plain table clear rather than a cascade walk.
  // access_keys and secrets are not Cognito state and stay.
  static constexpr const char* kTables[] = {
      "outbox",     "subscriptions",      "devices", "records", "datasets", "logins", "identities",
      "sync_usage", "principal_tag_maps", "pools"};
  for (const char* table : kTables) {
    COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(std::string("DELETE FROM ") + table));
    COGSYNC_RETURN_IF_ERROR(stmt.Run());
  }
  return OkStatus();
}

}  // namespace cogsync::store::sqlite
