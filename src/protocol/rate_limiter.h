#pragma once
// Token buckets keyed by a string (a source address and operation, or an identity), for
// throttling. Thread-safe: sharded by key, one mutex per shard. Memory is bounded: past
// max_keys, buckets that have refilled completely are forgotten (they carry no state), and if
// that is not enough, a shard starts afresh.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.h"

namespace cogsync::protocol {

class RateLimiter {
 public:
  explicit RateLimiter(int64_t max_keys);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes `cost` tokens from the key's bucket (rate tokens per second, at most `capacity`);
  // false, taking none, when the bucket holds fewer. A cost above the capacity costs the
  // capacity: such a call passes with a full bucket.
  bool Allow(std::string_view key, double rate, double capacity, int64_t now_ms, double cost = 1.0);
  size_t TrackedKeys() const;

 private:
  static constexpr size_t kShards = 16;
  struct Bucket {
    double tokens;
    int64_t updated_ms;
    double rate;
    double capacity;
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, Bucket> buckets GUARDED_BY(mu);
  };
  void Evict(Shard& shard, int64_t now_ms) REQUIRES(shard.mu);
  const size_t max_per_shard_;
  Shard shards_[kShards];
};

}  // namespace cogsync::protocol
