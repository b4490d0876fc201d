#include "http/admission.h"

#include <array>

namespace cogsync::http::internal {
namespace {

namespace ip = boost::asio::ip;

ip::address Unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool BodyBudget::TryReserve(size_t bytes) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

std::string SourceKey(const ip::address& address) {
  ip::address a = Unmapped(address);
  if (a.is_v4()) return a.to_string();
  std::array<unsigned char, 16> bytes = a.to_v6().to_bytes();
  for (size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return ip::address_v6(bytes).to_string() + "/64";
}

bool SourceLimiter::TryAdd(const std::string& key) {
  MutexLock lock(mu_);
  size_t& count = counts_[key];
  if (per_source_ != 0 && count >= per_source_) {
    if (count == 0) counts_.erase(key);
    return false;
  }
  ++count;
  return true;
}

void SourceLimiter::Remove(const std::string& key) {
  MutexLock lock(mu_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& entries) {
  TrustedProxies proxies;
  for (const std::string& entry : entries) {
    boost::system::error_code ec;
    if (entry.find('/') != std::string::npos) {
      if (entry.find(':') != std::string::npos) {
        auto network = ip::make_network_v6(entry, ec);
        if (!ec) proxies.v6_.push_back(network.canonical());
      } else {
        auto network = ip::make_network_v4(entry, ec);
        if (!ec) proxies.v4_.push_back(network.canonical());
      }
    } else {
      ip::address address = ip::make_address(entry, ec);
      if (!ec) {
        address = Unmapped(address);
        if (address.is_v4()) {
          proxies.v4_.emplace_back(address.to_v4(), 32);
        } else {
          proxies.v6_.emplace_back(address.to_v6(), 128);
        }
      }
    }
    if (ec) {
      return ApiError::InvalidParameter("trusted_proxies: '" + entry +
                                        "' is neither an IP address nor a CIDR network");
    }
  }
  return proxies;
}

bool TrustedProxies::Contains(const ip::address& address) const {
  ip::address a = Unmapped(address);
  if (a.is_v4()) {
    ip::network_v4 host(a.to_v4(), 32);
    for (const auto& network : v4_) {
      if (host == network || host.is_subnet_of(network)) return true;
    }
    return false;
  }
  ip::network_v6 host(a.to_v6(), 128);
  for (const auto& network : v6_) {
    if (host == network || host.is_subnet_of(network)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientAddress(
    const ip::address& peer, const std::vector<std::string_view>& forwarded_for) const {
  if (empty() || !Contains(peer)) return Unmapped(peer).to_string();
  // Right to left: each hop appends the address it received the request from, so the
  // right-most entry not added by one of our own proxies is the client.
  std::string leftmost_proxy;
  for (auto value = forwarded_for.rbegin(); value != forwarded_for.rend(); ++value) {
    std::string_view list = *value;
    while (!list.empty()) {
      size_t comma = list.rfind(',');
      std::string_view item = Trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      boost::system::error_code ec;
      ip::address address = ip::make_address(std::string(item), ec);
      if (ec) return Unmapped(peer).to_string();  // unreadable: trust nothing further left
      if (!Contains(address)) return Unmapped(address).to_string();
      leftmost_proxy = Unmapped(address).to_string();
    }
  }
  return leftmost_proxy.empty() ? Unmapped(peer).to_string() : leftmost_proxy;
}

}  // namespace cogsync::http::internal
