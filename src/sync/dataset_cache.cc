#include "sync/dataset_cache.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace cogsync::sync {
namespace {

// What one cached record costs beyond its key and JSON: its entry in the vector and the
// allocator's rounding of its key, as measured rather than guessed low.
constexpr size_t kRecordOverhead = sizeof(DatasetCache::Snapshot::Record) + 32;
constexpr size_t kEntryOverhead = 512;

}  // namespace

size_t DatasetCache::BytesOf(const Snapshot& snapshot) {
  size_t bytes = kEntryOverhead + snapshot.pool_id.size();
  if (snapshot.dataset) bytes += snapshot.dataset->modified_by.size();
  for (const std::string& name : snapshot.merged_names) bytes += 32 + name.size();
  for (const Snapshot::Record& r : snapshot.records) bytes += kRecordOverhead + r.key.size();
  return bytes + snapshot.json.capacity();
}

DatasetCache::DatasetCache(size_t max_bytes) : max_bytes_(max_bytes), enabled_(max_bytes > 0) {}

size_t DatasetCache::StripeOf(std::string_view identity_id) {
  return std::hash<std::string_view>{}(identity_id) % kStripes;
}

DatasetCache::Lru::iterator* DatasetCache::FindLocked(std::string_view identity_id,
                                                      std::string_view name) {
  auto found = by_identity_.find(identity_id);
  if (found == by_identity_.end()) return nullptr;
  for (Lru::iterator& it : found->second) {
    if (it->name == name) return &it;
  }
  return nullptr;
}

DatasetCache::SnapshotPtr DatasetCache::Find(std::string_view identity_id, std::string_view name,
                                             Ticket* ticket) {
  if (!enabled_) return nullptr;
  const size_t stripe = StripeOf(identity_id);
  MutexLock lock(mu_);
  if (Lru::iterator* it = FindLocked(identity_id, name)) {
    // Entries of a busy stripe's changed identities are gone already; the others stay valid.
    lru_.splice(lru_.begin(), lru_, *it);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return lru_.front().snapshot;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  *ticket = Ticket{stripe, stripes_[stripe].epoch};
  return nullptr;
}

void DatasetCache::Insert(std::string_view identity_id, std::string_view name, const Ticket& ticket,
                          SnapshotPtr snapshot) {
  if (!enabled_) return;
  const size_t bytes = BytesOf(*snapshot);
  if (bytes > max_bytes_ / 8) return;
  MutexLock lock(mu_);
  const Stripe& stripe = stripes_[ticket.stripe];
  if (stripe.busy > 0 || stripe.epoch != ticket.epoch) return;  // may predate a commit
  // Two readers that missed together both fill: the later one replaces, which is no eviction.
  if (Lru::iterator* it = FindLocked(identity_id, name)) EraseLocked(*it);
  while (bytes_ + bytes > max_bytes_ && !lru_.empty()) {
    EraseLocked(std::prev(lru_.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  lru_.push_front(Entry{std::string(identity_id), std::string(name), std::move(snapshot), bytes});
  auto slot = by_identity_.find(identity_id);
  if (slot == by_identity_.end()) {
    slot = by_identity_.emplace(std::string(identity_id), std::vector<Lru::iterator>()).first;
  }
  slot->second.push_back(lru_.begin());
  bytes_ += bytes;
}

void DatasetCache::EraseLocked(Lru::iterator it) {
  bytes_ -= it->bytes;
  auto slot = by_identity_.find(it->identity_id);
  if (slot != by_identity_.end()) {
    std::erase(slot->second, it);
    if (slot->second.empty()) by_identity_.erase(slot);
  }
  lru_.erase(it);
}

void DatasetCache::DropIdentityLocked(std::string_view identity_id) {
  auto slot = by_identity_.find(identity_id);
  if (slot == by_identity_.end()) return;
  std::vector<Lru::iterator> entries = std::move(slot->second);
  by_identity_.erase(slot);
  for (Lru::iterator it : entries) {
    bytes_ -= it->bytes;
    lru_.erase(it);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

void DatasetCache::DropAllLocked() {
  evictions_.fetch_add(lru_.size(), std::memory_order_relaxed);
  lru_.clear();
  by_identity_.clear();
  bytes_ = 0;
}

void DatasetCache::Changing(const store::ChangeSet& changes) {
  if (!enabled_) return;
  MutexLock lock(mu_);
  if (changes.everything()) {
    DropAllLocked();
    for (Stripe& stripe : stripes_) ++stripe.busy;
    return;
  }
  for (const std::string& identity_id : changes.identities()) {
    DropIdentityLocked(identity_id);
    ++stripes_[StripeOf(identity_id)].busy;
  }
}

void DatasetCache::Changed(const store::ChangeSet& changes) {
  if (!enabled_) return;
  MutexLock lock(mu_);
  auto done = [](Stripe& stripe) {
    --stripe.busy;
    ++stripe.epoch;
  };
  if (changes.everything()) {
    for (Stripe& stripe : stripes_) done(stripe);
    return;
  }
  for (const std::string& identity_id : changes.identities()) {
    done(stripes_[StripeOf(identity_id)]);
  }
}

DatasetCache::Stats DatasetCache::stats() const {
  Stats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  MutexLock lock(mu_);
  s.bytes = bytes_;
  s.entries = lru_.size();
  return s;
}

}  // namespace cogsync::sync
