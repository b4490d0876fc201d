#include "store/postgres/pg_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>
#include <utility>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_session.h"
#include "store/sql/sql_txn.h"

namespace cogsync::store {
namespace {

using postgres::Connection;
using postgres::Failure;

constexpr const char* kStorageError = "Internal storage error";
constexpr const char* kUnavailable = "storage unavailable";

// The store whose write function this thread is running, to refuse a nested Write().
thread_local const PostgresStore* t_writing = nullptr;

// How one attempt of a transaction ended: its answer, or "run it again".
struct Outcome {
  Status status;
  bool retry = false;
};

// The answer for a failure that will not be retried.
ApiError FinalError(const Failure& failure) {
  if (failure.connection_lost) return ApiError::ServiceUnavailable(kUnavailable);
  return ApiError::InternalError(kStorageError);
}

// One run of fn in its own transaction. Storage failures are classified here, once: the first
// failed statement of the attempt decides (later ones only echo "transaction aborted").
//
// Round trips (Connection's pipeline): BEGIN goes with fn's first statement; fn's writes are
// queued and go with its next query or with the COMMIT; a read-only transaction's COMMIT, and
// any ROLLBACK, are not waited for (their answers are read with the session's next exchange).
Outcome Attempt(Connection& connection, const Store::TxnFn& fn, bool write) {
  connection.ClearFailure();
  Status begun = connection.Send(write ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                       : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                 {}, "begin");
  if (!begun.ok()) {
    // Nothing ran: a session that died while idle is simply replaced.
    bool lost = connection.failure().has_value() && connection.failure()->connection_lost;
    return Outcome{begun, lost};
  }
  postgres::PgSession session(connection);
  sql::SqlTxn txn(session, write, /*cache=*/nullptr);
  Status result = CallGuarded([&] { return fn(txn); });
  // fn's own error after queued writes: their answers first, as if each had been waited for (a
  // serialisation failure among them makes the attempt run again rather than answer).
  if (!result.ok() && !connection.failure().has_value()) (void)connection.Sync();

  if (connection.failure().has_value()) {
    Failure failure = *connection.failure();
    if (!connection.Broken()) connection.EndWithoutWaiting("ROLLBACK");
    // Not committed, so running fn again is safe (its contract: no effects outside the Txn).
    if (postgres::IsRetryable(failure) || failure.connection_lost) {
      return Outcome{FinalError(failure), true};
    }
    return Outcome{FinalError(failure), false};
  }
  if (!result.ok()) {
    connection.EndWithoutWaiting("ROLLBACK");
    return Outcome{result, false};
  }
  if (!write) {
    // Everything fn read is in hand and nothing can fail at the end of a read-only transaction.
    connection.EndWithoutWaiting("COMMIT");
    return Outcome{OkStatus(), false};
  }
  Status committed = connection.Commit();
  if (!committed.ok()) {
    Failure failure = connection.failure().value_or(Failure{});
    // A queued write that failed left the transaction open (aborted): end it.
    if (!connection.Broken()) connection.EndWithoutWaiting("ROLLBACK");
    // A serialisation failure at or before COMMIT rolled everything back: safe to re-run. A
    // session lost while the COMMIT was on its way leaves the outcome unknown: not replayed.
    return Outcome{FinalError(failure), postgres::IsRetryable(failure)};
  }
  return Outcome{OkStatus(), false};
}

// Jittered exponential backoff: 5 ms doubling up to 200 ms, each sleep 50%-150% of that, so
// transactions that collided do not collide again in lockstep.
void Backoff(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  int64_t base_us = std::min<int64_t>(5000LL << std::min(attempt - 1, 6), 200000);
  std::uniform_int_distribution<int64_t> jitter(base_us / 2, base_us * 3 / 2);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(random)));
}

}  // namespace

PostgresStore::PostgresStore(const PostgresOptions& options) : options_(options) {
  options_.pool_size = std::max(options_.pool_size, 1);
  options_.max_attempts = std::max(options_.max_attempts, 1);
}

