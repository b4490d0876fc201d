#include "common/outbound_limiter.h"

#include <algorithm>

namespace cogsync {

OutboundLimiter::OutboundLimiter(size_t per_pool, size_t total)
    : per_pool_(std::max<size_t>(per_pool, 1)), total_(std::max<size_t>(total, 1)) {}

OutboundLimiter::Permit::Permit(Permit&& other) noexcept
    : owner_(other.owner_), pool_id_(std::move(other.pool_id_)) {
  other.owner_ = nullptr;
}

OutboundLimiter::Permit& OutboundLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(pool_id_);
    owner_ = other.owner_;
    pool_id_ = std::move(other.pool_id_);
    other.owner_ = nullptr;
  }
  return *this;
}

OutboundLimiter::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release(pool_id_);
}

std::optional<OutboundLimiter::Permit> OutboundLimiter::TryAcquire(std::string_view pool_id) {
  MutexLock lock(mu_);
  auto it = by_pool_.find(pool_id);
  const size_t used = it == by_pool_.end() ? 0 : it->second;
  if (used >= per_pool_ || in_flight_ >= total_) {
    ++refused_;
    return std::nullopt;
  }
  if (it == by_pool_.end()) {
    by_pool_.emplace(std::string(pool_id), 1);
  } else {
    ++it->second;
  }
  ++in_flight_;
  return Permit(this, std::string(pool_id));
}

void OutboundLimiter::Release(const std::string& pool_id) {
  MutexLock lock(mu_);
  auto it = by_pool_.find(pool_id);
  if (it == by_pool_.end()) return;
  if (--it->second == 0) by_pool_.erase(it);
  --in_flight_;
}

size_t OutboundLimiter::in_flight() const {
  MutexLock lock(mu_);
  return in_flight_;
}

int64_t OutboundLimiter::refused() const {
  MutexLock lock(mu_);
  return refused_;
}

}  // namespace cogsync
