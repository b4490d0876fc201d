#pragma once
// The outbox dispatcher (D24): delivers what the store's outbox holds, at least once, in order
// within each partition, with capped exponential backoff, surviving restarts (the entries stay in
// the store until delivered).
//
// One background thread (worker.h). A pass reads, for each kind of entry, only the entries that
// are due (Txn::ListDueOutbox, an index on the due time), a page at a time (the page is all it
// holds in memory, whatever the backlog on disk), delivering each partition's entries in order
// and stopping a partition at its first entry that fails (the store defers the rest of the
// partition with it). So an idle server's pass costs the same whatever the backlog waiting for
// its retry time. A failure that reached no server (connection refused, timeout) ends the pass
// for that kind of sink, so a dead sink costs one attempt per pass, not one per entry. Delivered
// entries are deleted and failures recorded once per page. Push entries name only their device;
// its token is read at delivery, and an entry whose device is gone is dropped.
//
// Several nodes on one store: a lease ("outbox", outbox/lease.h) makes one node the dispatcher;
// the others stay idle until it stops (and releases it) or its lease expires. Writers on this node
// call Notify() after committing entries; work written by other nodes is found by polling every
// outbox_poll_ms.

#include <atomic>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "outbox/lease.h"
#include "outbox/sinks.h"
#include "outbox/worker.h"
#include "store/store.h"

namespace cogsync::outbox {

struct DispatcherStats {
  int64_t delivered = 0;
  int64_t failed_attempts = 0;
  int64_t dropped = 0;  // push notifications past push_max_age_ms or of a device gone
  int64_t passes = 0;
  int64_t read = 0;  // entries read from the store: only due ones are
};

class Dispatcher {
 public:
  Dispatcher(store::Store& store, const Clock& clock, const IntegrationsConfig& settings,
             Sinks& sinks, std::string owner);
  ~Dispatcher();  // Stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  // Finishes the delivery in progress (bounded by the request timeout) and joins. Idempotent.
  void Stop();
  // New entries were committed: run a pass soon.
  void Notify();
  // One pass now, on the caller's thread (tests; Start() need not have been called).
  void RunPassForTesting() { Pass(); }

  DispatcherStats stats() const;
  // The delay before attempt `attempts` + 1: initial * 2^(attempts-1), capped.
  static int64_t Backoff(int attempts, int64_t initial_ms, int64_t max_ms);

 private:
  void Pass();
  // The due entries of one kind; false when the pass must end (stopping, lease or store lost).
  bool PassKind(std::string_view kind);
  bool ResolvePushTarget(store::Txn& txn, store::OutboxEntry& entry, Status* error) const;

  store::Store& store_;
  const Clock& clock_;
  const IntegrationsConfig& settings_;
  Sinks& sinks_;
  Lease lease_;  // used by the dispatching thread (or RunPassForTesting's caller) only

  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_attempts_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> passes_{0};
  std::atomic<int64_t> read_{0};
  Worker worker_;  // last: its thread stops before the members above go
};

}  // namespace cogsync::outbox