Result<StorePtr> PostgresStore::OpenUrl(std::string_view url, const Config& config,
                                        bool /*server*/) {
  PostgresOptions options;
  options.url = std::string(url);
  options.pool_size = config.postgres_pool_size;
  COGSYNC_ASSIGN_OR_RETURN(auto store, Open(options));
  return StorePtr(std::move(store));
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  if (options.url.empty()) return ApiError::InvalidParameter("the PostgreSQL store needs a URL");
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  auto first = Connection::Open(options.url, options.connect_timeout_seconds);
  if (!first.ok()) return first.error();
  COGSYNC_RETURN_IF_ERROR(
      postgres::MigrateSchema(**first, store->options_.migration_advisory_lock));
  MutexLock lock(store->mu_);  // no other thread knows the store yet; the analysis wants it
  store->sessions_.resize(static_cast<size_t>(store->options_.pool_size));
  store->sessions_[0] = std::move(first).value();
  for (size_t slot = store->sessions_.size(); slot-- > 0;) store->idle_.push_back(slot);
  return store;
}

PostgresStore::~PostgresStore() { Close(); }

void PostgresStore::Close() {
  MutexLock lock(mu_);
  closed_ = true;
  session_free_.notify_all();  // every waiting Checkout fails now
  while (leased_ != 0) drained_.wait(lock.native());
  idle_.clear();
  sessions_.clear();
}

Result<PostgresStore::Lease> PostgresStore::Checkout() {
  Lease lease;
  {
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.checkout_timeout;
    while (!closed_ && idle_.empty() &&
           session_free_.wait_until(lock.native(), deadline) == std::cv_status::no_timeout) {
    }
    const bool ready = closed_ || !idle_.empty();
    if (closed_) return ApiError::InternalError("store is closed");
    if (!ready) {
      spdlog::warn("postgres: no free session within {} ms", options_.checkout_timeout.count());
      return ApiError::ServiceUnavailable(kUnavailable);
    }
    lease.slot = idle_.back();
    idle_.pop_back();
    ++leased_;
    lease.connection = sessions_[lease.slot].get();
    // Sessions left and a wake-up this caller may have taken from another waiter: pass it on.
    if (!idle_.empty()) session_free_.notify_one();
  }
  // Connecting happens outside the lock: the slot is ours alone until Return.
  Status usable = OkStatus();
  if (lease.connection == nullptr) {
    auto opened = Connection::Open(options_.url, options_.connect_timeout_seconds);
    if (opened.ok()) {
      MutexLock lock(mu_);
      sessions_[lease.slot] = std::move(opened).value();
      lease.connection = sessions_[lease.slot].get();
    } else {
      usable = opened.error();
    }
  } else if (lease.connection->Broken()) {
    ++reconnects_;
    usable = lease.connection->Reconnect();
  }
  if (!usable.ok()) {
    Return(lease);
    return ApiError::ServiceUnavailable(kUnavailable);
  }
  return lease;
}

void PostgresStore::Return(const Lease& lease) {
  bool last = false;
  {
    MutexLock lock(mu_);
    idle_.push_back(lease.slot);
    --leased_;
    last = closed_ && leased_ == 0;
  }
  // One session, one waiter: waking them all (tens of request threads when the pool is busy)
  // would send all but one back to sleep, a futex storm per transaction.
  session_free_.notify_one();
  if (last) drained_.notify_all();  // the Close() waiting for the last lease
}

Status PostgresStore::RunTransaction(const TxnFn& fn, bool write) {
  for (int attempt = 1;; ++attempt) {
    COGSYNC_ASSIGN_OR_RETURN(Lease lease, Checkout());
    const PostgresStore* outer = t_writing;
    if (write) t_writing = this;
    Outcome outcome = Attempt(*lease.connection, fn, write);
    t_writing = outer;
    round_trips_ += lease.connection->TakeRoundTrips();
    Return(lease);
    if (!outcome.retry) {
      if (write && outcome.status.ok()) ++commits_;
      return outcome.status;
    }
    if (attempt >= options_.max_attempts) {
      spdlog::error("postgres: transaction still failing after {} attempts", attempt);
      return outcome.status;
    }
    ++retries_;
    Backoff(attempt);
  }
}

Status PostgresStore::Read(const TxnFn& fn) { return RunTransaction(fn, /*write=*/false); }

Status PostgresStore::Write(const TxnFn& fn) {
  if (t_writing == this) {
    return ApiError::InternalError("Write() called from inside a write function");
  }
  return RunTransaction(fn, /*write=*/true);
}

PostgresStats PostgresStore::Stats() const {
  return PostgresStats{commits_.load(), retries_.load(), reconnects_.load(), round_trips_.load()};
}

Result<int> PostgresStore::SchemaVersion() {
  COGSYNC_ASSIGN_OR_RETURN(Lease lease, Checkout());
  auto version = postgres::ReadSchemaVersion(*lease.connection);
  lease.connection->ClearFailure();
  Return(lease);
  return version;
}

}  // namespace cogsync::store
