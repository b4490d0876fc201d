#include "protocol/rate_limiter.h"

#include <algorithm>
#include <functional>

namespace cogsync::protocol {
namespace {

double Refilled(double tokens, int64_t updated_ms, double rate, double capacity, int64_t now_ms) {
  const double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - updated_ms)) / 1000.0;
  return std::min(capacity, tokens + elapsed * rate);
}

}  // namespace

RateLimiter::RateLimiter(int64_t max_keys)
    : max_per_shard_(
          std::max<size_t>(1, static_cast<size_t>(std::max<int64_t>(max_keys, 1)) / kShards)) {}

void RateLimiter::Evict(Shard& shard, int64_t now_ms) {
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    const Bucket& b = it->second;
    if (Refilled(b.tokens, b.updated_ms, b.rate, b.capacity, now_ms) >= b.capacity) {
      it = shard.buckets.erase(it);
    } else {
      ++it;
    }
  }
  // Every tracked caller is active: start afresh rather than grow without bound.
  if (shard.buckets.size() >= max_per_shard_) shard.buckets.clear();
}

bool RateLimiter::Allow(std::string_view key, double rate, double capacity, int64_t now_ms,
                        double cost) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  MutexLock lock(shard.mu);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) Evict(shard, now_ms);
    it = shard.buckets.emplace(std::string(key), Bucket{capacity, now_ms, rate, capacity}).first;
  }
  Bucket& b = it->second;
  b.tokens = Refilled(b.tokens, b.updated_ms, rate, capacity, now_ms);
  b.updated_ms = now_ms;
  b.rate = rate;
  b.capacity = capacity;
  cost = std::min(cost, capacity);
  if (b.tokens < cost) return false;
  b.tokens -= cost;
  return true;
}

size_t RateLimiter::TrackedKeys() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace cogsync::protocol
