#pragma once
// store::Txn written once for every SQL engine: each method is one or a few neutral statements
// (sql/dialect.h) run on the engine's Session, and its row mappers. The engine owns the
// transaction around it (BEGIN/COMMIT, savepoints, retries); a read Txn refuses every write
// method. Split over four files, one class: sql_txn.cc (pools, identities, credentials,
// datasets and records, usage), sql_push.cc (devices, subscriptions), sql_outbox.cc (outbox,
// leases, pool-wide dataset scans), sql_migration.cc (the migration's forwarded logins, unbound
// logins and counters, D29).
//
// The pool cache (sql/pool_cache.h), when the engine keeps one, answers pool reads of a read
// Txn, and of a write Txn until its transaction changed a pool (then SQL answers, so the write
// sees its own changes); a write Txn marks the cache written when it changes pools.
//
// A write Txn given a ChangeSet (set_changes) names in it what it changes (store/changes.h), for
// the engine to report around its commit.

#include <cstdint>
#include <string_view>

#include "store/sql/pool_cache.h"
#include "store/sql/session.h"
#include "store/store.h"

namespace cogsync::store::sql {

class SqlTxn final : public Txn {
 public:
  // `cache` may be null (no caching). For a read Txn, construct it before its first statement:
  // it takes the cache's generation, which must precede the snapshot.
  SqlTxn(Session& session, bool writable, PoolCache* cache)
      : session_(session),
        writable_(writable),
        cache_(cache),
        generation_(cache != nullptr && !writable ? cache->Generation() : 0) {}

  // Where this write Txn names the identities it changes (null: nowhere).
  void set_changes(ChangeSet* changes) { changes_ = changes; }

  Result<PoolPtr> GetPool(std::string_view pool_id) override;
  Status PutPool(const Pool& pool) override;
  Status DeletePool(std::string_view pool_id) override;
  Result<std::vector<Pool>> ListPools(std::string_view after_id, int limit) override;
  Result<std::vector<PoolName>> ListPoolNames(std::string_view after_id, int limit) override;
  Result<int64_t> CountPools() override;
  Result<std::optional<boost::json::object>> GetPrincipalTagMap(std::string_view pool_id,
                                                                std::string_view provider) override;
  Status PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                            const boost::json::object& map) override;
  Result<std::vector<std::pair<std::string, boost::json::object>>> ListPrincipalTagMaps(
      std::string_view pool_id) override;

  Result<std::optional<Identity>> GetIdentity(std::string_view identity_id) override;
  Status PutIdentity(const Identity& identity) override;
  Status DeleteIdentity(std::string_view identity_id) override;
  Result<std::vector<Identity>> ListIdentities(std::string_view pool_id, std::string_view after_id,
                                               int limit, bool hide_disabled) override;
  Result<std::optional<Login>> FindLogin(std::string_view pool_id, std::string_view provider,
                                         std::string_view subject) override;
  Result<std::vector<Login>> ListLogins(std::string_view identity_id) override;
  Status PutLogin(const Login& login) override;
  Status DeleteLogin(std::string_view pool_id, std::string_view provider,
                     std::string_view subject) override;

  Result<std::optional<AccessKey>> GetAccessKey(std::string_view access_key_id) override;
  Status PutAccessKey(const AccessKey& key) override;
  Result<bool> DeleteAccessKey(std::string_view access_key_id) override;
  Result<std::vector<AccessKey>> ListAccessKeys() override;
  Result<std::optional<std::string>> GetSecret(std::string_view name) override;
  Status PutSecret(std::string_view name, std::string_view value) override;

  Result<std::optional<Dataset>> GetDataset(std::string_view identity_id, std::string_view name,
                                            bool for_update) override;
  Status PutDataset(const Dataset& dataset) override;
  Result<std::vector<Dataset>> ListDatasets(std::string_view identity_id,
                                            std::string_view after_name, int limit) override;
  Result<std::vector<Dataset>> ListAllDatasets(std::string_view identity_id) override;
  Status PurgeDataset(std::string_view identity_id, std::string_view name) override;
  Result<std::vector<std::string>> ListMergedDatasetNames(std::string_view identity_id,
                                                          std::string_view name) override;
  Result<std::vector<Record>> GetRecords(std::string_view identity_id, std::string_view dataset,
                                         const std::vector<std::string>& keys) override;
  Result<std::vector<Record>> ListRecords(std::string_view identity_id, std::string_view dataset,
                                          int64_t min_sync_count, std::string_view after_key,
                                          int limit) override;
  Status PutRecord(std::string_view identity_id, std::string_view dataset,
                   const Record& record) override;
  Status DeleteRecords(std::string_view identity_id, std::string_view dataset) override;
  Status DeleteRecord(std::string_view identity_id, std::string_view dataset,
                      std::string_view key) override;
  Result<int64_t> PurgeRecordsUpTo(std::string_view identity_id, std::string_view dataset,
                                   int64_t max_sync_count, int limit) override;
  Result<int64_t> CountTombstones(std::string_view identity_id, std::string_view dataset) override;
  Result<std::vector<std::string>> ListOldTombstones(std::string_view identity_id,
                                                     std::string_view dataset, int64_t before_ms,
                                                     int limit) override;

