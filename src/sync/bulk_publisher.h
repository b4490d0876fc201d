#pragma once
// BulkPublish's background run (D26): publishes every live dataset of a pool to its Cognito
// stream, then records SUCCEEDED, or FAILED with a FailureMessage.
//
// All state is in the pool row (GetBulkPublishDetails' fields plus a cursor: the last dataset
// published), so a run survives restarts: it resumes after the cursor, and may publish the
// dataset it was on again (at least once, as AWS's bulk publish which does not de-duplicate
// either). Each dataset is delivered directly through the stream sink with a few retries; a sink
// that keeps failing fails the run rather than leaving it IN_PROGRESS forever. A lease
// ("bulk-publish") makes one node run them when several share a store; a graceful stop releases
// it, a crash leaves it to expire (15 s).

#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "outbox/lease.h"
#include "outbox/sinks.h"
#include "outbox/worker.h"
#include "store/store.h"

namespace cogsync::sync {

class BulkPublisher {
 public:
  // Attempts per dataset before the run fails.
  static constexpr int kAttempts = 6;

  BulkPublisher(store::Store& store, const Clock& clock, const Config& config, outbox::Sinks& sinks,
                std::string owner);
  ~BulkPublisher();  // Stop()
  BulkPublisher(const BulkPublisher&) = delete;
  BulkPublisher& operator=(const BulkPublisher&) = delete;

  void Start();
  void Stop();
  void Notify();  // a run was started
  // Runs every pending bulk publish to its end on the caller's thread (tests).
  void RunPendingForTesting() { Pass(); }

 private:
  void Pass();
  // Publishes one pool's datasets from its cursor on; returns when the run ended or on stop.
  void RunPool(const std::string& pool_id);

  store::Store& store_;
  const Clock& clock_;
  const Config& config_;
  outbox::Sinks& sinks_;
  outbox::Lease lease_;    // "bulk-publish"; used by the worker thread only
  outbox::Worker worker_;  // last: its thread stops before the members above go
};

}  // namespace cogsync::sync
