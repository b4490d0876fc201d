#include "sync/session_counter.h"

namespace cogsync::sync {

void SessionCounter::Add(std::string_view pool_id, int64_t n) {
  MutexLock lock(mu_);
  counts_[std::string(pool_id)] += n;
}

SessionCounter::Counts SessionCounter::Take() {
  MutexLock lock(mu_);
  Counts taken;
  taken.swap(counts_);
  for (const auto& [pool, n] : taken) in_flight_[pool] += n;
  return taken;
}

void SessionCounter::Committed() {
  MutexLock lock(mu_);
  in_flight_.clear();
}

void SessionCounter::Restore(const Counts& taken) {
  MutexLock lock(mu_);
  in_flight_.clear();
  for (const auto& [pool, n] : taken) counts_[pool] += n;
}

int64_t SessionCounter::Pending(std::string_view pool_id) const {
  MutexLock lock(mu_);
  const std::string key(pool_id);
  int64_t total = 0;
  if (auto it = counts_.find(key); it != counts_.end()) total += it->second;
  if (auto it = in_flight_.find(key); it != in_flight_.end()) total += it->second;
  return total;
}

}  // namespace cogsync::sync
