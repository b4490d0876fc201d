// PostgresStore behaviour beyond the Store contract (which conformance_test.cc checks): start-up
// against an unreachable or newer database, migrations racing between nodes, retries of
// serialisation failures between two nodes, the session pool bound, and a database that goes
// away while serving and comes back.

#include "store/postgres/pg_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_test_stores.h"
#include "store/postgres/pg_schema.h"
#include "support/postgres_server.h"

namespace cogsync::store {
namespace {

using testing::PostgresServer;

// A fresh database on the shared server, or a skip/failure of the calling test.
#define COGSYNC_FRESH_DATABASE(url)                              \
  std::string url;                                               \
  do {                                                           \
    std::string error_;                                          \
    PostgresServer* server_ = PostgresServer::Shared(&error_);   \
    if (server_ == nullptr && PostgresServer::SkipRequested()) { \
      GTEST_SKIP() << error_;                                    \
    }                                                            \
    ASSERT_NE(server_, nullptr) << error_;                       \
    url = server_->CreateDatabase(&error_);                      \
    ASSERT_FALSE(url.empty()) << error_;                         \
  } while (false)

std::unique_ptr<PostgresStore> MustOpen(const PostgresOptions& options) {
  auto opened = PostgresStore::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.error().ToString();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

// A store of one session, so that consecutive calls share it (and its unread answers).
std::unique_ptr<PostgresStore> OneSessionStore(const std::string& url) {
  PostgresOptions options;
  options.url = url;
  options.pool_size = 1;
  return MustOpen(options);
}

// Runs one statement directly against a test database.
void Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* result = PQexec(conn, sql.c_str());
  EXPECT_TRUE(PQresultStatus(result) == PGRES_COMMAND_OK ||
              PQresultStatus(result) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
}

int64_t SqlInt(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  int64_t value = -1;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
    value = std::stoll(PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  PQfinish(conn);
  return value;
}

// One query: the smallest transaction that needs a live session.
Status Touch(Txn& txn) {
  COGSYNC_RETURN_IF_ERROR(txn.CountPools());
  return OkStatus();
}

TEST(PostgresStoreTest, UnreachableDatabaseFailsOpenWithAClearError) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  PostgresOptions options;
  options.url = "postgresql://cogsync:secret-password@127.0.0.1:1/cogsync";
  options.connect_timeout_seconds = 2;
  auto started = std::chrono::steady_clock::now();
  auto opened = PostgresStore::Open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), "ServiceUnavailableException");
  EXPECT_NE(opened.error().message().find("cannot connect to PostgreSQL"), std::string::npos)
      << opened.error().message();
  EXPECT_EQ(opened.error().message().find("secret-password"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(PostgresStoreTest, NodesStartingTogetherMigrateOnce) {
  COGSYNC_FRESH_DATABASE(url);
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<std::unique_ptr<PostgresStore>> nodes(kNodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      start.arrive_and_wait();
      PostgresOptions options;
      options.url = url;
      options.pool_size = 2;
      nodes[n] = MustOpen(options);
    });
  }
  for (auto& thread : threads) thread.join();
  for (auto& node : nodes) {
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(*node->SchemaVersion(), postgres::LatestSchemaVersion());
  }
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM cogsync_schema"), postgres::LatestSchemaVersion());
  // What one node writes, every other reads: secrets, keys, tokens live in the database.
  ASSERT_TRUE(nodes[0]->Write([](Txn& txn) { return txn.PutSecret("token-hmac-key", "k1"); }).ok());
  for (auto& node : nodes) {
    Status read = node->Read([](Txn& txn) -> Status {
      EXPECT_EQ(**txn.GetSecret("token-hmac-key"), "k1");
      return OkStatus();
    });
    EXPECT_TRUE(read.ok());
  }
}

TEST(PostgresStoreTest, MigrationsWithoutAdvisoryLockAlsoConverge) {
  // The CockroachDB mode: no advisory lock, lost races are retried.
  COGSYNC_FRESH_DATABASE(url);
  constexpr int kNodes = 3;
  std::latch start(kNodes);
  std::vector<std::unique_ptr<PostgresStore>> nodes(kNodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      start.arrive_and_wait();
      PostgresOptions options;
      options.url = url;
      options.pool_size = 1;
      options.migration_advisory_lock = false;
      nodes[n] = MustOpen(options);
    });
  }
  for (auto& thread : threads) thread.join();
  for (auto& node : nodes) ASSERT_NE(node, nullptr);
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM cogsync_schema"), postgres::LatestSchemaVersion());
}

