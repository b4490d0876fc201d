// Lazy login binding (D29) against a fake migration source on a real SQLite store: one forward
// per login (also under concurrent first logins), bound/unknown/failed outcomes and what each
// leaves in the store, the window, and the cap on forwards in flight.

#include "identity/login_binding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include "store/pg_test_stores.h"

namespace cogsync::identity {
namespace {

namespace bj = boost::json;

constexpr char kPool[] = "us-east-1:00000000-0000-0000-0000-000000000001";
constexpr char kMigrated[] = "us-east-1:00000000-0000-0000-0000-0000000000aa";
constexpr char kProvider[] = "accounts.google.com";
constexpr int64_t kNow = 1'800'000'000'000;

class FakeSource final : public MigrationSource {
 public:
  Result<SourceAnswer> GetId(std::string_view pool_id, const bj::object& logins) override {
    calls++;
    last_pool = std::string(pool_id);
    last_logins = logins;
    if (gate) gate->wait();
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    if (fail) return ApiError::ExternalService("timed out: source");
    return answer;
  }
  std::atomic<int> calls{0};
  std::string last_pool;
  bj::object last_logins;
  SourceAnswer answer{true, kMigrated, ""};
  bool fail = false;
  std::chrono::milliseconds pause{0};
  std::shared_future<void>* gate = nullptr;
};

class LoginBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    bool skip = false;
    store_ = store::TestStore::Open(store::Backend::kSqlite, &error, &skip);
    ASSERT_NE(store_, nullptr) << error;
    pool_.id = kPool;
    pool_.name = "p";
    pool_.description = bj::object{{"AllowUnauthenticatedIdentities", true},
                                   {"SupportedLoginProviders", bj::object{{kProvider, "client"}}}};
    ASSERT_TRUE(store()
                    .Write([&](store::Txn& txn) -> Status {
                      COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool_));
                      COGSYNC_RETURN_IF_ERROR(
                          txn.PutIdentity(store::Identity{kMigrated, kPool, 1, 2, false, ""}));
                      return txn.PutUnboundLogin(kMigrated, kProvider);
                    })
                    .ok());
    config_.migration.source_endpoint = "http://127.0.0.1:9/";
    config_.migration.window_end_ms = kNow + 1000;
  }
  store::Store& store() { return store_->store(); }

  Status Bind(LoginBinder& binder, const std::string& subject, int64_t now = kNow) {
    std::vector<VerifiedLogin> verified{{kProvider, subject, {}}};
    return binder.Bind(pool_, bj::object{{kProvider, "token-of-" + subject}}, verified, now);
  }
  std::optional<store::Login> Login(const std::string& subject) {
    std::optional<store::Login> out;
    EXPECT_TRUE(store()
                    .Read([&](store::Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(out, txn.FindLogin(kPool, kProvider, subject));
                      return OkStatus();
                    })
                    .ok());
    return out;
  }
  std::map<std::string, int64_t> Counters() {
    std::map<std::string, int64_t> out;
    EXPECT_TRUE(store()
                    .Read([&](store::Txn& txn) -> Status {
                      COGSYNC_ASSIGN_OR_RETURN(auto all, txn.ListCounters(kMigrationCounterPrefix));
                      for (auto& [k, v] : all) out[k.substr(kMigrationCounterPrefix.size())] = v;
                      return OkStatus();
                    })
                    .ok());
    return out;
  }

  std::unique_ptr<store::TestStore> store_;
  store::Pool pool_;
  Config config_;
  FakeSource source_;
};

