#include "store/sql/sql_txn.h"

#include <unordered_map>
#include <utility>

#include "store/sql/rows.h"

namespace cogsync::store::sql {
namespace {

namespace bj = boost::json;

// Literal statements (column lists spliced in by the preprocessor): a call builds no string.
#define COGSYNC_SELECT_POOL "SELECT " COGSYNC_POOL_COLUMNS " FROM pools "
#define COGSYNC_SELECT_IDENTITY "SELECT " COGSYNC_IDENTITY_COLUMNS " FROM identities "
#define COGSYNC_SELECT_LOGIN "SELECT " COGSYNC_LOGIN_COLUMNS " FROM logins "
#define COGSYNC_SELECT_ACCESS_KEY "SELECT " COGSYNC_ACCESS_KEY_COLUMNS " FROM access_keys "
#define COGSYNC_SELECT_DATASET "SELECT " COGSYNC_DATASET_COLUMNS " FROM datasets "
#define COGSYNC_SELECT_RECORD "SELECT " COGSYNC_RECORD_COLUMNS " FROM records "

PoolName ReadPoolName(const Row& row) { return PoolName{row.Text(0), row.Text(1)}; }
std::string ReadFirstText(const Row& row) { return row.Text(0); }

}  // namespace

// ---- identity pools ----------------------------------------------------------------------------

Result<PoolPtr> SqlTxn::GetPool(std::string_view pool_id) {
  PoolCache* cache = PoolReads();
  if (cache != nullptr) {
    if (PoolPtr cached = cache->Get(pool_id)) return cached;
  }
  COGSYNC_ASSIGN_OR_RETURN(
      std::optional<Pool> pool,
      session_.First<Pool>(COGSYNC_SELECT_POOL "WHERE id = ?1", {Arg::Text(pool_id)}, ReadPool));
  if (!pool.has_value()) return PoolPtr();
  auto snapshot = std::make_shared<const Pool>(std::move(*pool));
  if (cache != nullptr) cache->Put(snapshot, OfferGeneration());
  return PoolPtr(std::move(snapshot));
}

Status SqlTxn::PutPool(const Pool& pool) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NotePoolsWritten();
  // An upsert, not a replacement: deleting the old row first would cascade to every identity of
  // the pool.
  return session_.Run(
      R"sql(
INSERT INTO pools (id, name, developer_provider_name, description, tags, roles, role_mappings,
                   sync_config, events, bulk_publish, created_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, developer_provider_name = excluded.developer_provider_name,
  description = excluded.description, tags = excluded.tags, roles = excluded.roles,
  role_mappings = excluded.role_mappings, sync_config = excluded.sync_config,
  events = excluded.events, bulk_publish = excluded.bulk_publish,
  created_ms = excluded.created_ms)sql",
      {Arg::Text(pool.id), Arg::Text(pool.name), Arg::Text(pool.developer_provider_name),
       Arg::Text(WriteObject(pool.description)), Arg::Text(WriteObject(pool.tags)),
       Arg::Text(WriteObject(pool.roles)), Arg::Text(WriteObject(pool.role_mappings)),
       Arg::Text(WriteObject(pool.sync_config)), Arg::Text(WriteObject(pool.events)),
       Arg::Text(WriteObject(pool.bulk_publish)), Arg::Int(pool.created_ms)});
}

Status SqlTxn::DeletePool(std::string_view pool_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteEverything();
  NotePoolsWritten();
  // Foreign keys cascade to identities and from there to everything below them.
  return session_.Run("DELETE FROM pools WHERE id = ?1", {Arg::Text(pool_id)});
}

Result<std::vector<Pool>> SqlTxn::ListPools(std::string_view after_id, int limit) {
  return session_.Collect<Pool>(COGSYNC_SELECT_POOL "WHERE id > ?1 ORDER BY id LIMIT ?2",
                                {Arg::Text(after_id), Arg::Int(PageLimit(limit))}, ReadPool);
}

