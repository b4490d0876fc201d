#include "sync/dataset_cache.h"

#include <utility>

namespace cogsync::sync {
namespace {

// What one cached record costs beyond its key and value: the Record and its strings' headers,
// the vector slot, and the allocator's rounding, as measured rather than guessed low.
constexpr size_t kRecordOverhead = sizeof(store::Record) + 32;
constexpr size_t kEntryOverhead = 256;

size_t BytesOf(const std::vector<store::Record>& records) {
  size_t bytes = kEntryOverhead;
  for (const store::Record& r : records) {
    bytes +=
        kRecordOverhead + r.key.size() + r.modified_by.size() + (r.value ? r.value->size() : 0);
  }
  return bytes;
}

}  // namespace

DatasetCache::Version DatasetCache::VersionOf(const store::Dataset& dataset) {
  return Version{dataset.sync_count, dataset.created_ms, dataset.modified_ms,
                 dataset.last_deleted_at};
}

DatasetCache::DatasetCache(size_t max_bytes) : max_bytes_(max_bytes) {}

std::string DatasetCache::Key(std::string_view identity_id, std::string_view name) {
  std::string key;
  key.reserve(identity_id.size() + 1 + name.size());
  key.append(identity_id);
  key.push_back('\n');  // in neither an identity id nor a dataset name
  key.append(name);
  return key;
}

DatasetCache::Records DatasetCache::Find(std::string_view identity_id, std::string_view name,
                                         const Version& version) {
  if (!enabled()) return nullptr;
  const std::string key = Key(identity_id, name);
  MutexLock lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (found->second->version != version) {
    EraseLocked(found->second);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, found->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return lru_.front().records;
}

DatasetCache::Records DatasetCache::Insert(std::string_view identity_id, std::string_view name,
                                           const Version& version,
                                           std::vector<store::Record> records) {
  const size_t bytes = BytesOf(records);
  Records shared = std::make_shared<const std::vector<store::Record>>(std::move(records));
  if (!enabled() || bytes > max_bytes_ / 8) return shared;
  std::string key = Key(identity_id, name);
  MutexLock lock(mu_);
  // Two readers that missed together both fill: the later one replaces, which is no eviction.
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  while (bytes_ + bytes > max_bytes_ && !lru_.empty()) {
    EraseLocked(std::prev(lru_.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  lru_.push_front(Entry{key, version, shared, bytes});
  index_.emplace(std::move(key), lru_.begin());
  bytes_ += bytes;
  return shared;
}

void DatasetCache::EraseLocked(Lru::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
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
