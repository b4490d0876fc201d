#include "store/postgres/pg_txn.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "common/json.h"

namespace cogsync::store::postgres {
namespace {

namespace bj = boost::json;

std::string WriteObject(const bj::object& object) { return json::Write(bj::value(object)); }

// JSON columns are only ever written by WriteObject, so a parse failure means the database was
// edited by hand: a storage error, not the client's.
Result<bj::object> ReadObject(const Rows& rows, int row, int column, std::string_view what) {
  std::string error;
  std::optional<bj::value> value = json::Parse(rows.Text(row, column), &error);
  if (!value.has_value() || !value->is_object()) {
    spdlog::error("stored JSON column {} is not an object: {}", what, error);
    return ApiError::InternalError("Internal storage error");
  }
  return std::move(value->as_object());
}

// ---- row mappers: the column order matches the SELECT lists below -----------------------------

#define COGSYNC_POOL_COLUMNS                                                                  \
  "id, name, developer_provider_name, description, tags, roles, role_mappings, sync_config, " \
  "events, bulk_publish, created_ms"

Result<Pool> ReadPool(const Rows& rows, int r) {
  Pool pool;
  pool.id = rows.Text(r, 0);
  pool.name = rows.Text(r, 1);
  pool.developer_provider_name = rows.Text(r, 2);
  COGSYNC_ASSIGN_OR_RETURN(pool.description, ReadObject(rows, r, 3, "pools.description"));
  COGSYNC_ASSIGN_OR_RETURN(pool.tags, ReadObject(rows, r, 4, "pools.tags"));
  COGSYNC_ASSIGN_OR_RETURN(pool.roles, ReadObject(rows, r, 5, "pools.roles"));
  COGSYNC_ASSIGN_OR_RETURN(pool.role_mappings, ReadObject(rows, r, 6, "pools.role_mappings"));
  COGSYNC_ASSIGN_OR_RETURN(pool.sync_config, ReadObject(rows, r, 7, "pools.sync_config"));
  COGSYNC_ASSIGN_OR_RETURN(pool.events, ReadObject(rows, r, 8, "pools.events"));
  COGSYNC_ASSIGN_OR_RETURN(pool.bulk_publish, ReadObject(rows, r, 9, "pools.bulk_publish"));
  pool.created_ms = rows.Int(r, 10);
  return pool;
}

#define COGSYNC_IDENTITY_COLUMNS "id, pool_id, created_ms, modified_ms, disabled, merged_into"

Identity ReadIdentity(const Rows& rows, int r) {
  Identity identity;
  identity.id = rows.Text(r, 0);
  identity.pool_id = rows.Text(r, 1);
  identity.created_ms = rows.Int(r, 2);
  identity.modified_ms = rows.Int(r, 3);
  identity.disabled = rows.Bool(r, 4);
  identity.merged_into = rows.Text(r, 5);
  return identity;
}

#define COGSYNC_LOGIN_COLUMNS "pool_id, provider, subject, identity_id, linked_ms"

Login ReadLogin(const Rows& rows, int r) {
  return Login{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3), rows.Int(r, 4)};
}

#define COGSYNC_ACCESS_KEY_COLUMNS "access_key_id, secret_access_key, name, created_ms"

AccessKey ReadAccessKey(const Rows& rows, int r) {
  return AccessKey{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Int(r, 3)};
}

#define COGSYNC_DATASET_COLUMNS                                                                  \
  "identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by, data_storage, " \
  "num_records, deleted, last_deleted_at, merged_into_name"

Dataset ReadDataset(const Rows& rows, int r) {
  Dataset dataset;
  dataset.identity_id = rows.Text(r, 0);
  dataset.name = rows.Text(r, 1);
  dataset.pool_id = rows.Text(r, 2);
  dataset.sync_count = rows.Int(r, 3);
  dataset.created_ms = rows.Int(r, 4);
  dataset.modified_ms = rows.Int(r, 5);
  dataset.modified_by = rows.Text(r, 6);
  dataset.data_storage = rows.Int(r, 7);
  dataset.num_records = rows.Int(r, 8);
  dataset.deleted = rows.Bool(r, 9);
  dataset.last_deleted_at = rows.Int(r, 10);
  dataset.merged_into_name = rows.Text(r, 11);
  return dataset;
}

#define COGSYNC_RECORD_COLUMNS \
  "key, value, sync_count, modified_ms, modified_by, device_modified_ms"

Record ReadRecord(const Rows& rows, int r) {
  Record record;
  record.key = rows.Text(r, 0);
  record.value = rows.OptionalText(r, 1);
  record.sync_count = rows.Int(r, 2);
  record.modified_ms = rows.Int(r, 3);
  record.modified_by = rows.Text(r, 4);
  record.device_modified_ms = rows.OptionalInt(r, 5);
  return record;
}

#define COGSYNC_DEVICE_COLUMNS \
  "device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms"

Device ReadDevice(const Rows& rows, int r) {
  return Device{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                rows.Text(r, 4), rows.Text(r, 5), rows.Int(r, 6)};
}

}  // namespace