Result<std::vector<PoolName>> SqlTxn::ListPoolNames(std::string_view after_id, int limit) {
  PoolCache* cache = ReadCache();
  if (cache != nullptr && !cache->TooManyNames()) {
    if (auto names = cache->Names(after_id, limit)) return std::move(*names);
    // Read the whole list once (one row more than the cache takes, to know it is too many).
    COGSYNC_ASSIGN_OR_RETURN(
        std::vector<PoolName> names,
        session_.Collect<PoolName>("SELECT id, name FROM pools ORDER BY id LIMIT ?1",
                                   {Arg::Int(int64_t(PoolCache::kMaxPools) + 1)}, ReadPoolName));
    cache->PutNames(std::move(names), generation_);
    if (auto page = cache->Names(after_id, limit)) return std::move(*page);
  }
  return session_.Collect<PoolName>("SELECT id, name FROM pools WHERE id > ?1 ORDER BY id LIMIT ?2",
                                    {Arg::Text(after_id), Arg::Int(PageLimit(limit))},
                                    ReadPoolName);
}

Result<int64_t> SqlTxn::CountPools() { return session_.Scalar("SELECT COUNT(*) FROM pools", {}); }

Result<std::optional<boost::json::object>> SqlTxn::GetPrincipalTagMap(std::string_view pool_id,
                                                                      std::string_view provider) {
  return session_.First<bj::object>(
      "SELECT map FROM principal_tag_maps WHERE pool_id = ?1 AND provider = ?2",
      {Arg::Text(pool_id), Arg::Text(provider)},
      [](const Row& row) { return ReadObject(row, 0, "principal_tag_maps.map"); });
}

Status SqlTxn::PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                                  const boost::json::object& map) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO principal_tag_maps (pool_id, provider, map) VALUES (?1, ?2, ?3)
ON CONFLICT (pool_id, provider) DO UPDATE SET map = excluded.map)sql",
                      {Arg::Text(pool_id), Arg::Text(provider), Arg::Text(WriteObject(map))});
}

Result<std::vector<std::pair<std::string, boost::json::object>>> SqlTxn::ListPrincipalTagMaps(
    std::string_view pool_id) {
  using Entry = std::pair<std::string, bj::object>;
  return session_.Collect<Entry>(
      "SELECT provider, map FROM principal_tag_maps WHERE pool_id = ?1 ORDER BY provider",
      {Arg::Text(pool_id)}, [](const Row& row) -> Result<Entry> {
        COGSYNC_ASSIGN_OR_RETURN(bj::object map, ReadObject(row, 1, "principal_tag_maps.map"));
        return Entry(row.Text(0), std::move(map));
      });
}

// ---- identities and logins ---------------------------------------------------------------------

Result<std::optional<Identity>> SqlTxn::GetIdentity(std::string_view identity_id) {
  return session_.First<Identity>(COGSYNC_SELECT_IDENTITY "WHERE id = ?1", {Arg::Text(identity_id)},
                                  ReadIdentity);
}

Status SqlTxn::PutIdentity(const Identity& identity) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity.id);
  return session_.Run(R"sql(
INSERT INTO identities (id, pool_id, created_ms, modified_ms, disabled, merged_into)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (id) DO UPDATE SET
  pool_id = excluded.pool_id, created_ms = excluded.created_ms,
  modified_ms = excluded.modified_ms, disabled = excluded.disabled,
  merged_into = excluded.merged_into)sql",
                      {Arg::Text(identity.id), Arg::Text(identity.pool_id),
                       Arg::Int(identity.created_ms), Arg::Int(identity.modified_ms),
                       Arg::Bool(identity.disabled), Arg::Text(identity.merged_into)});
}

Status SqlTxn::DeleteIdentity(std::string_view identity_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  // Cascades to logins, datasets (and their records), devices and subscriptions.
  return session_.Run("DELETE FROM identities WHERE id = ?1", {Arg::Text(identity_id)});
}

Result<std::vector<Identity>> SqlTxn::ListIdentities(std::string_view pool_id,
                                                     std::string_view after_id, int limit,
                                                     bool hide_disabled) {
  // Two statements rather than "(?3 OR NOT disabled)" so each has a plain index range plan.
  return session_.Collect<Identity>(
      hide_disabled ? COGSYNC_SELECT_IDENTITY
          "WHERE pool_id = ?1 AND id > ?2 AND {{not:disabled}} ORDER BY id LIMIT ?3"
                    : COGSYNC_SELECT_IDENTITY "WHERE pool_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
      {Arg::Text(pool_id), Arg::Text(after_id), Arg::Int(PageLimit(limit))}, ReadIdentity);
}

