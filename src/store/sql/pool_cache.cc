#include "store/sql/pool_cache.h"

#include <algorithm>
#include <utility>

namespace cogsync::store::sql {

uint64_t PoolCache::Generation() const {
  ReaderLock lock(mu_);
  return generation_;
}

PoolPtr PoolCache::Get(std::string_view pool_id) const {
  ReaderLock lock(mu_);
  auto it = pools_.find(pool_id);
  return it == pools_.end() ? nullptr : it->second;
}

void PoolCache::Put(PoolPtr pool, uint64_t generation) {
  if (pool == nullptr) return;
  WriterLock lock(mu_);
  if (generation != generation_) return;
  if (pools_.size() >= kMaxPools && !pools_.contains(pool->id)) pools_.clear();
  pools_.insert_or_assign(pool->id, pool);
}

std::optional<std::vector<PoolName>> PoolCache::Names(std::string_view after_id, int limit) const {
  ReaderLock lock(mu_);
  if (!names_) return std::nullopt;
  auto first =
      std::upper_bound(names_->begin(), names_->end(), after_id,
                       [](std::string_view id, const PoolName& name) { return id < name.id; });
  size_t count = std::min<size_t>(size_t(std::max(limit, 0)), size_t(names_->end() - first));
  return std::vector<PoolName>(first, first + std::ptrdiff_t(count));
}

void PoolCache::PutNames(std::vector<PoolName> all, uint64_t generation) {
  WriterLock lock(mu_);
  if (generation != generation_) return;
  too_many_names_ = all.size() > kMaxPools;
  if (too_many_names_) {
    names_.reset();
  } else {
    names_ = std::move(all);
  }
}

bool PoolCache::TooManyNames() const {
  ReaderLock lock(mu_);
  return too_many_names_;
}

void PoolCache::InvalidateIfWritten() {
  if (!written_.exchange(false, std::memory_order_acq_rel)) return;
  WriterLock lock(mu_);
  ++generation_;
  pools_.clear();
  names_.reset();
  too_many_names_ = false;
}

}  // namespace cogsync::store::sql
