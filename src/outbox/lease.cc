#include "outbox/lease.h"

#include <spdlog/spdlog.h>

namespace cogsync::outbox {

bool Lease::Hold() {
  const int64_t now = clock_.NowMillis();
  if (now < check_at_) return held_;
  bool held = false;
  Status written = store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(held, txn.TryAcquireLease(name_, owner_, now, ttl_ms_));
    return OkStatus();
  });
  if (!written.ok()) {
    // A store that is down is asked again in a second, not on every call (nor logged so).
    spdlog::warn("lease {}: {}", name_, written.error().ToString());
    held_ = false;
    check_at_ = now + 1000;
    return false;
  }
  if (held != held_)
    spdlog::info("lease {}: {} held by this node", name_, held ? "now" : "no longer");
  held_ = held;
  // A node that does not hold it asks again as rarely, so it takes over within one and a half
  // leases of the holder's end.
  check_at_ = now + ttl_ms_ / 2;
  return held_;
}

void Lease::Release() {
  if (!held_) return;
  // Re-taking it with an expiry in the past leaves it free for anyone.
  Status written = store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(bool ours, txn.TryAcquireLease(name_, owner_, clock_.NowMillis(), -1));
    (void)ours;
    return OkStatus();
  });
  if (!written.ok()) spdlog::warn("lease {}: releasing: {}", name_, written.error().ToString());
  held_ = false;
  check_at_ = 0;
}

}  // namespace cogsync::outbox
