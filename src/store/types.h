#pragma once
// The rows of cogsync's state, in Cognito terms. Nested configuration that is only ever stored
// and returned whole (login providers, role mappings, push and stream settings) is kept as JSON
// objects, exactly as the API shapes them.

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cogsync::store {

struct Pool {
  std::string id;
  std::string name;
  // Empty when the pool has none; immutable once set (UpdateIdentityPool enforces it).
  std::string developer_provider_name;
  // The IdentityPool shape as DescribeIdentityPool returns it, without IdentityPoolTags.
  boost::json::object description;
  boost::json::object tags;           // tag key -> value
  boost::json::object roles;          // "authenticated"/"unauthenticated" -> role ARN
  boost::json::object role_mappings;  // provider -> RoleMapping
  // Cognito Sync configuration: {"PushSync": {...}, "CognitoStreams": {...}}.
  boost::json::object sync_config;
  boost::json::object events;        // "SyncTrigger" -> Lambda ARN
  boost::json::object bulk_publish;  // GetBulkPublishDetails fields
  int64_t created_ms = 0;
};

// A pool as the store hands it out: an immutable snapshot, shared (by the pool cache, the model
// store's state and every request that looked it up) and never copied to be read. A change is a
// new Pool written with Txn::PutPool; snapshots handed out earlier keep their old value.
using PoolPtr = std::shared_ptr<const Pool>;

// What ListIdentityPools shows of a pool.
struct PoolName {
  std::string id;
  std::string name;
};

struct Identity {
  std::string id;
  std::string pool_id;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  // Disabled identities are merge losers (D23); merged_into names the survivor.
  bool disabled = false;
  std::string merged_into;
};

// A login linked to an identity: (provider, subject) is unique within a pool. For the developer
// provider the subject is the developer user identifier; for token providers the token's `sub`.
struct Login {
  std::string pool_id;
  std::string provider;
  std::string subject;
  std::string identity_id;
  int64_t linked_ms = 0;
};

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string name;  // LastModifiedBy for changes made with this key (D21)
  int64_t created_ms = 0;
};

struct Dataset {
  std::string identity_id;
  std::string name;
  std::string pool_id;
  int64_t sync_count = 0;  // never goes backwards, also across deletion (D17)
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  std::string modified_by;
  int64_t data_storage = 0;  // Σ UTF-8 bytes of key + value of live records (D16)
  int64_t num_records = 0;   // live records only (D16)
  // Deletion memory (D17): a deleted dataset keeps its row with deleted = true; last_deleted_at
  // is the sync count at its latest deletion (0 if never deleted).
  bool deleted = false;
  int64_t last_deleted_at = 0;
  // For datasets moved in by a merge and renamed (D23): the name they were merged into.
  std::string merged_into_name;
};

struct Record {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone (D16)
  int64_t sync_count = 0;
  int64_t modified_ms = 0;
  std::string modified_by;
  std::optional<int64_t> device_modified_ms;
};

// A deletion (D17) commits by marking its dataset; the rows of the deleted revision are reclaimed
// afterwards in bounded batches, so that no single transaction holds the writer for long (D16).
// Until they are gone, every row whose SyncCount is at most last_deleted_at belongs to a deleted
// revision (a recreation counts on from last_deleted_at + 1) and no reader may see it: readers
// ask for rows after ReadFloor(dataset, what they would ask for).
inline int64_t ReadFloor(const Dataset& dataset, int64_t min_sync_count) {
  return dataset.last_deleted_at > 0 && dataset.last_deleted_at > min_sync_count
             ? dataset.last_deleted_at
             : min_sync_count;
}
inline bool InDeletedRevision(const Dataset& dataset, const Record& record) {
  return dataset.last_deleted_at > 0 && record.sync_count <= dataset.last_deleted_at;
}

struct Device {
  std::string device_id;
  std::string pool_id;
  std::string identity_id;
  std::string platform;
  std::string token;
  std::string endpoint_arn;  // platform endpoint when push goes through SNS
  int64_t created_ms = 0;
};

struct Subscription {
  std::string pool_id;
  std::string identity_id;
  std::string dataset_name;
  std::string device_id;
};

// Something owed to the outside (D24): a stream record or a push notification, written in the
// transaction of the change that causes it and deleted once delivered. Deliveries of one
// partition happen in (position, sub) order; partitions are independent.
struct OutboxEntry {
  std::string id;    // unique, chosen by the writer
  std::string kind;  // "stream" | "push"
  std::string pool_id;
  std::string partition;  // ordering scope, e.g. kind + identity + dataset
  // Order within the partition: the dataset revision that caused the entry (see
  // sync/stream_records.h), then the entry's index among those that revision wrote.
  int64_t position = 0;
  int sub = 0;
  std::string target;   // JSON: where to deliver (stream name, device)
  std::string payload;  // what to deliver
  int attempts = 0;
  int64_t next_attempt_ms = 0;  // not before this time (retry backoff)
  int64_t created_ms = 0;
  std::string last_error;
};

// Keyset position in the outbox order (partition, position, sub, id), or for ListDueOutbox in
// (next_attempt_ms, partition, position, sub, id); the default is the start.
struct OutboxCursor {
  std::string partition;
  int64_t position = -1;
  int sub = -1;
  std::string id;
  int64_t next_attempt_ms = -1;  // ListDueOutbox only
};

struct OutboxStats {
  int64_t pending = 0;
  int64_t oldest_created_ms = 0;  // 0 when empty
};

// A login forwarded once to the migration source's GetId (D29) and what the source answered.
struct LoginBinding {
  std::string pool_id;
  std::string provider;
  std::string subject;
  std::string outcome;      // "bound": linked to the migrated identity; "unknown": not the source's
  std::string identity_id;  // the source's answer; empty when it refused the login
  int64_t created_ms = 0;
};

struct PoolUsage {
  int64_t sync_sessions = 0;
  int64_t data_storage = 0;
  int64_t last_modified_ms = 0;  // latest dataset change in the pool, 0 when none
};

// How many identities and live (not deleted) datasets a pool holds (the console's #/pools).
struct PoolCounts {
  int64_t identities = 0;
  int64_t datasets = 0;
};

}  // namespace cogsync::store
