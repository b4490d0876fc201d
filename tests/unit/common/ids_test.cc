// Request ids: UUID-shaped (version 4, RFC 4122 variant) and unique across threads.

#include "common/ids.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>
namespace cogsync::ids {
namespace {

TEST(RequestId, UuidShapedAndUniqueAcrossThreads) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  std::atomic<int> malformed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2000; ++i) mine.push_back(RequestId());
      for (const auto& id : mine) {
        if (!std::regex_match(id, shape)) ++malformed;
      }
      std::lock_guard<std::mutex> lock(mu);
      seen.insert(mine.begin(), mine.end());
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(malformed.load(), 0);
  EXPECT_EQ(seen.size(), 8000u);
}

}  // namespace
}  // namespace cogsync::ids
