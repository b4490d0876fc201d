// SqlTxn: push sync devices and subscriptions (D19 bounds them per identity). Kept apart from
// sql_txn.cc, which holds the other Cognito rows; both implement the one SqlTxn class.

#include "store/sql/rows.h"
#include "store/sql/sql_txn.h"

namespace cogsync::store::sql {

#define COGSYNC_SELECT_DEVICE "SELECT " COGSYNC_DEVICE_COLUMNS " FROM devices "
#define COGSYNC_SELECT_SUBSCRIPTION "SELECT " COGSYNC_SUBSCRIPTION_COLUMNS " FROM subscriptions "

Result<std::optional<Device>> SqlTxn::GetDevice(std::string_view device_id) {
  return session_.First<Device>(COGSYNC_SELECT_DEVICE "WHERE device_id = ?1",
                                {Arg::Text(device_id)}, ReadDevice);
}

Result<std::optional<Device>> SqlTxn::FindDevice(std::string_view identity_id,
                                                 std::string_view platform,
                                                 std::string_view token) {
  return session_.First<Device>(COGSYNC_SELECT_DEVICE
                                "WHERE identity_id = ?1 AND platform = ?2 AND token = ?3 "
                                "ORDER BY device_id LIMIT 1",
                                {Arg::Text(identity_id), Arg::Text(platform), Arg::Text(token)},
                                ReadDevice);
}

Status SqlTxn::PutDevice(const Device& device) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(
      R"sql(
INSERT INTO devices (device_id, pool_id, identity_id, platform, token, endpoint_arn, created_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (device_id) DO UPDATE SET
  pool_id = excluded.pool_id, identity_id = excluded.identity_id,
  platform = excluded.platform, token = excluded.token,
  endpoint_arn = excluded.endpoint_arn, created_ms = excluded.created_ms)sql",
      {Arg::Text(device.device_id), Arg::Text(device.pool_id), Arg::Text(device.identity_id),
       Arg::Text(device.platform), Arg::Text(device.token), Arg::Text(device.endpoint_arn),
       Arg::Int(device.created_ms)});
}

Result<std::vector<Device>> SqlTxn::ListDevices(std::string_view identity_id) {
  return session_.Collect<Device>(COGSYNC_SELECT_DEVICE
                                  "WHERE identity_id = ?1 ORDER BY created_ms, device_id",
                                  {Arg::Text(identity_id)}, ReadDevice);
}

Status SqlTxn::DeleteDevice(std::string_view device_id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  for (const char* sql : {"DELETE FROM subscriptions WHERE device_id = ?1",
                          "DELETE FROM devices WHERE device_id = ?1"}) {
    COGSYNC_RETURN_IF_ERROR(session_.Run(sql, {Arg::Text(device_id)}));
  }
  return OkStatus();
}

Status SqlTxn::PutSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO subscriptions (pool_id, identity_id, dataset_name, device_id)
VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING)sql",
                      {Arg::Text(subscription.pool_id), Arg::Text(subscription.identity_id),
                       Arg::Text(subscription.dataset_name), Arg::Text(subscription.device_id)});
}

Status SqlTxn::DeleteSubscription(const Subscription& subscription) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
DELETE FROM subscriptions
WHERE identity_id = ?1 AND dataset_name = ?2 AND device_id = ?3 AND pool_id = ?4)sql",
                      {Arg::Text(subscription.identity_id), Arg::Text(subscription.dataset_name),
                       Arg::Text(subscription.device_id), Arg::Text(subscription.pool_id)});
}

Result<std::vector<Subscription>> SqlTxn::ListSubscriptions(std::string_view identity_id,
                                                            std::string_view dataset) {
  return session_.Collect<Subscription>(
      COGSYNC_SELECT_SUBSCRIPTION
      "WHERE identity_id = ?1 AND dataset_name = ?2 ORDER BY device_id, pool_id",
      {Arg::Text(identity_id), Arg::Text(dataset)}, ReadSubscription);
}

Result<std::vector<Subscription>> SqlTxn::ListIdentitySubscriptions(std::string_view identity_id) {
  return session_.Collect<Subscription>(
      COGSYNC_SELECT_SUBSCRIPTION
      "WHERE identity_id = ?1 ORDER BY dataset_name, device_id, pool_id",
      {Arg::Text(identity_id)}, ReadSubscription);
}

#undef COGSYNC_SELECT_DEVICE
#undef COGSYNC_SELECT_SUBSCRIPTION

}  // namespace cogsync::store::sql