Status PgTxn::CheckWritable() const {
  if (!writable_) return ApiError::InternalError("write in a read transaction");
  return OkStatus();
}

// ---- identity pools ----------------------------------------------------------------------------

Result<std::optional<Pool>> PgTxn::GetPool(std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows,
                           Run("SELECT " COGSYNC_POOL_COLUMNS " FROM pools WHERE id = $1",
                               {Param::Text(pool_id)}, "GetPool"));
  if (rows.empty()) return std::optional<Pool>();
  COGSYNC_ASSIGN_OR_RETURN(Pool pool, ReadPool(rows, 0));
  return std::optional<Pool>(std::move(pool));
}

Status PgTxn::PutPool(const Pool& pool) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // An upsert: delete + insert would cascade to every identity of the pool.
  return Done(
      Run(R"sql(
INSERT INTO pools (id, name, developer_provider_name, description, tags, roles, role_mappings,
                   sync_config, events, bulk_publish, created_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, developer_provider_name = excluded.developer_provider_name,
  description = excluded.description, tags = excluded.tags, roles = excluded.roles,
  role_mappings = excluded.role_mappings, sync_config = excluded.sync_config,
  events = excluded.events, bulk_publish = excluded.bulk_publish,
  created_ms = excluded.created_ms)sql",
          {Param::Text(pool.id), Param::Text(pool.name), Param::Text(pool.developer_provider_name),
           Param::Text(WriteObject(pool.description)), Param::Text(WriteObject(pool.tags)),
           Param::Text(WriteObject(pool.roles)), Param::Text(WriteObject(pool.role_mappings)),
           Param::Text(WriteObject(pool.sync_config)), Param::Text(WriteObject(pool.events)),
           Param::Text(WriteObject(pool.bulk_publish)), Param::Int(pool.created_ms)},
          "PutPool"));
}

Status PgTxn::DeletePool(std::string_view pool_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Foreign keys cascade to identities and from there to everything below them. Devices and
  // subscriptions hang off identities; datasets off identities too.
  return Done(Run("DELETE FROM pools WHERE id = $1", {Param::Text(pool_id)}, "DeletePool"));
}

Result<std::vector<Pool>> PgTxn::ListPools(std::string_view after_id, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_POOL_COLUMNS " FROM pools WHERE id > $1 ORDER BY id LIMIT $2",
          {Param::Text(after_id), Param::Int(PageLimit(limit))}, "ListPools"));
  std::vector<Pool> pools;
  for (int r = 0; r < rows.size(); ++r) {
    COGSYNC_ASSIGN_OR_RETURN(Pool pool, ReadPool(rows, r));
    pools.push_back(std::move(pool));
  }
  return pools;
}

Result<std::vector<PoolName>> PgTxn::ListPoolNames(std::string_view after_id, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT id, name FROM pools WHERE id > $1 ORDER BY id LIMIT $2",
                     {Param::Text(after_id), Param::Int(PageLimit(limit))}, "ListPoolNames"));
  std::vector<PoolName> names;
  names.reserve(size_t(rows.size()));
  for (int r = 0; r < rows.size(); ++r) names.push_back(PoolName{rows.Text(r, 0), rows.Text(r, 1)});
  return names;
}

