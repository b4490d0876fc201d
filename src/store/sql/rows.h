#pragma once
// The store's row mappers, written once: each COGSYNC_*_COLUMNS list is the SELECT list its
// Read* function maps, column for column. The lists are macros so that statements are string
// literals spliced at compile time ("SELECT " COGSYNC_RECORD_COLUMNS " FROM records ..."): a
// call builds no SQL string.

#include <string>
#include <string_view>

#include "store/sql/session.h"
#include "store/types.h"

#define COGSYNC_POOL_COLUMNS                                                                  \
  "id, name, developer_provider_name, description, tags, roles, role_mappings, sync_config, " \
  "events, bulk_publish, created_ms"
#define COGSYNC_IDENTITY_COLUMNS "id, pool_id, created_ms, modified_ms, disabled, merged_into"
#define COGSYNC_LOGIN_COLUMNS "pool_id, provider, subject, identity_id, linked_ms"
#define COGSYNC_ACCESS_KEY_COLUMNS "access_key_id, secret_access_key, name, created_ms"
#define COGSYNC_DATASET_COLUMNS                                                                  \
  "identity_id, name, pool_id, sync_count, created_ms, modified_ms, modified_by, data_storage, " \
  "num_records, deleted, last_deleted_at, merged_into_name"
#define COGSYNC_RECORD_COLUMNS \
  "key, value, sync_count, modified_ms, modified_by, device_modified_ms"
#define COGSYNC_DEVICE_COLUMNS \
  "device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms"
#define COGSYNC_SUBSCRIPTION_COLUMNS "pool_id, identity_id, dataset_name, device_id"
#define COGSYNC_OUTBOX_COLUMNS                                                                    \
  "id, kind, pool_id, partition_key, position, sub, target, payload, attempts, next_attempt_ms, " \
  "created_ms, last_error"

namespace cogsync::store::sql {

// JSON columns hold objects written by WriteObject; one that does not parse means the database
// was damaged or edited by hand: a storage error (logged with `what`), not the client's.
std::string WriteObject(const boost::json::object& object);
Result<boost::json::object> ReadObject(const Row& row, int column, std::string_view what);

// The contract's "at most limit": a negative LIMIT means "no limit" to SQLite and is an error to
// PostgreSQL, so it is bound as 0.
inline int64_t PageLimit(int limit) { return limit < 0 ? 0 : limit; }

Result<Pool> ReadPool(const Row& row);
Identity ReadIdentity(const Row& row);
Login ReadLogin(const Row& row);
AccessKey ReadAccessKey(const Row& row);
Dataset ReadDataset(const Row& row);
Record ReadRecord(const Row& row);
Device ReadDevice(const Row& row);
Subscription ReadSubscription(const Row& row);
OutboxEntry ReadOutboxEntry(const Row& row);

}  // namespace cogsync::store::sql
