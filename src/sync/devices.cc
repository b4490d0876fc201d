// Push sync devices: RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset. Identity
// credentials only (operations.tsv). Notifications are outbox entries written by each change
// (stream_records.h) and sent by the dispatcher.
//
// Bounds (D19), so one identity cannot make a change fan out without limit: at most
// limits.devices_per_identity devices (a new registration beyond it replaces the identity's
// least recently registered device), push tokens of at most limits.push_token_bytes, and
// subscriptions only for the identity's own devices and existing datasets.

#include <algorithm>

#include "common/ids.h"
#include "common/json.h"
#include "sync/lookup.h"
#include "sync/service.h"

namespace cogsync::sync {
namespace {

// The pool's PushSync SNS platform application ARN for the platform, or empty: the ARN's
// resource is "app/<PLATFORM>/<name>" (APNS and APNS_SANDBOX are told apart by the slash).
std::string ApplicationFor(const store::Pool& pool, std::string_view platform) {
  const bj::object* push = json::GetObject(pool.sync_config, "PushSync");
  if (push == nullptr) return "";
  const bj::array* arns = json::GetArray(*push, "ApplicationArns");
  if (arns == nullptr) return "";
  const std::string needle = ":app/" + std::string(platform) + "/";
  for (const auto& arn : *arns) {
    if (arn.is_string() &&
        std::string_view(arn.get_string()).find(needle) != std::string_view::npos) {
      return std::string(arn.get_string());
    }
  }
  return "";
}

// The device, if it exists and was registered by this identity (else ResourceNotFound).
Result<store::Device> LoadOwnDevice(store::Txn& txn, std::string_view device_id,
                                    std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(auto device, txn.GetDevice(device_id));
  if (!device || device->identity_id != identity_id) {
    return ApiError::ResourceNotFound("Device '" + std::string(device_id) + "' not found.");
  }
  return std::move(*device);
}

}  // namespace

// With SNS configured (D25) the device gets a platform endpoint on the pool's application for
// its platform, created before the device is stored (outside the transaction: a remote call
// must not hold the writer); otherwise the device is only recorded.
SyncService::Output SyncService::RegisterDevice(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string platform(in.at("Platform").as_string());
  const std::string token(in.at("Token").as_string());
  const int max_token = config_.limits.push_token_bytes;
  if (token.size() > size_t(max_token)) {
    return ApiError::InvalidParameter("Token must be at most " + std::to_string(max_token) +
                                      " bytes long.");
  }
  std::string application;
  std::string device_id;
  auto check = [&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_RETURN_IF_ERROR(
        CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
    // No PushSync at all is the same as none for this platform: nothing to push through.
    application = ApplicationFor(*pool, platform);
    if (application.empty()) {
      return ApiError::InvalidConfiguration("Identity pool " + pool_id +
                                            " has no push sync application configured for "
                                            "platform " +
                                            platform + ".");
    }
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.FindDevice(identity_id, platform, token));
    if (existing) device_id = existing->device_id;
    return OkStatus();
  };
  COGSYNC_RETURN_IF_ERROR(store_.Read(check));
  if (!device_id.empty()) return bj::value(bj::object{{"DeviceId", device_id}});

  std::string endpoint_arn;
  if (integrations_.sinks.uses_sns()) {
    // The call holds this worker until SNS answers: bounded per pool (OutboundLimiter).
    std::optional<OutboundLimiter::Permit> permit;
    if (integrations_.limiter != nullptr) {
      permit = integrations_.limiter->TryAcquire(pool_id);
      if (!permit) {
        return ApiError::TooManyRequests(
            "Too many device registrations of this identity pool are in progress; retry later.");
      }
    }
    COGSYNC_ASSIGN_OR_RETURN(endpoint_arn,
                             integrations_.calls.SnsCreatePlatformEndpoint(application, token));
  }
  const std::string new_id = ids::Uuid();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    device_id.clear();
    COGSYNC_RETURN_IF_ERROR(check(txn));
    if (!device_id.empty()) return OkStatus();  // registered meanwhile by a concurrent call
    COGSYNC_ASSIGN_OR_RETURN(auto devices, txn.ListDevices(identity_id));
    const size_t keep = size_t(std::max(config_.limits.devices_per_identity, 1)) - 1;
    for (size_t i = 0; i + keep < devices.size(); ++i) {
      COGSYNC_RETURN_IF_ERROR(txn.DeleteDevice(devices[i].device_id));
    }
    store::Device device;
    device.device_id = new_id;
    device.pool_id = pool_id;
    device.identity_id = identity_id;
    device.platform = platform;
    device.token = token;
    device.endpoint_arn = endpoint_arn;
    device.created_ms = now_ms();
    device_id = device.device_id;
    return txn.PutDevice(device);
  }));
  return bj::value(bj::object{{"DeviceId", device_id}});
}

namespace {

store::Subscription SubscriptionFrom(const bj::object& in) {
  return store::Subscription{std::string(in.at("IdentityPoolId").as_string()),
                             std::string(in.at("IdentityId").as_string()),
                             std::string(in.at("DatasetName").as_string()),
                             std::string(in.at("DeviceId").as_string())};
}

}  // namespace

// Subscribe and Unsubscribe check the same things (the pool, the caller's identity, a device of
// that identity), then store or delete the subscription.
SyncService::Output SyncService::ChangeSubscription(RequestContext& ctx, const bj::object& in,
                                                    bool subscribe) {
  const store::Subscription sub = SubscriptionFrom(in);
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(LoadPool(txn, sub.pool_id));
    COGSYNC_RETURN_IF_ERROR(CheckIdentity(txn, ctx.principal, sub.pool_id, sub.identity_id,
                                          MissingIdentity::kNotFound));
    COGSYNC_RETURN_IF_ERROR(LoadOwnDevice(txn, sub.device_id, sub.identity_id));
    if (!subscribe) return txn.DeleteSubscription(sub);
    COGSYNC_ASSIGN_OR_RETURN(auto dataset,
                             txn.GetDataset(sub.identity_id, sub.dataset_name, false));
    if (!dataset || dataset->deleted) {
      return ApiError::ResourceNotFound("Dataset '" + sub.dataset_name + "' not found.");
    }
    return txn.PutSubscription(sub);
  }));
  return bj::value(bj::object());
}

// D19: only to an existing dataset (ResourceNotFound otherwise), so subscriptions are bounded by
// the identity's devices times its datasets.
SyncService::Output SyncService::SubscribeToDataset(RequestContext& ctx, const bj::object& in) {
  return ChangeSubscription(ctx, in, true);
}

// Unsubscribing a device that is not subscribed is not an error.
SyncService::Output SyncService::UnsubscribeFromDataset(RequestContext& ctx, const bj::object& in) {
  return ChangeSubscription(ctx, in, false);
}

}  // namespace cogsync::sync