Result<int64_t> PgTxn::CountPools() {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run("SELECT COUNT(*) FROM pools", {}, "CountPools"));
  return rows.empty() ? int64_t{0} : rows.Int(0, 0);
}

Result<std::optional<boost::json::object>> PgTxn::GetPrincipalTagMap(std::string_view pool_id,
                                                                     std::string_view provider) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT map FROM principal_tag_maps WHERE pool_id = $1 AND provider = $2",
                     {Param::Text(pool_id), Param::Text(provider)}, "GetPrincipalTagMap"));
  if (rows.empty()) return std::optional<bj::object>();
  COGSYNC_ASSIGN_OR_RETURN(bj::object map, ReadObject(rows, 0, 0, "principal_tag_maps.map"));
  return std::optional<bj::object>(std::move(map));
}

Status PgTxn::PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                                 const boost::json::object& map) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO principal_tag_maps (pool_id, provider, map) VALUES ($1, $2, $3)
ON CONFLICT (pool_id, provider) DO UPDATE SET map = excluded.map)sql",
                  {Param::Text(pool_id), Param::Text(provider), Param::Text(WriteObject(map))},
                  "PutPrincipalTagMap"));
}

Result<std::vector<std::pair<std::string, boost::json::object>>> PgTxn::ListPrincipalTagMaps(
    std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT provider, map FROM principal_tag_maps WHERE pool_id = $1 ORDER BY provider",
          {Param::Text(pool_id)}, "ListPrincipalTagMaps"));
  std::vector<std::pair<std::string, bj::object>> maps;
  for (int r = 0; r < rows.size(); ++r) {
    COGSYNC_ASSIGN_OR_RETURN(bj::object map, ReadObject(rows, r, 1, "principal_tag_maps.map"));
    maps.emplace_back(rows.Text(r, 0), std::move(map));
  }
  return maps;
}

// ---- identities and logins ---------------------------------------------------------------------

Result<std::optional<Identity>> PgTxn::GetIdentity(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows,
                           Run("SELECT " COGSYNC_IDENTITY_COLUMNS " FROM identities WHERE id = $1",
                               {Param::Text(identity_id)}, "GetIdentity"));
  return FirstRow<Identity>(rows, ReadIdentity);
}

Status PgTxn::PutIdentity(const Identity& identity) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO identities (id, pool_id, created_ms, modified_ms, disabled, merged_into)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET
  pool_id = excluded.pool_id, created_ms = excluded.created_ms,
  modified_ms = excluded.modified_ms, disabled = excluded.disabled,
  merged_into = excluded.merged_into)sql",
                  {Param::Text(identity.id), Param::Text(identity.pool_id),
                   Param::Int(identity.created_ms), Param::Int(identity.modified_ms),
                   Param::Bool(identity.disabled), Param::Text(identity.merged_into)},
                  "PutIdentity"));
}

Status PgTxn::DeleteIdentity(std::string_view identity_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Cascades to logins, datasets (and their records), devices and subscriptions.
  return Done(
      Run("DELETE FROM identities WHERE id = $1", {Param::Text(identity_id)}, "DeleteIdentity"));
}

Result<std::vector<Identity>> PgTxn::ListIdentities(std::string_view pool_id,
                                                    std::string_view after_id, int limit,
                                                    bool hide_disabled) {
  // Two statements rather than "($3 OR NOT disabled)" so each has a plain index range plan.
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run(hide_disabled ? "SELECT " COGSYNC_IDENTITY_COLUMNS
                          " FROM identities WHERE pool_id = $1 AND id > $2 AND NOT disabled "
                          "ORDER BY id LIMIT $3"
                        : "SELECT " COGSYNC_IDENTITY_COLUMNS
                          " FROM identities WHERE pool_id = $1 AND id > $2 ORDER BY id LIMIT $3",
          {Param::Text(pool_id), Param::Text(after_id), Param::Int(PageLimit(limit))},
          "ListIdentities"));
  return AllRows<Identity>(rows, ReadIdentity);
}

