#pragma once
// store::Txn over the model's State (model_state.h): the store contract of store.h written
// directly as operations on ordered maps, with no SQL. It is the reference the SQL engines are
// tested against (tests/unit/store/lockstep_test.cc), so each method says the rule it keeps:
// keys are unique and a put replaces in place (an upsert, never delete-and-insert); a child whose
// parent is missing is refused as a storage error (a pool for identities, logins, principal tag
// maps and usage; an identity for logins, datasets, devices and subscriptions; a device for
// subscriptions; a dataset row for records); deleting a parent removes its children; pages are
// keyset pages in the documented order and a negative limit is an empty page.
//
// A read Txn sees a snapshot and refuses every write method; a write Txn changes its own copy,
// which ModelStore publishes only when the whole function succeeded.
//
// Thread safety: a Txn belongs to the one call that received it.

#include <cstdint>
#include <string_view>

#include "store/model/model_state.h"
#include "store/store.h"

namespace cogsync::store::model {

class ModelTxn final : public Txn {
 public:
  // `writable` is the state a write transaction changes, or null for a read transaction;
  // `view` is what it reads (the same state when writable).
  // `changes`, for a write transaction: where it names what it changes (store/changes.h).
  ModelTxn(const State& view, State* writable, ChangeSet* changes = nullptr)
      : view_(view), writable_(writable), changes_(changes) {}

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
  // The state to change, or the error a read transaction answers to a write.
  Result<State*> Mutable() const;
  // A storage error: what a SQL engine answers to a broken key or foreign key.
  static ApiError Refused(std::string_view why);
  // Removes an identity's rows and everything below them (logins, datasets with their records,
  // devices with every subscription to them, its own subscriptions).
  static void RemoveIdentity(State& state, const std::string& identity_id);
  static void RemoveDevice(State& state, const std::string& device_id);

  void NoteIdentity(std::string_view identity_id) {
    if (changes_ != nullptr) changes_->Identity(identity_id);
  }
  void NoteEverything() {
    if (changes_ != nullptr) changes_->Everything();
  }

  const State& view_;
  State* writable_;
  ChangeSet* changes_;
};

}  // namespace cogsync::store::model
