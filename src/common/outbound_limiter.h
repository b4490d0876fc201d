#pragma once
// Bounds the outbound calls that hold a worker thread while they wait on another service: a
// pool's SyncTrigger function, SNS CreatePlatformEndpoint at RegisterDevice, a login provider's
// JWKS fetch. Each identity pool may have at most `per_pool` such calls out, the server at most
// `total`, so one pool's slow or hanging upstream cannot take the worker threads every other
// pool needs (issue 13, finding 5). It never waits: past a bound the caller fails at once with
// the error its operation documents (LambdaThrottledException, TooManyRequestsException).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/string_map.h"

namespace cogsync {

class OutboundLimiter {
 public:
  // Both bounds at least 1.
  OutboundLimiter(size_t per_pool, size_t total);
  OutboundLimiter(const OutboundLimiter&) = delete;
  OutboundLimiter& operator=(const OutboundLimiter&) = delete;

  // One call's share; given back when destroyed. Must not outlive the limiter.
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class OutboundLimiter;
    Permit(OutboundLimiter* owner, std::string pool_id)
        : owner_(owner), pool_id_(std::move(pool_id)) {}
    OutboundLimiter* owner_;
    std::string pool_id_;
  };

  // A permit for one call made for `pool_id`, or nullopt when that pool already has per_pool
  // calls out or the server has total.
  std::optional<Permit> TryAcquire(std::string_view pool_id) EXCLUDES(mu_);

  size_t per_pool() const { return per_pool_; }
  size_t total() const { return total_; }
  size_t in_flight() const EXCLUDES(mu_);  // calls out now
  int64_t refused() const EXCLUDES(mu_);   // TryAcquire calls refused so far

 private:
  void Release(const std::string& pool_id) EXCLUDES(mu_);

  const size_t per_pool_;
  const size_t total_;
  mutable Mutex mu_;
  StringMap<size_t> by_pool_ GUARDED_BY(mu_);  // only pools with calls out (at most `total`)
  size_t in_flight_ GUARDED_BY(mu_) = 0;
  int64_t refused_ GUARDED_BY(mu_) = 0;
};

}  // namespace cogsync