Result<std::optional<Login>> PgTxn::FindLogin(std::string_view pool_id, std::string_view provider,
                                              std::string_view subject) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_LOGIN_COLUMNS
          " FROM logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
          {Param::Text(pool_id), Param::Text(provider), Param::Text(subject)}, "FindLogin"));
  return FirstRow<Login>(rows, ReadLogin);
}

Result<std::vector<Login>> PgTxn::ListLogins(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows,
                           Run("SELECT " COGSYNC_LOGIN_COLUMNS
                               " FROM logins WHERE identity_id = $1 ORDER BY provider, subject",
                               {Param::Text(identity_id)}, "ListLogins"));
  return AllRows<Login>(rows, ReadLogin);
}

Status PgTxn::PutLogin(const Login& login) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(
      Run(R"sql(
INSERT INTO logins (pool_id, provider, subject, identity_id, linked_ms)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (pool_id, provider, subject) DO UPDATE SET
  identity_id = excluded.identity_id, linked_ms = excluded.linked_ms)sql",
          {Param::Text(login.pool_id), Param::Text(login.provider), Param::Text(login.subject),
           Param::Text(login.identity_id), Param::Int(login.linked_ms)},
          "PutLogin"));
}

Status PgTxn::DeleteLogin(std::string_view pool_id, std::string_view provider,
                          std::string_view subject) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run("DELETE FROM logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
                  {Param::Text(pool_id), Param::Text(provider), Param::Text(subject)},
                  "DeleteLogin"));
}

// ---- credentials and server secrets ------------------------------------------------------------

Result<std::optional<AccessKey>> PgTxn::GetAccessKey(std::string_view access_key_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " COGSYNC_ACCESS_KEY_COLUMNS
                                          " FROM access_keys WHERE access_key_id = $1",
                                          {Param::Text(access_key_id)}, "GetAccessKey"));
  return FirstRow<AccessKey>(rows, ReadAccessKey);
}

Status PgTxn::PutAccessKey(const AccessKey& key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO access_keys (access_key_id, secret_access_key, name, created_ms)
VALUES ($1, $2, $3, $4)
ON CONFLICT (access_key_id) DO UPDATE SET
  secret_access_key = excluded.secret_access_key, name = excluded.name,
  created_ms = excluded.created_ms)sql",
                  {Param::Text(key.access_key_id), Param::Text(key.secret_access_key),
                   Param::Text(key.name), Param::Int(key.created_ms)},
                  "PutAccessKey"));
}

Result<bool> PgTxn::DeleteAccessKey(std::string_view access_key_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Rows rows,
                           Run("DELETE FROM access_keys WHERE access_key_id = $1 RETURNING 1",
                               {Param::Text(access_key_id)}, "DeleteAccessKey"));
  return !rows.empty();
}

Result<std::vector<AccessKey>> PgTxn::ListAccessKeys() {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " COGSYNC_ACCESS_KEY_COLUMNS
                                          " FROM access_keys ORDER BY access_key_id",
                                          {}, "ListAccessKeys"));
  return AllRows<AccessKey>(rows, ReadAccessKey);
}

Result<std::optional<std::string>> PgTxn::GetSecret(std::string_view name) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run("SELECT value FROM secrets WHERE name = $1",
                                          {Param::Text(name)}, "GetSecret"));
  if (rows.empty()) return std::optional<std::string>();
  COGSYNC_ASSIGN_OR_RETURN(std::string value, rows.Bytes(0, 0));
  return std::optional<std::string>(std::move(value));
}

Status PgTxn::PutSecret(std::string_view name, std::string_view value) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // BYTEA sent as raw bytes: key material is arbitrary bytes, NUL included.
  return Done(Run(R"sql(
INSERT INTO secrets (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET value = excluded.value)sql",
                  {Param::Text(name), Param::Bytes(value)}, "PutSecret"));
}

// ---- datasets and records ----------------------------------------------------------------------