Result<std::optional<Login>> SqlTxn::FindLogin(std::string_view pool_id, std::string_view provider,
                                               std::string_view subject) {
  return session_.First<Login>(
      COGSYNC_SELECT_LOGIN "WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3",
      {Arg::Text(pool_id), Arg::Text(provider), Arg::Text(subject)}, ReadLogin);
}

Result<std::vector<Login>> SqlTxn::ListLogins(std::string_view identity_id) {
  return session_.Collect<Login>(COGSYNC_SELECT_LOGIN
                                 "WHERE identity_id = ?1 ORDER BY provider, subject, pool_id",
                                 {Arg::Text(identity_id)}, ReadLogin);
}

Status SqlTxn::PutLogin(const Login& login) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(
      R"sql(
INSERT INTO logins (pool_id, provider, subject, identity_id, linked_ms)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (pool_id, provider, subject) DO UPDATE SET
  identity_id = excluded.identity_id, linked_ms = excluded.linked_ms)sql",
      {Arg::Text(login.pool_id), Arg::Text(login.provider), Arg::Text(login.subject),
       Arg::Text(login.identity_id), Arg::Int(login.linked_ms)});
}

Status SqlTxn::DeleteLogin(std::string_view pool_id, std::string_view provider,
                           std::string_view subject) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run("DELETE FROM logins WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3",
                      {Arg::Text(pool_id), Arg::Text(provider), Arg::Text(subject)});
}

// ---- credentials and server secrets ------------------------------------------------------------

Result<std::optional<AccessKey>> SqlTxn::GetAccessKey(std::string_view access_key_id) {
  return session_.First<AccessKey>(COGSYNC_SELECT_ACCESS_KEY "WHERE access_key_id = ?1",
                                   {Arg::Text(access_key_id)}, ReadAccessKey);
}

Status SqlTxn::PutAccessKey(const AccessKey& key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO access_keys (access_key_id, secret_access_key, name, created_ms)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (access_key_id) DO UPDATE SET
  secret_access_key = excluded.secret_access_key, name = excluded.name,
  created_ms = excluded.created_ms)sql",
                      {Arg::Text(key.access_key_id), Arg::Text(key.secret_access_key),
                       Arg::Text(key.name), Arg::Int(key.created_ms)});
}

Result<bool> SqlTxn::DeleteAccessKey(std::string_view access_key_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(int64_t deleted,
                           session_.Scalar("DELETE FROM access_keys WHERE access_key_id = ?1 "
                                           "RETURNING 1",
                                           {Arg::Text(access_key_id)}));
  return deleted != 0;
}

Result<std::vector<AccessKey>> SqlTxn::ListAccessKeys() {
  return session_.Collect<AccessKey>(COGSYNC_SELECT_ACCESS_KEY "ORDER BY access_key_id", {},
                                     ReadAccessKey);
}

Result<std::optional<std::string>> SqlTxn::GetSecret(std::string_view name) {
  return session_.First<std::string>("SELECT value FROM secrets WHERE name = ?1", {Arg::Text(name)},
                                     [](const Row& row) { return row.Bytes(0); });
}

Status SqlTxn::PutSecret(std::string_view name, std::string_view value) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // A blob: key material is arbitrary bytes, NUL included.
  return session_.Run(R"sql(
INSERT INTO secrets (name, value) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = excluded.value)sql",
                      {Arg::Text(name), Arg::Blob(value)});
}

// ---- datasets and records ----------------------------------------------------------------------

Result<std::optional<Dataset>> SqlTxn::GetDataset(std::string_view identity_id,
                                                  std::string_view name, bool for_update) {
  // FOR UPDATE (where the dialect has it; SQLite's single writer already serialises writers)
  // holds the row until the transaction ends: a concurrent writer of the same dataset waits,
  // then fails to serialise and is retried from the start, so it rebuilds its answer on the
  // committed SyncCount. A dataset that does not exist yet has no row to lock; two first writers
  // then both insert and the loser fails on the key and is retried the same way.
  return session_.First<Dataset>(for_update && writable_ ? COGSYNC_SELECT_DATASET
                                     "WHERE identity_id = ?1 AND name = ?2{{for_update}}"
                                                         : COGSYNC_SELECT_DATASET
                                     "WHERE identity_id = ?1 AND name = ?2",
                                 {Arg::Text(identity_id), Arg::Text(name)}, ReadDataset);
}

