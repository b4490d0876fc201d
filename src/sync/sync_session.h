#pragma once
// SyncSessionTokens (docs/decisions.md D18): ListRecords hands one out, UpdateRecords requires it.
// A token is a payload sealed with the shared key (common/sealed_token.h) under its own purpose
// string: pool, identity, dataset, issue time and a random session id. It is valid for one hour and
// reusable within it; consistency comes from the SyncCount compare-and-set (D15), not the token.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/sealed_token.h"

namespace cogsync::sync {

class SyncSessionTokens {
 public:
  static constexpr int64_t kLifetimeMs = 3600 * 1000;
  // Tolerated distance of an issue time in the future (clocks of different nodes).
  static constexpr int64_t kFutureSkewMs = 5 * 60 * 1000;

  explicit SyncSessionTokens(const TokenSealer& sealer) : sealer_(sealer) {}

  std::string Issue(std::string_view pool_id, std::string_view identity_id,
                    std::string_view dataset, int64_t now_ms) const;
  // OK, or InvalidParameterException "SyncSessionToken not valid for these inputs" for a token
  // that is forged, expired, or was issued for another pool, identity or dataset.
  Status Verify(std::string_view token, std::string_view pool_id, std::string_view identity_id,
                std::string_view dataset, int64_t now_ms) const;

 private:
  const TokenSealer& sealer_;
};

}  // namespace cogsync::sync
