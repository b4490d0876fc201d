#pragma once
// A named lease in the store held by one owner at a time (store::Txn::TryAcquireLease): how one
// node among several runs the outbox dispatcher or the bulk publisher. Hold() renews it only
// once half of it has run out, so holding it costs a durable write per half lease, not one per
// call; Release() hands it over at once on a graceful stop (after a crash, the others wait for
// it to expire). Used by one thread.

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "store/store.h"

namespace cogsync::outbox {

class Lease {
 public:
  Lease(store::Store& store, const Clock& clock, std::string name, std::string owner,
        int64_t ttl_ms)
      : store_(store),
        clock_(clock),
        name_(std::move(name)),
        owner_(std::move(owner)),
        ttl_ms_(ttl_ms) {}

  // Whether this owner holds the lease now (taking or renewing it when due).
  bool Hold();
  // Gives the lease up if held. Idempotent.
  void Release();

 private:
  store::Store& store_;
  const Clock& clock_;
  const std::string name_;
  const std::string owner_;
  const int64_t ttl_ms_;
  bool held_ = false;
  int64_t check_at_ = 0;
};

}  // namespace cogsync::outbox