Result<std::optional<Dataset>> PgTxn::GetDataset(std::string_view identity_id,
                                                 std::string_view name, bool for_update) {
  // FOR UPDATE holds the row until the transaction ends: a concurrent writer of the same dataset
  // (on any node) waits, then fails to serialise and is retried from the start, so it rebuilds
  // its answer on the committed SyncCount. A dataset that does not exist yet has no row to lock;
  // two first writers then both insert and the loser fails on the key and is retried the same
  // way (serialisable writes, see pg_store.cc).
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run(for_update && writable_ ? "SELECT " COGSYNC_DATASET_COLUMNS
                                    " FROM datasets WHERE identity_id = $1 AND name = $2 FOR UPDATE"
                                  : "SELECT " COGSYNC_DATASET_COLUMNS
                                    " FROM datasets WHERE identity_id = $1 AND name = $2",
          {Param::Text(identity_id), Param::Text(name)}, "GetDataset"));
  return FirstRow<Dataset>(rows, ReadDataset);
}

Status PgTxn::PutDataset(const Dataset& dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // An upsert: replacing the row would cascade-delete its records.
  return Done(Run(R"sql(
INSERT INTO datasets (identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by,
                      data_storage, num_records, deleted, last_deleted_at, merged_into_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (identity_id, name) DO UPDATE SET
  pool_id = excluded.pool_id, sync_count = excluded.sync_count,
  created_ms = excluded.created_ms, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, data_storage = excluded.data_storage,
  num_records = excluded.num_records, deleted = excluded.deleted,
  last_deleted_at = excluded.last_deleted_at, merged_into_name = excluded.merged_into_name)sql",
                  {Param::Text(dataset.identity_id), Param::Text(dataset.name),
                   Param::Text(dataset.pool_id), Param::Int(dataset.sync_count),
                   Param::Int(dataset.created_ms), Param::Int(dataset.modified_ms),
                   Param::Text(dataset.modified_by), Param::Int(dataset.data_storage),
                   Param::Int(dataset.num_records), Param::Bool(dataset.deleted),
                   Param::Int(dataset.last_deleted_at), Param::Text(dataset.merged_into_name)},
                  "PutDataset"));
}

Result<std::vector<Dataset>> PgTxn::ListDatasets(std::string_view identity_id,
                                                 std::string_view after_name, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_DATASET_COLUMNS
          " FROM datasets WHERE identity_id = $1 AND name > $2 AND NOT deleted "
          "ORDER BY name LIMIT $3",
          {Param::Text(identity_id), Param::Text(after_name), Param::Int(PageLimit(limit))},
          "ListDatasets"));
  return AllRows<Dataset>(rows, ReadDataset);
}

Result<std::vector<Dataset>> PgTxn::ListAllDatasets(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " COGSYNC_DATASET_COLUMNS
                                          " FROM datasets WHERE identity_id = $1 ORDER BY name",
                                          {Param::Text(identity_id)}, "ListAllDatasets"));
  return AllRows<Dataset>(rows, ReadDataset);
}

Result<std::vector<Dataset>> PgTxn::ListPoolDatasets(std::string_view pool_id,
                                                     std::string_view after_identity,
                                                     std::string_view after_name, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_DATASET_COLUMNS " FROM datasets WHERE pool_id = $1 AND NOT deleted AND "
          "(identity_id, name) > ($2, $3) ORDER BY identity_id, name LIMIT $4",
          {Param::Text(pool_id), Param::Text(after_identity), Param::Text(after_name),
           Param::Int(PageLimit(limit))},
          "ListPoolDatasets"));
  return AllRows<Dataset>(rows, ReadDataset);
}

Status PgTxn::PurgeDataset(std::string_view identity_id, std::string_view name) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_RETURN_IF_ERROR(
      Run("DELETE FROM subscriptions WHERE identity_id = $1 AND dataset_name = $2",
          {Param::Text(identity_id), Param::Text(name)}, "PurgeDataset"));
  // Records go with the row (ON DELETE CASCADE).
  return Done(Run("DELETE FROM datasets WHERE identity_id = $1 AND name = $2",
                  {Param::Text(identity_id), Param::Text(name)}, "PurgeDataset"));
}

