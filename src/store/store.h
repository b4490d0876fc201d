#pragma once
// The Store: all of cogsync's durable state behind one narrow interface in Cognito terms.
//
// Work happens in transactions. Read() runs a function against a consistent snapshot; Write()
// runs it in a serialisable read-write transaction and returns only once the commit is durable
// (fsync'd: docs/decisions.md D24). The function's own ApiError aborts the transaction and is
// returned unchanged; a storage failure becomes InternalErrorException. A Write function may run
// more than once (an implementation may retry it after a serialisation failure), so it must not
// have effects outside the transaction.
//
// Thread safety: a Store is shared by all request threads; Read and Write may be called
// concurrently from any thread. A Txn belongs to the one call that received it.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "store/changes.h"
#include "store/types.h"

namespace cogsync::store {

class Txn {
 public:
  virtual ~Txn() = default;

  // ---- identity pools ------------------------------------------------------------------------
  // The pool as an immutable snapshot (types.h PoolPtr), null when there is no such pool.
  virtual Result<PoolPtr> GetPool(std::string_view pool_id) = 0;
  virtual Status PutPool(const Pool& pool) = 0;  // insert or replace
  // Removes the pool and everything it owns: identities, logins, datasets, records, devices,
  // subscriptions, principal-tag maps.
  virtual Status DeletePool(std::string_view pool_id) = 0;
  // Pools ordered by id, strictly after `after_id` (empty: from the start), at most `limit`.
  virtual Result<std::vector<Pool>> ListPools(std::string_view after_id, int limit) = 0;
  // The same order and bounds, only ids and names: no configuration column is read.
  virtual Result<std::vector<PoolName>> ListPoolNames(std::string_view after_id, int limit) = 0;
  virtual Result<int64_t> CountPools() = 0;

  // Principal tag attribute maps, keyed by (pool, identity provider name): the
  // SetPrincipalTagAttributeMap output object.
  virtual Result<std::optional<boost::json::object>> GetPrincipalTagMap(
      std::string_view pool_id, std::string_view provider) = 0;
  virtual Status PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                                    const boost::json::object& map) = 0;
  // Every principal tag map of a pool as (provider, map), ordered by provider (the archive).
  virtual Result<std::vector<std::pair<std::string, boost::json::object>>> ListPrincipalTagMaps(
      std::string_view pool_id) = 0;

  // ---- identities and logins -------------------------------------------------------------------
  virtual Result<std::optional<Identity>> GetIdentity(std::string_view identity_id) = 0;
  virtual Status PutIdentity(const Identity& identity) = 0;  // insert or replace
  // Removes the identity, its logins, datasets, records, devices and subscriptions.
  virtual Status DeleteIdentity(std::string_view identity_id) = 0;
  // Identities of a pool ordered by id, strictly after `after_id`, at most `limit`.
  virtual Result<std::vector<Identity>> ListIdentities(std::string_view pool_id,
                                                       std::string_view after_id, int limit,
                                                       bool hide_disabled) = 0;

  virtual Result<std::optional<Login>> FindLogin(std::string_view pool_id,
                                                 std::string_view provider,
                                                 std::string_view subject) = 0;
  // All logins of an identity ordered by (provider, subject, pool).
  virtual Result<std::vector<Login>> ListLogins(std::string_view identity_id) = 0;
  virtual Status PutLogin(const Login& login) = 0;  // insert or replace (re-linking moves it)
  virtual Status DeleteLogin(std::string_view pool_id, std::string_view provider,
                             std::string_view subject) = 0;

  // ---- credentials and server secrets ----------------------------------------------------------
  virtual Result<std::optional<AccessKey>> GetAccessKey(std::string_view access_key_id) = 0;
  virtual Status PutAccessKey(const AccessKey& key) = 0;
  virtual Result<bool> DeleteAccessKey(std::string_view access_key_id) = 0;  // false: no such key
  virtual Result<std::vector<AccessKey>> ListAccessKeys() = 0;
  // Named server secrets (token HMAC keys, the JWT signing key) shared by every node.
  virtual Result<std::optional<std::string>> GetSecret(std::string_view name) = 0;
  virtual Status PutSecret(std::string_view name, std::string_view value) = 0;

