#pragma once
// Sync sessions per identity pool (docs/decisions.md D22), counted in memory. Counting every
// ListRecords with a Store write would turn the hottest read into a write, so ListRecords only
// bumps a counter here and SyncService flushes the counts to the Store (Txn::AddSyncSessions) once
// a second and at shutdown. Usage reads add this node's unflushed counts (Pending()).
//
// Thread safety: every method may be called from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"

namespace cogsync::sync {

class SessionCounter {
 public:
  using Counts = std::unordered_map<std::string, int64_t>;

  void Add(std::string_view pool_id, int64_t n = 1);
  // Moves the counts out for a flush; they stay visible to Pending() until Committed() or
  // Restore() is called with them.
  Counts Take();
  // The flush of `taken` is durable: stop reporting it as pending.
  void Committed();
  // The flush of `taken` failed: keep the counts for the next attempt.
  void Restore(const Counts& taken);
  // Counts not yet durable for the pool (waiting or being flushed).
  int64_t Pending(std::string_view pool_id) const;

 private:
  mutable Mutex mu_;
  Counts counts_ GUARDED_BY(mu_);
  Counts in_flight_ GUARDED_BY(mu_);  // taken by a flush that has not finished
};

}  // namespace cogsync::sync