Result<std::vector<std::string>> PgTxn::ListMergedDatasetNames(std::string_view identity_id,
                                                               std::string_view name) {
  if (name.empty()) return std::vector<std::string>();  // '' means "not merged"
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run(R"sql(
SELECT name FROM datasets
WHERE identity_id = $1 AND merged_into_name = $2 AND merged_into_name <> '' AND NOT deleted
ORDER BY name)sql",
                     {Param::Text(identity_id), Param::Text(name)}, "ListMergedDatasetNames"));
  return AllRows<std::string>(rows, [](const Rows& rs, int r) { return rs.Text(r, 0); });
}

Result<std::vector<Record>> PgTxn::GetRecords(std::string_view identity_id,
                                              std::string_view dataset,
                                              const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<Record>();
  // One round trip for all keys (a network hop each would dominate a 1,024-key request).
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_RECORD_COLUMNS " FROM records WHERE identity_id = $1 AND dataset = $2 "
          "AND key = ANY($3::TEXT[])",
          {Param::Text(identity_id), Param::Text(dataset), Param::TextArray(keys)}, "GetRecords"));
  std::unordered_map<std::string, Record> by_key;
  for (int r = 0; r < rows.size(); ++r) {
    Record record = ReadRecord(rows, r);
    std::string key = record.key;
    by_key.emplace(std::move(key), std::move(record));
  }
  // In the order asked for, missing keys skipped (as the SQLite store answers).
  std::vector<Record> records;
  for (const std::string& key : keys) {
    auto found = by_key.find(key);
    if (found != by_key.end()) records.push_back(found->second);
  }
  return records;
}

Result<std::vector<Record>> PgTxn::ListRecords(std::string_view identity_id,
                                               std::string_view dataset, int64_t min_sync_count,
                                               std::string_view after_key, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_RECORD_COLUMNS " FROM records WHERE identity_id = $1 AND dataset = $2 "
          "AND key > $3 AND sync_count > $4 ORDER BY key LIMIT $5",
          {Param::Text(identity_id), Param::Text(dataset), Param::Text(after_key),
           Param::Int(min_sync_count), Param::Int(PageLimit(limit))},
          "ListRecords"));
  return AllRows<Record>(rows, ReadRecord);
}

Status PgTxn::PutRecord(std::string_view identity_id, std::string_view dataset,
                        const Record& record) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
                     device_modified_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (identity_id, dataset, key) DO UPDATE SET
  value = excluded.value, sync_count = excluded.sync_count, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, device_modified_ms = excluded.device_modified_ms)sql",
                  {Param::Text(identity_id), Param::Text(dataset), Param::Text(record.key),
                   Param::OptionalText(record.value), Param::Int(record.sync_count),
                   Param::Int(record.modified_ms), Param::Text(record.modified_by),
                   Param::OptionalInt(record.device_modified_ms)},
                  "PutRecord"));
}

Status PgTxn::DeleteRecords(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run("DELETE FROM records WHERE identity_id = $1 AND dataset = $2",
                  {Param::Text(identity_id), Param::Text(dataset)}, "DeleteRecords"));
}

Status PgTxn::DeleteRecord(std::string_view identity_id, std::string_view dataset,
                           std::string_view key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run("DELETE FROM records WHERE identity_id = $1 AND dataset = $2 AND key = $3",
                  {Param::Text(identity_id), Param::Text(dataset), Param::Text(key)},
                  "DeleteRecord"));
}

// Both match the partial index records_tombstones (migration 3), never the live records.
Result<int64_t> PgTxn::CountTombstones(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT COUNT(*) FROM records WHERE identity_id = $1 AND dataset = $2 "
                     "AND value IS NULL",
                     {Param::Text(identity_id), Param::Text(dataset)}, "CountTombstones"));
  return rows.empty() ? 0 : rows.Int(0, 0);
}

