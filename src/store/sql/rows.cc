#include "store/sql/rows.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/json.h"

namespace cogsync::store::sql {

namespace bj = boost::json;

std::string WriteObject(const bj::object& object) { return json::Write(bj::value(object)); }

Result<bj::object> ReadObject(const Row& row, int column, std::string_view what) {
  std::string error;
  std::optional<bj::value> value = json::Parse(row.Text(column), &error);
  if (!value.has_value() || !value->is_object()) {
    spdlog::error("stored JSON column {} is not an object: {}", what, error);
    return ApiError::InternalError("Internal storage error");
  }
  return std::move(value->as_object());
}

Result<Pool> ReadPool(const Row& row) {
  Pool pool;
  pool.id = row.Text(0);
  pool.name = row.Text(1);
  pool.developer_provider_name = row.Text(2);
  COGSYNC_ASSIGN_OR_RETURN(pool.description, ReadObject(row, 3, "pools.description"));
  COGSYNC_ASSIGN_OR_RETURN(pool.tags, ReadObject(row, 4, "pools.tags"));
  COGSYNC_ASSIGN_OR_RETURN(pool.roles, ReadObject(row, 5, "pools.roles"));
  COGSYNC_ASSIGN_OR_RETURN(pool.role_mappings, ReadObject(row, 6, "pools.role_mappings"));
  COGSYNC_ASSIGN_OR_RETURN(pool.sync_config, ReadObject(row, 7, "pools.sync_config"));
  COGSYNC_ASSIGN_OR_RETURN(pool.events, ReadObject(row, 8, "pools.events"));
  COGSYNC_ASSIGN_OR_RETURN(pool.bulk_publish, ReadObject(row, 9, "pools.bulk_publish"));
  pool.created_ms = row.Int(10);
  return pool;
}

Identity ReadIdentity(const Row& row) {
  Identity identity;
  identity.id = row.Text(0);
  identity.pool_id = row.Text(1);
  identity.created_ms = row.Int(2);
  identity.modified_ms = row.Int(3);
  identity.disabled = row.Bool(4);
  identity.merged_into = row.Text(5);
  return identity;
}

Login ReadLogin(const Row& row) {
  return Login{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4)};
}

AccessKey ReadAccessKey(const Row& row) {
  return AccessKey{row.Text(0), row.Text(1), row.Text(2), row.Int(3)};
}

Dataset ReadDataset(const Row& row) {
  Dataset dataset;
  dataset.identity_id = row.Text(0);
  dataset.name = row.Text(1);
  dataset.pool_id = row.Text(2);
  dataset.sync_count = row.Int(3);
  dataset.created_ms = row.Int(4);
  dataset.modified_ms = row.Int(5);
  dataset.modified_by = row.Text(6);
  dataset.data_storage = row.Int(7);
  dataset.num_records = row.Int(8);
  dataset.deleted = row.Bool(9);
  dataset.last_deleted_at = row.Int(10);
  dataset.merged_into_name = row.Text(11);
  return dataset;
}

Record ReadRecord(const Row& row) {
  Record record;
  record.key = row.Text(0);
  record.value = row.OptionalText(1);
  record.sync_count = row.Int(2);
  record.modified_ms = row.Int(3);
  record.modified_by = row.Text(4);
  record.device_modified_ms = row.OptionalInt(5);
  return record;
}

Device ReadDevice(const Row& row) {
  return Device{row.Text(0), row.Text(1), row.Text(2), row.Text(3),
                row.Text(4), row.Text(5), row.Int(6)};
}

Subscription ReadSubscription(const Row& row) {
  return Subscription{row.Text(0), row.Text(1), row.Text(2), row.Text(3)};
}

OutboxEntry ReadOutboxEntry(const Row& row) {
  OutboxEntry e;
  e.id = row.Text(0);
  e.kind = row.Text(1);
  e.pool_id = row.Text(2);
  e.partition = row.Text(3);
  e.position = row.Int(4);
  e.sub = static_cast<int>(row.Int(5));
  e.target = row.Text(6);
  e.payload = row.Text(7);
  e.attempts = static_cast<int>(row.Int(8));
  e.next_attempt_ms = row.Int(9);
  e.created_ms = row.Int(10);
  e.last_error = row.Text(11);
  return e;
}

}  // namespace cogsync::store::sql