  // ---- datasets and records --------------------------------------------------------------------
  // The dataset row, also when deleted (deletion memory). With for_update, the row is locked
  // until the transaction ends, so concurrent writers of one dataset serialise (PostgreSQL:
  // SELECT ... FOR UPDATE; SQLite: a no-op, its single writer already serialises).
  virtual Result<std::optional<Dataset>> GetDataset(std::string_view identity_id,
                                                    std::string_view name, bool for_update) = 0;
  virtual Status PutDataset(const Dataset& dataset) = 0;  // insert or replace
  // Live (not deleted) datasets of an identity ordered by name, strictly after `after_name`.
  virtual Result<std::vector<Dataset>> ListDatasets(std::string_view identity_id,
                                                    std::string_view after_name, int limit) = 0;
  // Every dataset row of an identity, deleted ones included (merges move them all).
  virtual Result<std::vector<Dataset>> ListAllDatasets(std::string_view identity_id) = 0;
  // Removes a dataset row, its records and its subscriptions entirely (not deletion memory: used
  // by merges, by identity/pool deletion, and to purge the oldest deletion markers, D19).
  virtual Status PurgeDataset(std::string_view identity_id, std::string_view name) = 0;
  // Live datasets of the identity whose merged_into_name is `name`, ordered by name.
  virtual Result<std::vector<std::string>> ListMergedDatasetNames(std::string_view identity_id,
                                                                  std::string_view name) = 0;

  // Records with the given keys that exist (tombstones included).
  virtual Result<std::vector<Record>> GetRecords(std::string_view identity_id,
                                                 std::string_view dataset,
                                                 const std::vector<std::string>& keys) = 0;
  // Records (tombstones included) with sync_count > min_sync_count, ordered by key, strictly
  // after `after_key`, at most `limit`.
  virtual Result<std::vector<Record>> ListRecords(std::string_view identity_id,
                                                  std::string_view dataset, int64_t min_sync_count,
                                                  std::string_view after_key, int limit) = 0;
  virtual Status PutRecord(std::string_view identity_id, std::string_view dataset,
                           const Record& record) = 0;  // insert or replace
  // Removes every record of the dataset (DeleteDataset keeps the dataset row as a marker).
  virtual Status DeleteRecords(std::string_view identity_id, std::string_view dataset) = 0;
  // Removes one record (a missing key is not an error).
  virtual Status DeleteRecord(std::string_view identity_id, std::string_view dataset,
                              std::string_view key) = 0;
  // Removes at most `limit` records (tombstones or not) of the dataset whose SyncCount is at most
  // `max_sync_count`, and answers how many it removed: the rows of a deleted revision, reclaimed
  // a bounded batch per transaction (ReadFloor in types.h).
  virtual Result<int64_t> PurgeRecordsUpTo(std::string_view identity_id, std::string_view dataset,
                                           int64_t max_sync_count, int limit) = 0;
  // Tombstones (D16): how many the dataset holds, and the keys of those last modified before
  // `before_ms`, oldest first (ties by key), at most `limit`. Both read an index of tombstones
  // only, whatever the number of live records.
  virtual Result<int64_t> CountTombstones(std::string_view identity_id,
                                          std::string_view dataset) = 0;
  virtual Result<std::vector<std::string>> ListOldTombstones(std::string_view identity_id,
                                                             std::string_view dataset,
                                                             int64_t before_ms, int limit) = 0;

  // ---- usage ----------------------------------------------------------------------------------
  virtual Status AddSyncSessions(std::string_view pool_id, int64_t count) = 0;
  virtual Result<PoolUsage> GetPoolUsage(std::string_view pool_id) = 0;
  // Identities and live datasets of a pool: index-only counts, no rows loaded (0 and 0 for an
  // unknown pool).
  virtual Result<PoolCounts> CountPoolContents(std::string_view pool_id) = 0;

  // ---- push sync -------------------------------------------------------------------------------
  virtual Result<std::optional<Device>> GetDevice(std::string_view device_id) = 0;
  // The device an identity already registered with this platform and token, if any.
  virtual Result<std::optional<Device>> FindDevice(std::string_view identity_id,
                                                   std::string_view platform,
                                                   std::string_view token) = 0;
  virtual Status PutDevice(const Device& device) = 0;
  // The devices of an identity, least recently registered first (created_ms, then device_id).
  virtual Result<std::vector<Device>> ListDevices(std::string_view identity_id) = 0;
  // Removes a device and its subscriptions (a missing id is not an error).
  virtual Status DeleteDevice(std::string_view device_id) = 0;
  virtual Status PutSubscription(const Subscription& subscription) = 0;
  virtual Status DeleteSubscription(const Subscription& subscription) = 0;
  // Subscriptions of one dataset of one identity.
  virtual Result<std::vector<Subscription>> ListSubscriptions(std::string_view identity_id,
                                                              std::string_view dataset) = 0;
  // Every subscription of an identity ordered by (dataset, device, pool) (the archive).
  virtual Result<std::vector<Subscription>> ListIdentitySubscriptions(
      std::string_view identity_id) = 0;

