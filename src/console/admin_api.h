#pragma once
// The console's admin API (docs/console.md): what the public Cognito APIs lack, read-only.
//   GET /admin/outbox                       what the outbox owes, its last errors, bulk publishes
//   GET /admin/metrics                      requests, errors and p99 latency (µs) by operation
//   GET /admin/identity?IdentityId=ID       whether an identity is disabled (a merge loser, D23)
//   GET /admin/pools?IdentityPoolId=ID      how many identities and live datasets a pool holds
// Every call is SigV4-signed for the service "cogsync" with a developer key (D30); identity
// credentials and unsigned requests are refused (AccessDeniedException / the signature errors,
// 403). Answers are JSON; errors are {"__type","message"} through protocol/wire.cc.
// Thread-safe: it holds references only.

#include <cstdint>
#include <string_view>

#include "auth/authenticator.h"
#include "common/clock.h"
#include "http/message.h"
#include "http/metrics.h"
#include "store/store.h"

namespace cogsync::console {

class AdminApi {
 public:
  static constexpr std::string_view kPathPrefix = "/admin/";
  static constexpr std::string_view kSigningService = "cogsync";
  // Pending outbox entries listed in detail (the rest are counted).
  static constexpr int kShownOutboxEntries = 20;

  AdminApi(auth::Authenticator& authenticator, store::Store& store, const http::Metrics& metrics,
           const Clock& clock)
      : authenticator_(authenticator), store_(store), metrics_(metrics), clock_(clock) {}
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // For a request whose path starts with kPathPrefix.
  http::Response Handle(const http::Request& request);

 private:
  http::Response Outbox();
  http::Response MetricsSummary();
  http::Response Identity(std::string_view query);
  http::Response PoolCounts(std::string_view query);

  auth::Authenticator& authenticator_;
  store::Store& store_;
  const http::Metrics& metrics_;
  const Clock& clock_;
};

// The upper bound of the bucket holding the `quantile` (0..1) of a latency histogram, in
// microseconds; 0 for an empty one, the largest finite bound when it falls in +Inf.
int64_t HistogramQuantileMicros(const http::LatencyHistogram::Snapshot& snapshot, double quantile);

}  // namespace cogsync::console
