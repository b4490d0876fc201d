// The migration part of the Store contract (D29): forwarded-login records, unbound providers of
// migrated identities and named counters, on every registered engine (the model store included),
// like conformance_test.cc.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

class MigrationConformanceTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    MustWrite([&](Txn& txn) -> Status {
      Pool pool;
      pool.id = "us-east-1:p";
      pool.name = "p";
      COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
      return txn.PutIdentity(Identity{"us-east-1:i", pool.id, 1, 2, false, ""});
    });
  }
};

TEST_P(MigrationConformanceTest, LoginBindingsRoundTripAndReplace) {
  MustWrite([&](Txn& txn) {
    return txn.PutLoginBinding(
        LoginBinding{"us-east-1:p", "accounts.google.com", "s1", "unknown", "", 5});
  });
  MustWrite([&](Txn& txn) {
    return txn.PutLoginBinding(
        LoginBinding{"us-east-1:p", "accounts.google.com", "s1", "bound", "us-east-1:i", 6});
  });
  MustRead([&](Txn& txn) -> Status {
    auto got = *txn.GetLoginBinding("us-east-1:p", "accounts.google.com", "s1");
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->outcome, "bound");
      EXPECT_EQ(got->identity_id, "us-east-1:i");
      EXPECT_EQ(got->created_ms, 6);
      EXPECT_EQ(got->provider, "accounts.google.com");
      EXPECT_EQ(got->subject, "s1");
    }
    EXPECT_FALSE(txn.GetLoginBinding("us-east-1:p", "accounts.google.com", "s2")->has_value());
    EXPECT_FALSE(txn.GetLoginBinding("us-east-1:q", "accounts.google.com", "s1")->has_value());
    return OkStatus();
  });
}

TEST_P(MigrationConformanceTest, UnboundLoginsAreAPerIdentitySet) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutUnboundLogin("us-east-1:i", "graph.facebook.com"));
    COGSYNC_RETURN_IF_ERROR(txn.PutUnboundLogin("us-east-1:i", "accounts.google.com"));
    return txn.PutUnboundLogin("us-east-1:i", "graph.facebook.com");  // again: no error
  });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ(*txn.ListUnboundLogins("us-east-1:i"),
              (std::vector<std::string>{"accounts.google.com", "graph.facebook.com"}));
    EXPECT_TRUE(txn.ListUnboundLogins("us-east-1:other")->empty());
    return OkStatus();
  });
  MustWrite([&](Txn& txn) { return txn.DeleteUnboundLogin("us-east-1:i", "graph.facebook.com"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ(*txn.ListUnboundLogins("us-east-1:i"),
              (std::vector<std::string>{"accounts.google.com"}));
    return OkStatus();
  });
  // They go with their identity.
  MustWrite([&](Txn& txn) { return txn.DeleteIdentity("us-east-1:i"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_TRUE(txn.ListUnboundLogins("us-east-1:i")->empty());
    return OkStatus();
  });
}

TEST_P(MigrationConformanceTest, CountersAddUpAndListByPrefix) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter("migration.logins.bound", 1));
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter("migration.logins.bound", 2));
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter("migration.logins.failed", 1));
    return txn.AddCounter("other", 7);
  });
  MustRead([&](Txn& txn) -> Status {
    using Counts = std::vector<std::pair<std::string, int64_t>>;
    EXPECT_EQ(*txn.ListCounters("migration.logins."),
              (Counts{{"migration.logins.bound", 3}, {"migration.logins.failed", 1}}));
    EXPECT_EQ(txn.ListCounters("")->size(), 3u);
    EXPECT_TRUE(txn.ListCounters("none.")->empty());
    return OkStatus();
  });
}

TEST_P(MigrationConformanceTest, PoolDeletionAndWipeRemoveMigrationState) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(
        txn.PutLoginBinding(LoginBinding{"us-east-1:p", "x", "s", "unknown", "", 1}));
    COGSYNC_RETURN_IF_ERROR(txn.PutUnboundLogin("us-east-1:i", "x"));
    return txn.DeletePool("us-east-1:p");
  });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.GetLoginBinding("us-east-1:p", "x", "s")->has_value());
    EXPECT_TRUE(txn.ListUnboundLogins("us-east-1:i")->empty());
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter("migration.logins.bound", 1));
    return txn.WipeCognitoState();
  });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_TRUE(txn.ListCounters("")->empty());
    return OkStatus();
  });
}

TEST_P(MigrationConformanceTest, ReadTransactionsRefuseMigrationWrites) {
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.AddCounter("c", 1).ok());
    EXPECT_FALSE(txn.PutUnboundLogin("us-east-1:i", "x").ok());
    EXPECT_FALSE(txn.PutLoginBinding(LoginBinding{"us-east-1:p", "x", "s", "bound", "", 1}).ok());
    return OkStatus();
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationConformanceTest, ::testing::ValuesIn(EngineLabels()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