Status SqlTxn::PutDataset(const Dataset& dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(dataset.identity_id);
  // An upsert: replacing the row would cascade-delete its records.
  return session_.Run(
      R"sql(
INSERT INTO datasets (identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by,
                      data_storage, num_records, deleted, last_deleted_at, merged_into_name)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (identity_id, name) DO UPDATE SET
  pool_id = excluded.pool_id, sync_count = excluded.sync_count,
  created_ms = excluded.created_ms, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, data_storage = excluded.data_storage,
  num_records = excluded.num_records, deleted = excluded.deleted,
  last_deleted_at = excluded.last_deleted_at, merged_into_name = excluded.merged_into_name)sql",
      {Arg::Text(dataset.identity_id), Arg::Text(dataset.name), Arg::Text(dataset.pool_id),
       Arg::Int(dataset.sync_count), Arg::Int(dataset.created_ms), Arg::Int(dataset.modified_ms),
       Arg::Text(dataset.modified_by), Arg::Int(dataset.data_storage),
       Arg::Int(dataset.num_records), Arg::Bool(dataset.deleted), Arg::Int(dataset.last_deleted_at),
       Arg::Text(dataset.merged_into_name)});
}

Result<std::vector<Dataset>> SqlTxn::ListDatasets(std::string_view identity_id,
                                                  std::string_view after_name, int limit) {
  return session_.Collect<Dataset>(
      COGSYNC_SELECT_DATASET
      "WHERE identity_id = ?1 AND name > ?2 AND {{not:deleted}} ORDER BY name LIMIT ?3",
      {Arg::Text(identity_id), Arg::Text(after_name), Arg::Int(PageLimit(limit))}, ReadDataset);
}

Result<std::vector<Dataset>> SqlTxn::ListAllDatasets(std::string_view identity_id) {
  return session_.Collect<Dataset>(COGSYNC_SELECT_DATASET "WHERE identity_id = ?1 ORDER BY name",
                                   {Arg::Text(identity_id)}, ReadDataset);
}

Status SqlTxn::PurgeDataset(std::string_view identity_id, std::string_view name) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  COGSYNC_RETURN_IF_ERROR(
      session_.Run("DELETE FROM subscriptions WHERE identity_id = ?1 AND dataset_name = ?2",
                   {Arg::Text(identity_id), Arg::Text(name)}));
  // Records go with the row (ON DELETE CASCADE).
  return session_.Run("DELETE FROM datasets WHERE identity_id = ?1 AND name = ?2",
                      {Arg::Text(identity_id), Arg::Text(name)});
}

Result<std::vector<std::string>> SqlTxn::ListMergedDatasetNames(std::string_view identity_id,
                                                                std::string_view name) {
  if (name.empty()) return std::vector<std::string>();  // '' means "not merged"
  return session_.Collect<std::string>(R"sql(
SELECT name FROM datasets
WHERE identity_id = ?1 AND merged_into_name = ?2 AND merged_into_name <> ''
  AND {{not:deleted}}
ORDER BY name)sql",
                                       {Arg::Text(identity_id), Arg::Text(name)}, ReadFirstText);
}

Result<std::vector<Record>> SqlTxn::GetRecords(std::string_view identity_id,
                                               std::string_view dataset,
                                               const std::vector<std::string>& keys) {
  std::vector<Record> records;
  if (keys.empty()) return records;
  if (!dialect().text_list_args) {
    // One primary-key look-up per key with one cached statement: cheaper in process than an IN
    // list of varying length (a new statement per size) for the ≤1,024 keys of a request.
    for (const std::string& key : keys) {
      COGSYNC_ASSIGN_OR_RETURN(
          std::optional<Record> record,
          session_.First<Record>(
              COGSYNC_SELECT_RECORD "WHERE identity_id = ?1 AND dataset = ?2 AND key = ?3",
              {Arg::Text(identity_id), Arg::Text(dataset), Arg::Text(key)}, ReadRecord));
      if (record.has_value()) records.push_back(std::move(*record));
    }
    return records;
  }
  // Over a network, one round trip for all keys (a hop each would dominate a 1,024-key request).
  COGSYNC_ASSIGN_OR_RETURN(
      std::vector<Record> found,
      session_.Collect<Record>(
          COGSYNC_SELECT_RECORD
          "WHERE identity_id = ?1 AND dataset = ?2 AND key = ANY(CAST(?3 AS TEXT[]))",
          {Arg::Text(identity_id), Arg::Text(dataset), Arg::TextList(keys)}, ReadRecord));
  std::unordered_map<std::string_view, Record*> by_key;
  for (Record& record : found) by_key.emplace(record.key, &record);
  // In the order asked for, missing keys skipped.
  for (const std::string& key : keys) {
    auto hit = by_key.find(key);
    if (hit != by_key.end()) records.push_back(*hit->second);
  }
  return records;
}