Result<std::vector<std::string>> PgTxn::ListOldTombstones(std::string_view identity_id,
                                                          std::string_view dataset,
                                                          int64_t before_ms, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT key FROM records WHERE identity_id = $1 AND dataset = $2 "
                     "AND value IS NULL AND modified_ms < $3 ORDER BY modified_ms, key LIMIT $4",
                     {Param::Text(identity_id), Param::Text(dataset), Param::Int(before_ms),
                      Param::Int(PageLimit(limit))},
                     "ListOldTombstones"));
  return AllRows<std::string>(rows, [](const Rows& rs, int r) { return rs.Text(r, 0); });
}

// ---- usage -------------------------------------------------------------------------------------

Status PgTxn::AddSyncSessions(std::string_view pool_id, int64_t count) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO sync_usage (pool_id, sync_sessions) VALUES ($1, $2)
ON CONFLICT (pool_id) DO UPDATE
SET sync_sessions = sync_usage.sync_sessions + excluded.sync_sessions)sql",
                  {Param::Text(pool_id), Param::Int(count)}, "AddSyncSessions"));
}

Result<PoolUsage> PgTxn::GetPoolUsage(std::string_view pool_id) {
  // Storage counts live datasets only; the latest change includes deletions (a deletion is a
  // change the pool saw). SUM of BIGINT is NUMERIC: cast back.
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run(R"sql(
SELECT
  COALESCE((SELECT sync_sessions FROM sync_usage WHERE pool_id = $1), 0)::BIGINT,
  COALESCE((SELECT SUM(data_storage) FROM datasets WHERE pool_id = $1 AND NOT deleted), 0)::BIGINT,
  COALESCE((SELECT MAX(modified_ms) FROM datasets WHERE pool_id = $1), 0)::BIGINT)sql",
                                          {Param::Text(pool_id)}, "GetPoolUsage"));
  PoolUsage usage;
  if (!rows.empty()) {
    usage.sync_sessions = rows.Int(0, 0);
    usage.data_storage = rows.Int(0, 1);
    usage.last_modified_ms = rows.Int(0, 2);
  }
  return usage;
}

Result<PoolCounts> PgTxn::CountPoolContents(std::string_view pool_id) {
  // Both counts read only an index: identities_by_pool, and datasets_live_by_pool, which holds
  // live datasets alone (deletion markers are not datasets a pool has).
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run(R"sql(
SELECT
  (SELECT COUNT(*) FROM identities WHERE pool_id = $1),
  (SELECT COUNT(*) FROM datasets WHERE pool_id = $1 AND NOT deleted))sql",
                                          {Param::Text(pool_id)}, "CountPoolContents"));
  PoolCounts counts;
  if (!rows.empty()) {
    counts.identities = rows.Int(0, 0);
    counts.datasets = rows.Int(0, 1);
  }
  return counts;
}

// ---- push sync ---------------------------------------------------------------------------------

Result<std::optional<Device>> PgTxn::GetDevice(std::string_view device_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT " COGSYNC_DEVICE_COLUMNS " FROM devices WHERE device_id = $1",
                     {Param::Text(device_id)}, "GetDevice"));
  return FirstRow<Device>(rows, ReadDevice);
}

Result<std::optional<Device>> PgTxn::FindDevice(std::string_view identity_id,
                                                std::string_view platform, std::string_view token) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_DEVICE_COLUMNS
          " FROM devices WHERE identity_id = $1 AND platform = $2 AND token = $3 "
          "ORDER BY device_id LIMIT 1",
          {Param::Text(identity_id), Param::Text(platform), Param::Text(token)}, "FindDevice"));
  return FirstRow<Device>(rows, ReadDevice);
}

Status PgTxn::PutDevice(const Device& device) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(
      Run(R"sql(
INSERT INTO devices (device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (device_id) DO UPDATE SET
  pool_id = excluded.pool_id, identity_id = excluded.identity_id,
  platform = excluded.platform, token = excluded.token,
  endpoint_arn = excluded.endpoint_arn, created_ms = excluded.created_ms)sql",
          {Param::Text(device.device_id), Param::Text(device.pool_id),
           Param::Text(device.identity_id), Param::Text(device.platform), Param::Text(device.token),
           Param::Text(device.endpoint_arn), Param::Int(device.created_ms)},
          "PutDevice"));
}

