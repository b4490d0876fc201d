#pragma once
// Throttling policy (ThrottleConfig in common/config.h): the public Cognito Identity operations
// per source address, Cognito Sync writes per identity. Checked by the dispatcher, before the
// input is even decoded for public operations and right after authentication for Sync writes.

#include <boost/json.hpp>
#include <string_view>

#include "auth/principal.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "protocol/rate_limiter.h"

namespace cogsync::protocol {

class Throttle {
 public:
  Throttle(const ThrottleConfig& config, bool test_mode, const Clock& clock);

  bool enabled() const { return enabled_; }
  // GetId, GetOpenIdToken, GetCredentialsForIdentity, UnlinkIdentity and STS
  // AssumeRoleWithWebIdentity (on GetCredentialsForIdentity's budget) by source address.
  Status CheckPublic(std::string_view operation, std::string_view remote_address);
  // Sync writes made with identity credentials, by identity.
  Status CheckSyncWrite(const auth::Principal& principal);
  // The rows a Sync write made with identity credentials would write (UpdateRecords: one per
  // record patch), against the identity's rows budget (D19), beside the request budget.
  Status CheckSyncRows(const auth::Principal& principal, const boost::json::object& input);

 private:
  const ThrottleConfig config_;
  const bool enabled_;
  const Clock& clock_;
  RateLimiter limiter_;
};

}  // namespace cogsync::protocol
