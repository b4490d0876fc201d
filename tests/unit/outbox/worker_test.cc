// outbox::Worker: a first pass at Start(), a pass per Notify(), Sleep() cut short by Stop(), and
// on_stop run once, only when the thread had started.

#include "outbox/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace cogsync::outbox {
namespace {

using std::chrono::milliseconds;

bool WaitFor(const std::atomic<int>& value, int at_least) {
  for (int i = 0; i < 500 && value.load() < at_least; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  return value.load() >= at_least;
}

TEST(OutboxWorker, PassesOnStartAndNotifyAndStopsOnce) {
  std::atomic<int> passes{0};
  std::atomic<int> stops{0};
  // A poll far longer than the test: every pass seen comes from Start() or Notify().
  Worker worker(
      milliseconds(600000), [&] { ++passes; }, [&] { ++stops; });
  worker.Start();
  ASSERT_TRUE(WaitFor(passes, 1));
  worker.Notify();
  ASSERT_TRUE(WaitFor(passes, 2));
  EXPECT_FALSE(worker.stopping());
  worker.Stop();
  worker.Stop();
  EXPECT_TRUE(worker.stopping());
  EXPECT_EQ(stops.load(), 1);
  EXPECT_FALSE(worker.Sleep(10000));  // returns at once once stopped
  worker.Start();                     // no restart after Stop()
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(passes.load(), 2);
}

TEST(OutboxWorker, StopWithoutStartRunsNoOnStop) {
  std::atomic<int> stops{0};
  {
    Worker worker(
        milliseconds(10), [] {}, [&] { ++stops; });
    worker.Stop();
  }
  EXPECT_EQ(stops.load(), 0);
}

TEST(OutboxWorker, StopCutsASleepingPassShort) {
  std::atomic<int> entered{0};
  std::atomic<int> woke{0};
  Worker* self = nullptr;
  Worker worker(
      milliseconds(600000),
      [&] {
        ++entered;
        if (!self->Sleep(60000)) ++woke;  // a pass waiting on a backoff
      },
      nullptr);
  self = &worker;
  worker.Start();
  ASSERT_TRUE(WaitFor(entered, 1));
  const auto begin = std::chrono::steady_clock::now();
  worker.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
  EXPECT_EQ(woke.load(), 1);
}

}  // namespace
}  // namespace cogsync::outbox