  // ---- outbox and background work (D24, D26) ------------------------------------------------
  // Within a partition, next_attempt_ms never decreases along (position, sub, id): an appended
  // entry is due no earlier than the partition's last entry, and a failed attempt defers the
  // rest of its partition with it. So the due entries of a partition are always a prefix of it.
  virtual Status AppendOutbox(const OutboxEntry& entry) = 0;
  // Removes the undelivered entries of the entry's partition, then appends it: a newer entry
  // supersedes them (push: at most one pending notification per device and dataset).
  virtual Status ReplaceOutbox(const OutboxEntry& entry) = 0;
  // Entries ordered by (partition, position, sub, id), strictly after `after`, at most `limit`.
  virtual Result<std::vector<OutboxEntry>> ListOutbox(const OutboxCursor& after, int limit) = 0;
  // Entries of one kind that are due (next_attempt_ms <= now_ms), ordered by (next_attempt_ms,
  // partition, position, sub, id) and strictly after `after` in that order, at most `limit`.
  // Read through an index on the due time: entries not yet due cost nothing. By the invariant
  // above, this order delivers each partition in order.
  virtual Result<std::vector<OutboxEntry>> ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                         const OutboxCursor& after, int limit) = 0;
  virtual Status DeleteOutbox(std::string_view id) = 0;  // a missing id is not an error
  // Records a failed attempt; the entries after it in its partition become due no earlier.
  virtual Status UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                                     std::string_view last_error) = 0;
  virtual Result<OutboxStats> GetOutboxStats() = 0;
  // A named lease that at most one owner holds at a time (one outbox dispatcher and one bulk
  // publisher across all nodes): true when `owner` now holds it until now_ms + ttl_ms, because it
  // was free, expired, or already held by `owner`.
  virtual Result<bool> TryAcquireLease(std::string_view name, std::string_view owner,
                                       int64_t now_ms, int64_t ttl_ms) = 0;
  // Live datasets of a pool ordered by (identity_id, name), strictly after the given pair.
  virtual Result<std::vector<Dataset>> ListPoolDatasets(std::string_view pool_id,
                                                        std::string_view after_identity,
                                                        std::string_view after_name, int limit) = 0;

  // ---- migration from Amazon Cognito (D29) --------------------------------------------------
  // Logins forwarded to the migration source, keyed by (pool, provider, subject).
  virtual Result<std::optional<LoginBinding>> GetLoginBinding(std::string_view pool_id,
                                                              std::string_view provider,
                                                              std::string_view subject) = 0;
  virtual Status PutLoginBinding(const LoginBinding& binding) = 0;  // insert or replace
  // Providers a migrated identity was linked to at the source whose subject is not known yet
  // (the source lists provider names only): such an identity counts as authenticated.
  virtual Result<std::vector<std::string>> ListUnboundLogins(std::string_view identity_id) = 0;
  virtual Status PutUnboundLogin(std::string_view identity_id, std::string_view provider) = 0;
  virtual Status DeleteUnboundLogin(std::string_view identity_id, std::string_view provider) = 0;
  // Named counters shared by every node (the migration's forwarded/bound/unknown/failed).
  virtual Status AddCounter(std::string_view name, int64_t delta) = 0;
  // Counters whose name starts with `prefix`, ordered by name.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> ListCounters(
      std::string_view prefix) = 0;

  // ---- test mode -------------------------------------------------------------------------------
  // Removes all Cognito state (pools and everything below them, the outbox); keeps access keys,
  // secrets and leases.
  virtual Status WipeCognitoState() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  using TxnFn = std::function<Status(Txn&)>;
  // Runs fn on a consistent snapshot; write methods of the Txn fail.
  virtual Status Read(const TxnFn& fn) = 0;
  // Runs fn in a read-write transaction; returns after the commit is durable.
  virtual Status Write(const TxnFn& fn) = 0;
  // Reports every committed change to identities, datasets and records to `observer`
  // (store/changes.h; null: to nobody) and answers true, when this engine can: only a store that
  // this process alone writes can, so that nothing changes unseen. An engine that cannot answers
  // false. `observer` must outlive the store or be replaced before it goes.
  virtual bool SetChangeObserver(ChangeObserver* /*observer*/) { return false; }
};

using StorePtr = std::unique_ptr<Store>;

// For implementations: runs `call` (a transaction function applied to its Txn), turning an
// exception that escapes it into InternalError, logged. A bug in one request must neither take
// the process down nor skip the code that ends its transaction.
Status CallGuarded(const std::function<Status()>& call);

}  // namespace cogsync::store
