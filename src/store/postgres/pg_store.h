#pragma once
// The shared Store: PostgreSQL through libpq, for running several cogsync nodes on one database
// (docs/scaling.md). Every node keeps its authoritative state here, secrets included, so a
// token, credential or NextToken minted by one node is accepted by all.
//
// Transactions:
//  - Read(): REPEATABLE READ READ ONLY, one consistent snapshot.
//  - Write(): SERIALIZABLE. A serialisation failure (40001) or deadlock (40P01) aborts the
//    attempt and the whole function runs again on a fresh transaction, up to max_attempts times
//    with jittered exponential backoff. Together with GetDataset(..., for_update) this makes two
//    updates built on the same SyncCount, from any nodes, end with exactly one winner: the other
//    is re-run, sees the new SyncCount and answers 409 itself. Commits are durable (the server's
//    synchronous_commit, on by default).
//
// Connections: a pool of pool_size sessions, opened lazily (one at Open to migrate the schema
// and prove the database reachable). A session found broken is reopened at its next checkout;
// while the database is unreachable calls fail fast with ServiceUnavailable (HTTP 503) and
// recover by themselves once it is back. A session lost mid-transaction before COMMIT retries
// the attempt on a fresh session; one lost during COMMIT answers ServiceUnavailable (the outcome
// is unknown, so it is not replayed).
//
// A write function must not call Write() on the same store from inside itself (it fails with
// InternalError rather than risk pool exhaustion); Read() from inside works but uses a second
// session and does not see the write's own changes.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "common/mutex.h"
#include "store/store.h"

namespace cogsync::store {

namespace postgres {
class Connection;
}  // namespace postgres

struct PostgresOptions {
  std::string url;  // postgresql://user:password@host:port/database?options
  int pool_size = 16;
  int connect_timeout_seconds = 5;
  // Runs of a write function before a serialisation failure is reported (InternalError).
  int max_attempts = 10;
  // How long a call waits for a free pooled session before ServiceUnavailable.
  std::chrono::milliseconds checkout_timeout{10000};
  // Serialise concurrent schema migrations with pg_advisory_xact_lock. CockroachDB has no
  // advisory locks: turn this off there (a lost migration race is then retried instead).
  bool migration_advisory_lock = true;
};

struct PostgresStats {
  uint64_t commits = 0;      // write transactions committed
  uint64_t retries = 0;      // attempts re-run after 40001/40P01 or a lost session
  uint64_t reconnects = 0;   // sessions reopened
  uint64_t round_trips = 0;  // waits for the server (Connection::TakeRoundTrips), all sessions
};

class PostgresStore final : public Store {
 public:
  // Connects, applies pending schema migrations and returns the store. Fails (ServiceUnavailable)
  // when the database cannot be reached, or when its schema is newer than this binary.
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);
  // The registry's entry (store/registry.h): the URL as given, the pool size from `config`.
  static Result<StorePtr> OpenUrl(std::string_view url, const Config& config, bool server);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  Status Read(const TxnFn& fn) override;
  Status Write(const TxnFn& fn) override;

  // Waits for calls in progress, then closes every session. Later calls fail. Idempotent.
  void Close() EXCLUDES(mu_);

  PostgresStats Stats() const;
  Result<int> SchemaVersion();

 private:
  explicit PostgresStore(const PostgresOptions& options);

  // A pooled session, leased for one transaction attempt. slot is its index in sessions_.
  struct Lease {
    postgres::Connection* connection = nullptr;
    size_t slot = 0;
  };
  Result<Lease> Checkout() EXCLUDES(mu_);
  void Return(const Lease& lease) EXCLUDES(mu_);
  Status RunTransaction(const TxnFn& fn, bool write);

  PostgresOptions options_;

  Mutex mu_;
  std::condition_variable session_free_;  // a session went idle (or the store closed)
  std::condition_variable drained_;       // the last lease came back after Close()
  std::vector<std::unique_ptr<postgres::Connection>> sessions_ GUARDED_BY(mu_);  // null: not open
  std::vector<size_t> idle_ GUARDED_BY(mu_);
  int leased_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> round_trips_{0};
};

}  // namespace cogsync::store
