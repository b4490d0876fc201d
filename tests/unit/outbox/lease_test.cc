// outbox::Lease: one holder at a time, renewal only when half the lease has run out, immediate
// handover on Release(), and takeover by another node once the holder's lease expires.

#include "outbox/lease.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cogsync::outbox {
namespace {

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    store::SqliteOptions options;
    options.path = dir_.File("cogsync.db");
    auto opened = store::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(opened).value();
  }
  void TearDown() override { store_.reset(); }
  cogsync::testing::TempDir dir_{"lease-test"};
  ManualClock clock_{1'000'000};
  std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(LeaseTest, OneHolderReleaseAndExpiry) {
  Lease a(*store_, clock_, "outbox", "node-a", 10000);
  Lease b(*store_, clock_, "outbox", "node-b", 10000);
  EXPECT_TRUE(a.Hold());
  EXPECT_FALSE(b.Hold());
  clock_.Advance(4000);
  EXPECT_TRUE(a.Hold());   // not yet due for renewal: no write, still held until +10 s
  EXPECT_FALSE(b.Hold());  // b asks again only after half a lease
  clock_.Advance(2000);    // 6 s: a renews (held until 16 s)
  EXPECT_TRUE(a.Hold());
  clock_.Advance(5000);  // 11 s: b asks; a's renewed lease still runs
  EXPECT_FALSE(b.Hold());

  a.Release();  // graceful stop: b takes over at its next ask, no expiry wait
  clock_.Advance(5000);
  EXPECT_TRUE(b.Hold());
  EXPECT_FALSE(a.Hold());

  // b dies without releasing: a takes over only after b's lease expired.
  clock_.Advance(5000);  // b renewed at its last Hold (at 16 s: until 26 s); now 21 s
  EXPECT_FALSE(a.Hold());
  clock_.Advance(6000);  // 27 s
  EXPECT_TRUE(a.Hold());
}

}  // namespace
}  // namespace cogsync::outbox
