#include "protocol/throttle.h"

#include <string>

namespace cogsync::protocol {
namespace {
ApiError RateExceeded() { return ApiError::TooManyRequests("Rate exceeded"); }
}  // namespace

Throttle::Throttle(const ThrottleConfig& config, bool test_mode, const Clock& clock)
    : config_(config),
      enabled_(config.enabled.value_or(!test_mode)),
      clock_(clock),
      limiter_(config.max_tracked_keys) {}

Status Throttle::CheckPublic(std::string_view operation, std::string_view remote_address) {
  if (!enabled_) return OkStatus();
  double rate = 0;
  if (operation == "GetId")
    rate = config_.get_id_rps;
  else if (operation == "GetOpenIdToken")
    rate = config_.get_open_id_token_rps;
  else if (operation == "GetCredentialsForIdentity" || operation == "AssumeRoleWithWebIdentity")
    rate = config_.get_credentials_for_identity_rps;  // both mint credentials (D27)
  else if (operation == "UnlinkIdentity")
    rate = config_.unlink_identity_rps;
  if (rate <= 0) return OkStatus();
  std::string key(remote_address);
  key += '|';
  key += operation;
  if (!limiter_.Allow(key, rate, std::max(1.0, rate * config_.burst_seconds), clock_.NowMillis())) {
    return RateExceeded();
  }
  return OkStatus();
}

Status Throttle::CheckSyncWrite(const auth::Principal& principal) {
  const double rate = config_.sync_writes_per_identity_rps;
  if (!enabled_ || !principal.is_identity() || rate <= 0) return OkStatus();
  if (!limiter_.Allow("identity|" + principal.identity_id, rate,
                      std::max(1.0, rate * config_.burst_seconds), clock_.NowMillis())) {
    return RateExceeded();
  }
  return OkStatus();
}

Status Throttle::CheckSyncRows(const auth::Principal& principal, const boost::json::object& input) {
  const double rate = config_.sync_rows_per_identity_rps;
  if (!enabled_ || !principal.is_identity() || rate <= 0) return OkStatus();
  const auto* patches = input.if_contains("RecordPatches");
  if (patches == nullptr || !patches->is_array() || patches->get_array().empty()) {
    return OkStatus();
  }
  if (!limiter_.Allow("rows|" + principal.identity_id, rate,
                      std::max(1.0, rate * config_.burst_seconds), clock_.NowMillis(),
                      double(patches->get_array().size()))) {
    return RateExceeded();
  }
  return OkStatus();
}

}  // namespace cogsync::protocol