TEST(PostgresStoreTest, NewerSchemaIsRefused) {
  COGSYNC_FRESH_DATABASE(url);
  PostgresOptions options;
  options.url = url;
  ASSERT_NE(MustOpen(options), nullptr);
  Sql(url, "INSERT INTO cogsync_schema (version, applied_ms) VALUES (999, 0)");
  auto reopened = PostgresStore::Open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("newer"), std::string::npos)
      << reopened.error().message();
}

TEST(PostgresStoreTest, SerializationFailuresBetweenNodesAreRetried) {
  COGSYNC_FRESH_DATABASE(url);
  PostgresOptions options;
  options.url = url;
  options.pool_size = 2;
  options.max_attempts = 50;
  auto node_a = MustOpen(options);
  auto node_b = MustOpen(options);
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_TRUE(node_a->Write([](Txn& txn) { return txn.PutSecret("counter", "0"); }).ok());

  // Read-increment-write of one row with no row lock: only serialisable isolation plus retry
  // keeps every increment. The write is queued (it travels with the COMMIT), so a serialisation
  // failure may come from it or from the COMMIT: either is retried.
  constexpr int kThreadsPerNode = 2;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  for (PostgresStore* node : {node_a.get(), node_b.get()}) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([node] {
        for (int n = 0; n < kIncrements; ++n) {
          Status status = node->Write([](Txn& txn) -> Status {
            COGSYNC_ASSIGN_OR_RETURN(auto value, txn.GetSecret("counter"));
            return txn.PutSecret("counter", std::to_string(std::stoi(*value) + 1));
          });
          EXPECT_TRUE(status.ok()) << status.error().ToString();
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  std::string final_value;
  ASSERT_TRUE(node_b
                  ->Read([&](Txn& txn) -> Status {
                    final_value = **txn.GetSecret("counter");
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(final_value, std::to_string(2 * kThreadsPerNode * kIncrements));
  EXPECT_GT(node_a->Stats().retries + node_b->Stats().retries, 0u);
  // Every increment committed once, plus the initial value.
  EXPECT_EQ(node_a->Stats().commits + node_b->Stats().commits,
            static_cast<uint64_t>(2 * kThreadsPerNode * kIncrements + 1));
}

// Round trips (pg_connection.h): BEGIN travels with the first query, the writes with the COMMIT,
// and a read-only transaction waits for nothing but its queries.
TEST(PostgresStoreTest, WritesTravelWithTheCommitAndBeginWithTheFirstQuery) {
  COGSYNC_FRESH_DATABASE(url);
  auto store = OneSessionStore(url);
  ASSERT_NE(store, nullptr);
  auto write = [](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.GetSecret("missing"));
    for (int n = 0; n < 10; ++n) {
      COGSYNC_RETURN_IF_ERROR(txn.PutSecret("key-" + std::to_string(n), std::to_string(n)));
    }
    return OkStatus();
  };
  ASSERT_TRUE(store->Write(write).ok());  // prepares the statements (pipelined as well)
  uint64_t before = store->Stats().round_trips;
  ASSERT_TRUE(store->Write(write).ok());
  EXPECT_EQ(store->Stats().round_trips - before, 2u);  // BEGIN + SELECT, then 10 writes + COMMIT

  before = store->Stats().round_trips;
  std::vector<std::optional<std::string>> read(3);
  ASSERT_TRUE(store
                  ->Read([&](Txn& txn) -> Status {
                    for (int n = 0; n < 3; ++n) {
                      COGSYNC_ASSIGN_OR_RETURN(read[n], txn.GetSecret("key-" + std::to_string(n)));
                    }
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(store->Stats().round_trips - before, 3u);  // one per query; the COMMIT not awaited
  for (int n = 0; n < 3; ++n) EXPECT_EQ(read[n], std::to_string(n));

  // The unawaited COMMIT is read with the next exchange of the one session, which works on.
  before = store->Stats().round_trips;
  ASSERT_TRUE(store->Write([](Txn& txn) { return txn.PutSecret("key-0", "again"); }).ok());
  EXPECT_EQ(store->Stats().round_trips - before, 1u);  // BEGIN, the write and COMMIT together
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM secrets WHERE name LIKE 'key-%'"), 10);
  EXPECT_EQ(SqlInt(url,
                   "SELECT COUNT(*) FROM secrets WHERE name = 'key-0' AND "
                   "value = CAST('again' AS BYTEA)"),
            1);
}

// D24: a queued write is answered only with the COMMIT it travels with: when the server refuses
// it, the whole write fails and nothing of it is committed, and the session serves the next call.
TEST(PostgresStoreTest, AQueuedWriteThatFailsFailsTheWriteAndCommitsNothing) {
  COGSYNC_FRESH_DATABASE(url);
  auto store = OneSessionStore(url);
  ASSERT_NE(store, nullptr);
  // A login of an identity that does not exist: only the foreign key knows it is refused.
  Login orphan{"no-such-pool", "graph.facebook.com", "subject", "no-such-identity", 1};
  Status failed = store->Write([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutSecret("before", "1"));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(orphan));
    return txn.PutSecret("after", "1");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), "InternalErrorException");
  // The same failure when the function answers an error of its own after it: the storage
  // failure decides, as it did when every write was awaited.
  Status refused = store->Write([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(orphan));
    return ApiError::InvalidParameter("refused by the function");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "InternalErrorException");
  // The function's own error after writes the server accepted: its error, nothing committed.
  Status own = store->Write([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutSecret("own", "1"));
    return ApiError::InvalidParameter("refused by the function");
  });
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code(), "InvalidParameterException");
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM secrets WHERE name IN ('before', 'after', 'own')"),
            0);
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM logins"), 0);

  ASSERT_TRUE(store->Write([](Txn& txn) { return txn.PutSecret("next", "1"); }).ok());
  std::optional<std::string> next;
  ASSERT_TRUE(store
                  ->Read([&](Txn& txn) -> Status {
                    COGSYNC_ASSIGN_OR_RETURN(next, txn.GetSecret("next"));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(next, "1");
  EXPECT_EQ(store->Stats().retries, 0u);
}

TEST(PostgresStoreTest, PoolSizeBoundsSessionsAndWaitersTimeOut) {
  COGSYNC_FRESH_DATABASE(url);
  PostgresOptions options;
  options.url = url;
  options.pool_size = 2;
  options.checkout_timeout = std::chrono::milliseconds(200);
  auto store = MustOpen(options);
  ASSERT_NE(store, nullptr);

  std::latch holding(3);  // two readers inside their transactions + this thread
  std::latch release(1);
  std::vector<std::thread> readers;
  for (int n = 0; n < 2; ++n) {
    readers.emplace_back([&] {
      Status status = store->Read([&](Txn& txn) -> Status {
        COGSYNC_RETURN_IF_ERROR(txn.CountPools());
        holding.count_down();
        release.wait();
        return OkStatus();
      });
      EXPECT_TRUE(status.ok());
    });
  }
  holding.arrive_and_wait();
  Status starved = store->Read(Touch);
  ASSERT_FALSE(starved.ok());
  EXPECT_EQ(starved.error().code(), "ServiceUnavailableException");
  std::string database = url.substr(url.rfind('/') + 1);
  EXPECT_EQ(SqlInt(url, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" + database +
                            "' AND application_name = 'cogsync'"),
            2);
  release.count_down();
  for (auto& reader : readers) reader.join();
  EXPECT_TRUE(store->Read(Touch).ok());
}

// The database goes away while serving: calls answer ServiceUnavailable (HTTP 503) instead of
// crashing or hanging, and the store recovers by itself when the database is back.
TEST(PostgresStoreTest, OutageAnswersUnavailableAndRecovers) {
  if (PostgresServer::SkipRequested()) GTEST_SKIP() << "COGSYNC_SKIP_POSTGRES_TESTS=1";
  std::string error;
  auto server = PostgresServer::Start(&error);  // its own server: this test stops it
  ASSERT_NE(server, nullptr) << error;
  std::string url = server->CreateDatabase(&error);
  ASSERT_FALSE(url.empty()) << error;
  PostgresOptions options;
  options.url = url;
  options.pool_size = 3;
  options.connect_timeout_seconds = 2;
  auto store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write([](Txn& txn) { return txn.PutSecret("before", "1"); }).ok());

  ASSERT_TRUE(server->Stop(&error)) << error;
  for (int n = 0; n < 3; ++n) {
    Status write = store->Write([](Txn& txn) { return txn.PutSecret("during", "x"); });
    ASSERT_FALSE(write.ok());
    EXPECT_EQ(write.error().code(), "ServiceUnavailableException");
    Status read = store->Read(Touch);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), "ServiceUnavailableException");
  }

  ASSERT_TRUE(server->Restart(&error)) << error;
  Status write = store->Write([](Txn& txn) { return txn.PutSecret("after", "2"); });
  EXPECT_TRUE(write.ok()) << write.error().ToString();
  Status read = store->Read([](Txn& txn) -> Status {
    EXPECT_EQ(**txn.GetSecret("before"), "1");
    EXPECT_EQ(**txn.GetSecret("after"), "2");
    EXPECT_FALSE(txn.GetSecret("during")->has_value());
    return OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_GT(store->Stats().reconnects, 0u);
}

}  // namespace
}  // namespace cogsync::store
