#include "http/admission.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cogsync::http::internal {
namespace {

namespace ip = boost::asio::ip;

ip::address Addr(const char* text) { return ip::make_address(text); }

TEST(BodyBudgetTest, ReservesUpToTheLimitAndNoMore) {
  BodyBudget budget(100);
  EXPECT_TRUE(budget.TryReserve(60));
  EXPECT_FALSE(budget.TryReserve(41));  // nothing reserved by a refusal
  EXPECT_EQ(budget.used(), 60u);
  EXPECT_TRUE(budget.TryReserve(40));
  EXPECT_FALSE(budget.TryReserve(1));
  budget.Release(60);
  EXPECT_TRUE(budget.TryReserve(60));
  EXPECT_FALSE(BodyBudget(10).TryReserve(size_t(-1)));  // no wrap-around
}

TEST(SourceKeyTest, Ipv4AddressesAndIpv6Slash64) {
  EXPECT_EQ(SourceKey(Addr("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(SourceKey(Addr("::ffff:192.0.2.7")), "192.0.2.7");
  // Every address of one /64 is one source: a client cannot rotate past the cap.
  EXPECT_EQ(SourceKey(Addr("2001:db8:1:2:aaaa::1")), SourceKey(Addr("2001:db8:1:2:bbbb::9")));
  EXPECT_NE(SourceKey(Addr("2001:db8:1:2::1")), SourceKey(Addr("2001:db8:1:3::1")));
}

TEST(SourceLimiterTest, CountsPerSource) {
  SourceLimiter limiter(2);
  EXPECT_TRUE(limiter.TryAdd("a"));
  EXPECT_TRUE(limiter.TryAdd("a"));
  EXPECT_FALSE(limiter.TryAdd("a"));
  EXPECT_TRUE(limiter.TryAdd("b"));
  limiter.Remove("a");
  EXPECT_TRUE(limiter.TryAdd("a"));
  SourceLimiter unlimited(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.TryAdd("a"));
}

TEST(TrustedProxiesTest, ParsesAddressesAndNetworks) {
  auto proxies = TrustedProxies::Parse({"10.0.0.5", "192.168.0.0/16", "fd00::/8", "::1"});
  ASSERT_TRUE(proxies.ok()) << proxies.error().ToString();
  EXPECT_TRUE(proxies->Contains(Addr("10.0.0.5")));
  EXPECT_FALSE(proxies->Contains(Addr("10.0.0.6")));
  EXPECT_TRUE(proxies->Contains(Addr("192.168.44.1")));
  EXPECT_TRUE(proxies->Contains(Addr("::ffff:192.168.1.1")));
  EXPECT_TRUE(proxies->Contains(Addr("fd12::1")));
  EXPECT_TRUE(proxies->Contains(Addr("::1")));
  EXPECT_FALSE(proxies->Contains(Addr("2001:db8::1")));
  for (const char* bad : {"10.0.0", "10.0.0.0/33", "proxy.example", "fd00::/129", ""}) {
    auto parsed = TrustedProxies::Parse({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message().find("trusted_proxies"), std::string::npos);
  }
  EXPECT_TRUE(TrustedProxies::Parse({})->empty());
}

TEST(TrustedProxiesTest, ClientIsTheRightMostUntrustedForwardedAddress) {
  auto proxies = TrustedProxies::Parse({"10.0.0.0/8"});
  ASSERT_TRUE(proxies.ok());
  const auto proxy = Addr("10.0.0.1");
  // The client may put anything left of what our proxy appended: it is not believed.
  EXPECT_EQ(proxies->ClientAddress(proxy, {"6.6.6.6, 198.51.100.7"}), "198.51.100.7");
  EXPECT_EQ(proxies->ClientAddress(proxy, {"198.51.100.7, 10.0.0.2"}), "198.51.100.7");
  EXPECT_EQ(proxies->ClientAddress(proxy, {"6.6.6.6", "198.51.100.8"}), "198.51.100.8");
  EXPECT_EQ(proxies->ClientAddress(proxy, {" 2001:db8::7 "}), "2001:db8::7");
  // Nothing forwarded, or garbage: the proxy itself.
  EXPECT_EQ(proxies->ClientAddress(proxy, {}), "10.0.0.1");
  EXPECT_EQ(proxies->ClientAddress(proxy, {"not-an-address"}), "10.0.0.1");
  EXPECT_EQ(proxies->ClientAddress(proxy, {"10.0.0.9"}), "10.0.0.9");
  // From anyone else the header is ignored.
  EXPECT_EQ(proxies->ClientAddress(Addr("198.51.100.1"), {"1.2.3.4"}), "198.51.100.1");
  EXPECT_EQ(TrustedProxies().ClientAddress(proxy, {"1.2.3.4"}), "10.0.0.1");
}

}  // namespace
}  // namespace cogsync::http::internal