Result<std::vector<Record>> SqlTxn::ListRecords(std::string_view identity_id,
                                                std::string_view dataset, int64_t min_sync_count,
                                                std::string_view after_key, int limit) {
  return session_.Collect<Record>(COGSYNC_SELECT_RECORD
                                  "WHERE identity_id = ?1 AND dataset = ?2 AND key > ?3 "
                                  "AND sync_count > ?4 ORDER BY key LIMIT ?5",
                                  {Arg::Text(identity_id), Arg::Text(dataset), Arg::Text(after_key),
                                   Arg::Int(min_sync_count), Arg::Int(PageLimit(limit))},
                                  ReadRecord);
}

Status SqlTxn::PutRecord(std::string_view identity_id, std::string_view dataset,
                         const Record& record) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  return session_.Run(
      R"sql(
INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms, modified_by,
                     device_modified_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (identity_id, dataset, key) DO UPDATE SET
  value = excluded.value, sync_count = excluded.sync_count, modified_ms = excluded.modified_ms,
  modified_by = excluded.modified_by, device_modified_ms = excluded.device_modified_ms)sql",
      {Arg::Text(identity_id), Arg::Text(dataset), Arg::Text(record.key),
       Arg::OptionalText(record.value), Arg::Int(record.sync_count), Arg::Int(record.modified_ms),
       Arg::Text(record.modified_by), Arg::OptionalInt(record.device_modified_ms)});
}

Status SqlTxn::DeleteRecords(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  return session_.Run("DELETE FROM records WHERE identity_id = ?1 AND dataset = ?2",
                      {Arg::Text(identity_id), Arg::Text(dataset)});
}

Status SqlTxn::DeleteRecord(std::string_view identity_id, std::string_view dataset,
                            std::string_view key) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  return session_.Run("DELETE FROM records WHERE identity_id = ?1 AND dataset = ?2 AND key = ?3",
                      {Arg::Text(identity_id), Arg::Text(dataset), Arg::Text(key)});
}

// Both read the partial index records_tombstones (migrations.cc), never the live records.
Result<int64_t> SqlTxn::PurgeRecordsUpTo(std::string_view identity_id, std::string_view dataset,
                                         int64_t max_sync_count, int limit) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteIdentity(identity_id);
  COGSYNC_ASSIGN_OR_RETURN(
      auto removed, session_.Collect<int>(R"sql(
DELETE FROM records WHERE identity_id = ?1 AND dataset = ?2 AND key IN (
  SELECT key FROM records WHERE identity_id = ?1 AND dataset = ?2 AND sync_count <= ?3
  ORDER BY key LIMIT ?4)
RETURNING 1)sql",
                                          {Arg::Text(identity_id), Arg::Text(dataset),
                                           Arg::Int(max_sync_count), Arg::Int(PageLimit(limit))},
                                          [](const Row&) { return 1; }));
  return static_cast<int64_t>(removed.size());
}

Result<int64_t> SqlTxn::CountTombstones(std::string_view identity_id, std::string_view dataset) {
  return session_.Scalar(R"sql(
SELECT COUNT(*) FROM records{{indexed_by:records_tombstones}}
WHERE identity_id = ?1 AND dataset = ?2 AND value IS NULL)sql",
                         {Arg::Text(identity_id), Arg::Text(dataset)});
}