Result<std::vector<Device>> PgTxn::ListDevices(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT " COGSYNC_DEVICE_COLUMNS " FROM devices WHERE identity_id = $1 "
                     "ORDER BY created_ms, device_id",
                     {Param::Text(identity_id)}, "ListDevices"));
  return AllRows<Device>(rows, ReadDevice);
}

Status PgTxn::DeleteDevice(std::string_view device_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  for (const char* sql : {"DELETE FROM subscriptions WHERE device_id = $1",
                          "DELETE FROM devices WHERE device_id = $1"}) {
    COGSYNC_RETURN_IF_ERROR(Run(sql, {Param::Text(device_id)}, "DeleteDevice"));
  }
  return OkStatus();
}

Status PgTxn::PutSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
INSERT INTO subscriptions (pool_id, identity_id, dataset_name, device_id)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING)sql",
                  {Param::Text(subscription.pool_id), Param::Text(subscription.identity_id),
                   Param::Text(subscription.dataset_name), Param::Text(subscription.device_id)},
                  "PutSubscription"));
}

Status PgTxn::DeleteSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run(R"sql(
DELETE FROM subscriptions
WHERE identity_id = $1 AND dataset_name = $2 AND device_id = $3 AND pool_id = $4)sql",
                  {Param::Text(subscription.identity_id), Param::Text(subscription.dataset_name),
                   Param::Text(subscription.device_id), Param::Text(subscription.pool_id)},
                  "DeleteSubscription"));
}

Result<std::vector<Subscription>> PgTxn::ListSubscriptions(std::string_view identity_id,
                                                           std::string_view dataset) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run(R"sql(
SELECT pool_id, identity_id, dataset_name, device_id FROM subscriptions
WHERE identity_id = $1 AND dataset_name = $2 ORDER BY device_id, pool_id)sql",
                     {Param::Text(identity_id), Param::Text(dataset)}, "ListSubscriptions"));
  return AllRows<Subscription>(rows, [](const Rows& rs, int r) {
    return Subscription{rs.Text(r, 0), rs.Text(r, 1), rs.Text(r, 2), rs.Text(r, 3)};
  });
}

Result<std::vector<Subscription>> PgTxn::ListIdentitySubscriptions(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, Run(R"sql(
SELECT pool_id, identity_id, dataset_name, device_id FROM subscriptions
WHERE identity_id = $1 ORDER BY dataset_name, device_id, pool_id)sql",
                                          {Param::Text(identity_id)}, "ListIdentitySubscriptions"));
  return AllRows<Subscription>(rows, [](const Rows& rs, int r) {
    return Subscription{rs.Text(r, 0), rs.Text(r, 1), rs.Text(r, 2), rs.Text(r, 3)};
  });
}

// ---- test mode ---------------------------------------------------------------------------------

Status PgTxn::WipeCognitoState() {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // DELETE, not TRUNCATE: TRUNCATE takes an exclusive table lock that would stall every other
  // node, and is not transactional on every PostgreSQL-compatible database. Children first, so
  // each DELETE is a plain table clear. access_keys and secrets are not Cognito state and stay.
  static constexpr const char* kStatements[] = {
      "DELETE FROM outbox",     "DELETE FROM subscriptions", "DELETE FROM devices",
      "DELETE FROM records",    "DELETE FROM datasets",      "DELETE FROM logins",
      "DELETE FROM identities", "DELETE FROM sync_usage",    "DELETE FROM principal_tag_maps",
      "DELETE FROM pools"};
  for (const char* sql : kStatements) COGSYNC_RETURN_IF_ERROR(Run(sql, {}, "WipeCognitoState"));
  return OkStatus();
}

}  // namespace cogsync::store::postgres

#undef COGSYNC_POOL_COLUMNS
#undef COGSYNC_IDENTITY_COLUMNS
#undef COGSYNC_LOGIN_COLUMNS
#undef COGSYNC_ACCESS_KEY_COLUMNS
#undef COGSYNC_DATASET_COLUMNS
#undef COGSYNC_RECORD_COLUMNS
#undef COGSYNC_DEVICE_COLUMNS
