#pragma once
// What the server admits beyond the parser's limits (issue 13 findings 3 and 4): the global
// budget of buffered request-body bytes, the count of open connections per source address, and
// the peers trusted to name the client in X-Forwarded-For. Internal to src/http.
//
// Thread safety: BodyBudget is lock-free; SourceLimiter takes its own mutex; TrustedProxies is
// immutable after Parse(). All three are shared by every I/O thread.

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/mutex.h"

namespace cogsync::http::internal {

// Bytes of request bodies held in memory by all connections together.
class BodyBudget {
 public:
  explicit BodyBudget(size_t limit) : limit_(limit) {}
  // Reserves `bytes`, or reserves nothing and returns false when that would pass the limit.
  bool TryReserve(size_t bytes);
  void Release(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// The source a connection is counted against: the IPv4 address, or the /64 prefix of an IPv6
// address (one subscriber's allocation, so one client cannot escape the cap by rotating
// addresses). IPv4-mapped IPv6 addresses count as their IPv4 address.
std::string SourceKey(const boost::asio::ip::address& address);

// Open connections per source.
class SourceLimiter {
 public:
  explicit SourceLimiter(size_t per_source) : per_source_(per_source) {}  // 0: no limit
  // Counts one more connection from `key`, or nothing and false when it has per_source already.
  bool TryAdd(const std::string& key) EXCLUDES(mu_);
  void Remove(const std::string& key) EXCLUDES(mu_);

 private:
  const size_t per_source_;
  Mutex mu_;
  std::unordered_map<std::string, size_t> counts_ GUARDED_BY(mu_);
};

// Reverse proxies whose X-Forwarded-For is believed. Empty unless configured: by default every
// client is its TCP peer, and a forwarded address is ignored.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Entries are addresses or CIDR networks ("10.0.0.5", "10.0.0.0/8", "fd00::/8"); an error
  // names the entry it cannot read.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& entries);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool Contains(const boost::asio::ip::address& address) const;
  // The client a request from `peer` acts for: with a trusted peer, the right-most address of
  // X-Forwarded-For (all values in order, comma-separated lists allowed) that is not itself a
  // trusted proxy; otherwise, or when the header names no valid address, the peer.
  std::string ClientAddress(const boost::asio::ip::address& peer,
                            const std::vector<std::string_view>& forwarded_for) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace cogsync::http::internal