  Status AddSyncSessions(std::string_view pool_id, int64_t count) override;
  Result<PoolUsage> GetPoolUsage(std::string_view pool_id) override;
  Result<PoolCounts> CountPoolContents(std::string_view pool_id) override;

  // sql_push.cc
  Result<std::optional<Device>> GetDevice(std::string_view device_id) override;
  Result<std::optional<Device>> FindDevice(std::string_view identity_id, std::string_view platform,
                                           std::string_view token) override;
  Status PutDevice(const Device& device) override;
  Result<std::vector<Device>> ListDevices(std::string_view identity_id) override;
  Status DeleteDevice(std::string_view device_id) override;
  Status PutSubscription(const Subscription& subscription) override;
  Status DeleteSubscription(const Subscription& subscription) override;
  Result<std::vector<Subscription>> ListSubscriptions(std::string_view identity_id,
                                                      std::string_view dataset) override;
  Result<std::vector<Subscription>> ListIdentitySubscriptions(
      std::string_view identity_id) override;

  // sql_outbox.cc
  Status AppendOutbox(const OutboxEntry& entry) override;
  Status ReplaceOutbox(const OutboxEntry& entry) override;
  Result<std::vector<OutboxEntry>> ListOutbox(const OutboxCursor& after, int limit) override;
  Result<std::vector<OutboxEntry>> ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                 const OutboxCursor& after, int limit) override;
  Status DeleteOutbox(std::string_view id) override;
  Status UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                             std::string_view last_error) override;
  Result<OutboxStats> GetOutboxStats() override;
  Result<bool> TryAcquireLease(std::string_view name, std::string_view owner, int64_t now_ms,
                               int64_t ttl_ms) override;
  Result<std::vector<Dataset>> ListPoolDatasets(std::string_view pool_id,
                                                std::string_view after_identity,
                                                std::string_view after_name, int limit) override;

  Result<std::optional<LoginBinding>> GetLoginBinding(std::string_view pool_id,
                                                      std::string_view provider,
                                                      std::string_view subject) override;
  Status PutLoginBinding(const LoginBinding& binding) override;
  Result<std::vector<std::string>> ListUnboundLogins(std::string_view identity_id) override;
  Status PutUnboundLogin(std::string_view identity_id, std::string_view provider) override;
  Status DeleteUnboundLogin(std::string_view identity_id, std::string_view provider) override;
  Status AddCounter(std::string_view name, int64_t delta) override;
  Result<std::vector<std::pair<std::string, int64_t>>> ListCounters(
      std::string_view prefix) override;

  Status WipeCognitoState() override;

 private:
  Status CheckWritable() const {
    if (!writable_) return ApiError::InternalError("write in a read transaction");
    return OkStatus();
  }
  // The cache, for reads outside a write transaction only.
  PoolCache* ReadCache() const { return writable_ ? nullptr : cache_; }
  // The cache for GetPool: always for a read Txn; for a write Txn while the engine's
  // transaction has changed no pool (pool_cache.h says why that is coherent).
  PoolCache* PoolReads() const {
    if (cache_ == nullptr || (writable_ && cache_->WrittenSinceCommit())) return nullptr;
    return cache_;
  }
  // The generation a pool read now offers to the cache: a read Txn's is the one taken before its
  // snapshot; the writer's is the current one (only the writer moves it).
  uint64_t OfferGeneration() const { return writable_ ? cache_->Generation() : generation_; }
  // A write Txn changed pools: the cache forgets them once the engine's transaction ends.
  void NotePoolsWritten() {
    if (cache_ != nullptr) cache_->MarkWritten();
  }
  // A write Txn changed rows of this identity (its own, its datasets' or their records').
  void NoteIdentity(std::string_view identity_id) {
    if (changes_ != nullptr) changes_->Identity(identity_id);
  }
  void NoteEverything() {
    if (changes_ != nullptr) changes_->Everything();
  }
  const Dialect& dialect() const { return session_.dialect(); }

  Session& session_;
  bool writable_;
  PoolCache* cache_;
  uint64_t generation_;
  ChangeSet* changes_ = nullptr;
};

}  // namespace cogsync::store::sql