TEST_F(LoginBindingTest, BindsTheMigratedIdentityOnceAndClearsItsUnboundProvider) {  // D29
  LoginBinder binder(store(), config_, &source_);
  ASSERT_TRUE(Bind(binder, "alice").ok());
  EXPECT_EQ(source_.calls, 1);
  EXPECT_EQ(source_.last_pool, kPool);
  EXPECT_EQ(source_.last_logins, (bj::object{{kProvider, "token-of-alice"}}));
  auto login = Login("alice");
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->identity_id, kMigrated);
  ASSERT_TRUE(store()
                  .Read([&](store::Txn& txn) -> Status {
                    EXPECT_TRUE(txn.ListUnboundLogins(kMigrated)->empty());
                    auto binding = *txn.GetLoginBinding(kPool, kProvider, "alice");
                    EXPECT_TRUE(binding.has_value() && binding->outcome == "bound" &&
                                binding->identity_id == kMigrated);
                    return OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(Bind(binder, "alice").ok());
  EXPECT_EQ(source_.calls, 1);
  EXPECT_EQ(Counters(), (std::map<std::string, int64_t>{{"bound", 1}, {"forwarded", 1}}));
  EXPECT_EQ(binder.counts().bound, 1u);
}

TEST_F(LoginBindingTest, AnIdentityCogsyncDoesNotHaveLinksNothingAndIsNotAskedAgain) {  // D29
  source_.answer = SourceAnswer{true, "us-east-1:00000000-0000-0000-0000-0000000000bb", ""};
  LoginBinder binder(store(), config_, &source_);
  ASSERT_TRUE(Bind(binder, "carol").ok());
  EXPECT_FALSE(Login("carol").has_value());
  ASSERT_TRUE(Bind(binder, "carol").ok());
  EXPECT_EQ(source_.calls, 1);
  EXPECT_EQ(Counters(), (std::map<std::string, int64_t>{{"forwarded", 1}, {"unknown", 1}}));
}

TEST_F(LoginBindingTest, ARefusedLoginIsUnknown) {  // D29
  source_.answer = SourceAnswer{false, "", "NotAuthorizedException"};
  LoginBinder binder(store(), config_, &source_);
  ASSERT_TRUE(Bind(binder, "gina").ok());
  EXPECT_FALSE(Login("gina").has_value());
  EXPECT_EQ(Counters()["unknown"], 1);
}

TEST_F(LoginBindingTest, ASourceFailureIsRetryableAndLeavesNoTrace) {  // D29
  source_.fail = true;
  LoginBinder binder(store(), config_, &source_);
  Status status = Bind(binder, "frank");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ServiceUnavailableException");
  EXPECT_FALSE(Login("frank").has_value());
  EXPECT_EQ(Counters(), (std::map<std::string, int64_t>{{"failed", 1}, {"forwarded", 1}}));
  source_.fail = false;
  ASSERT_TRUE(Bind(binder, "frank").ok());
  EXPECT_EQ(source_.calls, 2);
  EXPECT_EQ(Login("frank")->identity_id, kMigrated);
}

TEST_F(LoginBindingTest, ConcurrentFirstLoginsForwardOnce) {  // D29
  source_.pause = std::chrono::milliseconds(100);
  LoginBinder binder(store(), config_, &source_);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!Bind(binder, "bob").ok()) failures++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(source_.calls, 1);
  EXPECT_EQ(Login("bob")->identity_id, kMigrated);
}

TEST_F(LoginBindingTest, NothingIsForwardedOutsideTheWindowOrWithoutASource) {
  LoginBinder binder(store(), config_, &source_);
  ASSERT_TRUE(Bind(binder, "late", config_.migration.window_end_ms).ok());
  LoginBinder none(store(), config_, nullptr);
  ASSERT_TRUE(Bind(none, "none").ok());
  EXPECT_EQ(source_.calls, 0);
  EXPECT_FALSE(Login("late").has_value());
}

TEST_F(LoginBindingTest, OwnTokensAndKnownLoginsAreNotForwarded) {
  LoginBinder binder(store(), config_, &source_);
  std::vector<VerifiedLogin> own{{std::string(kCognitoProvider), kMigrated, {}},
                                 {kProvider, "dave", {}}};
  ASSERT_TRUE(binder.Bind(pool_, bj::object{}, own, kNow).ok());
  EXPECT_EQ(source_.calls, 0);
  ASSERT_TRUE(store()
                  .Write([&](store::Txn& txn) {
                    return txn.PutLogin(store::Login{kPool, kProvider, "known", kMigrated, 1});
                  })
                  .ok());
  ASSERT_TRUE(Bind(binder, "known").ok());
  EXPECT_EQ(source_.calls, 0);
}

TEST_F(LoginBindingTest, ForwardsPastTheCapAreAnsweredAtOnce) {
  config_.migration.max_concurrent_forwards = 1;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  source_.gate = &gate;
  LoginBinder binder(store(), config_, &source_);
  std::thread first([&] { EXPECT_TRUE(Bind(binder, "first").ok()); });
  while (source_.calls == 0) std::this_thread::yield();
  Status second = Bind(binder, "second");
  release.set_value();
  first.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), "ServiceUnavailableException");
  EXPECT_EQ(binder.counts().busy, 1u);
  EXPECT_EQ(source_.calls, 1);
}

}  // namespace
}  // namespace cogsync::identity