Result<std::vector<std::string>> SqlTxn::ListOldTombstones(std::string_view identity_id,
                                                           std::string_view dataset,
                                                           int64_t before_ms, int limit) {
  return session_.Collect<std::string>(
      R"sql(
SELECT key FROM records{{indexed_by:records_tombstones}}
WHERE identity_id = ?1 AND dataset = ?2 AND value IS NULL AND modified_ms < ?3
ORDER BY modified_ms, key LIMIT ?4)sql",
      {Arg::Text(identity_id), Arg::Text(dataset), Arg::Int(before_ms), Arg::Int(PageLimit(limit))},
      ReadFirstText);
}

// ---- usage -------------------------------------------------------------------------------------

Status SqlTxn::AddSyncSessions(std::string_view pool_id, int64_t count) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO sync_usage (pool_id, sync_sessions) VALUES (?1, ?2)
ON CONFLICT (pool_id) DO UPDATE
SET sync_sessions = sync_usage.sync_sessions + excluded.sync_sessions)sql",
                      {Arg::Text(pool_id), Arg::Int(count)});
}

Result<PoolUsage> SqlTxn::GetPoolUsage(std::string_view pool_id) {
  // Storage counts live datasets only; the latest change includes deletions (a deletion is a
  // change the pool saw). The casts: PostgreSQL's SUM of BIGINT is NUMERIC.
  auto read = [](const Row& row) { return PoolUsage{row.Int(0), row.Int(1), row.Int(2)}; };
  COGSYNC_ASSIGN_OR_RETURN(std::optional<PoolUsage> usage,
                           session_.First<PoolUsage>(R"sql(
SELECT
  CAST(COALESCE((SELECT sync_sessions FROM sync_usage WHERE pool_id = ?1), 0) AS BIGINT),
  CAST(COALESCE((SELECT SUM(data_storage) FROM datasets
                 WHERE pool_id = ?1 AND {{not:deleted}}), 0) AS BIGINT),
  CAST(COALESCE((SELECT MAX(modified_ms) FROM datasets WHERE pool_id = ?1), 0) AS BIGINT))sql",
                                                     {Arg::Text(pool_id)}, read));
  return usage.value_or(PoolUsage{});
}

Result<PoolCounts> SqlTxn::CountPoolContents(std::string_view pool_id) {
  // Both counts read only an index: identities_by_pool, and datasets_live_by_pool, which holds
  // live datasets alone (deletion markers are not datasets a pool has).
  auto read = [](const Row& row) { return PoolCounts{row.Int(0), row.Int(1)}; };
  COGSYNC_ASSIGN_OR_RETURN(std::optional<PoolCounts> counts,
                           session_.First<PoolCounts>(R"sql(
SELECT
  (SELECT COUNT(*) FROM identities WHERE pool_id = ?1),
  (SELECT COUNT(*) FROM datasets WHERE pool_id = ?1 AND {{not:deleted}}))sql",
                                                      {Arg::Text(pool_id)}, read));
  return counts.value_or(PoolCounts{});
}

// ---- test mode ---------------------------------------------------------------------------------

Status SqlTxn::WipeCognitoState() {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  NoteEverything();
  NotePoolsWritten();
  // DELETE, not TRUNCATE: TRUNCATE takes an exclusive table lock that would stall every other
  // node, and is not transactional everywhere. Children first, so each DELETE is a plain table
  // clear rather than a cascade walk. access_keys and secrets are not Cognito state and stay.
  static constexpr const char* kStatements[] = {
      "DELETE FROM outbox",         "DELETE FROM subscriptions",      "DELETE FROM devices",
      "DELETE FROM records",        "DELETE FROM datasets",           "DELETE FROM logins",
      "DELETE FROM login_bindings", "DELETE FROM unbound_logins",     "DELETE FROM identities",
      "DELETE FROM sync_usage",     "DELETE FROM principal_tag_maps", "DELETE FROM pools",
      "DELETE FROM counters"};
  for (const char* sql : kStatements) COGSYNC_RETURN_IF_ERROR(session_.Run(sql, {}));
  return OkStatus();
}

#undef COGSYNC_SELECT_POOL
#undef COGSYNC_SELECT_IDENTITY
#undef COGSYNC_SELECT_LOGIN
#undef COGSYNC_SELECT_ACCESS_KEY
#undef COGSYNC_SELECT_DATASET
#undef COGSYNC_SELECT_RECORD

}  // namespace cogsync::store::sql
