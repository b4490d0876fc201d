// SqliteTxn: push sync devices and subscriptions (D19 bounds them per identity). Kept apart from
// sqlite_txn.cc, which holds the other Cognito rows; both implement the one SqliteTxn class.

#include "store/sqlite/sqlite_txn.h"

namespace cogsync::store::sqlite {
namespace {

constexpr std::string_view kDeviceColumns =
    "device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms";

Device ReadDevice(const Statement& stmt) {
  Device device;
  device.device_id = stmt.Text(0);
  device.pool_id = stmt.Text(1);
  device.identity_id = stmt.Text(2);
  device.platform = stmt.Text(3);
  device.token = stmt.Text(4);
  device.endpoint_arn = stmt.Text(5);
  device.created_ms = stmt.Int(6);
  return device;
}

std::string SelectDevices(std::string_view rest) {
  std::string sql = "SELECT ";
  sql += kDeviceColumns;
  sql += " FROM devices ";
  sql += rest;
  return sql;
}

}  // namespace

// ---- push sync ---------------------------------------------------------------------------------

Result<std::optional<Device>> SqliteTxn::GetDevice(std::string_view device_id) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(SelectDevices("WHERE device_id = ?1")));
  stmt.BindText(1, device_id);
  return FirstRow<Device>(stmt, ReadDevice);
}

Result<std::optional<Device>> SqliteTxn::FindDevice(std::string_view identity_id,
                                                    std::string_view platform,
                                                    std::string_view token) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare(SelectDevices("WHERE identity_id = ?1 AND platform = ?2 "
                                                 "AND token = ?3 ORDER BY device_id LIMIT 1")));
  stmt.BindText(1, identity_id).BindText(2, platform).BindText(3, token);
  return FirstRow<Device>(stmt, ReadDevice);
}

Status SqliteTxn::PutDevice(const Device& device) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO devices (device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (device_id) DO UPDATE SET
  pool_id = excluded.pool_id, identity_id = excluded.identity_id,
  platform = excluded.platform, token = excluded.token,
  endpoint_arn = excluded.endpoint_arn, created_ms = excluded.created_ms)sql"));
  stmt.BindText(1, device.device_id)
      .BindText(2, device.pool_id)
      .BindText(3, device.identity_id)
      .BindText(4, device.platform)
      .BindText(5, device.token)
      .BindText(6, device.endpoint_arn)
      .BindInt(7, device.created_ms);
  return stmt.Run();
}

Status SqliteTxn::PutSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO subscriptions (pool_id, identity_id, dataset_name, device_id)
VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING)sql"));
  stmt.BindText(1, subscription.pool_id)
      .BindText(2, subscription.identity_id)
      .BindText(3, subscription.dataset_name)
      .BindText(4, subscription.device_id);
  return stmt.Run();
}

Status SqliteTxn::DeleteSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
DELETE FROM subscriptions
WHERE identity_id = ?1 AND dataset_name = ?2 AND device_id = ?3 AND pool_id = ?4)sql"));
  stmt.BindText(1, subscription.identity_id)
      .BindText(2, subscription.dataset_name)
      .BindText(3, subscription.device_id)
      .BindText(4, subscription.pool_id);
  return stmt.Run();
}

Result<std::vector<Subscription>> SqliteTxn::ListSubscriptions(std::string_view identity_id,
                                                               std::string_view dataset) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT pool_id, identity_id, dataset_name, device_id FROM subscriptions
WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY device_id, pool_id)sql"));
  stmt.BindText(1, identity_id).BindText(2, dataset);
  return CollectRows<Subscription>(stmt, [](const Statement& s) {
    return Subscription{s.Text(0), s.Text(1), s.Text(2), s.Text(3)};
  });
}

Result<std::vector<Device>> SqliteTxn::ListDevices(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(SelectDevices("WHERE identity_id = ?1 ORDER BY created_ms, device_id")));
  stmt.BindText(1, identity_id);
  return CollectRows<Device>(stmt, ReadDevice);
}

Status SqliteTxn::DeleteDevice(std::string_view device_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  for (const char* sql : {"DELETE FROM subscriptions WHERE device_id = ?1",
                          "DELETE FROM devices WHERE device_id = ?1"}) {
    COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
    stmt.BindText(1, device_id);
    COGSYNC_RETURN_IF_ERROR(stmt.Run());
  }
  return OkStatus();
}

Result<std::vector<Subscription>> SqliteTxn::ListIdentitySubscriptions(
    std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
SELECT pool_id, identity_id, dataset_name, device_id FROM subscriptions
WHERE identity_id = ?1 ORDER BY dataset_name, device_id, pool_id)sql"));
  stmt.BindText(1, identity_id);
  return CollectRows<Subscription>(stmt, [](const Statement& s) {
    return Subscription{s.Text(0), s.Text(1), s.Text(2), s.Text(3)};
  });
}

}  // namespace cogsync::store::sqlite
