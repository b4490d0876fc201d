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
Outcome Attempt(Connection& connection, const Store::TxnFn& fn, bool write) {
  connection.ClearFailure();
  Status begun = connection.Exec(write ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                       : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                 "begin");
  if (!begun.ok()) {
    // Nothing ran: a session that died while idle is simply replaced.
    bool lost = connection.failure().has_value() && connection.failure()->connection_lost;
    return Outcome{begun, lost};
  }
  postgres::PgSession session(connection);
  sql::SqlTxn txn(session, write, /*cache=*/nullptr);
  Status result = CallGuarded([&] { return fn(txn); });

  if (connection.failure().has_value()) {
    Failure failure = *connection.failure();
    if (connection.InTransaction() && !connection.Broken()) {
      (void)connection.Exec("ROLLBACK", "rollback");
    }
    // Not committed, so running fn again is safe (its contract: no effects outside the Txn).
    if (postgres::IsRetryable(failure) || failure.connection_lost) {
      return Outcome{FinalError(failure), true};
    }
    return Outcome{FinalError(failure), false};
  }
  if (!result.ok()) {
    (void)connection.Exec("ROLLBACK", "rollback");
    return Outcome{result, false};
  }
  Status committed = connection.Exec("COMMIT", "commit");
  if (!committed.ok()) {
    Failure failure = connection.failure().value_or(Failure{});
    // A serialisation failure at COMMIT rolled everything back: safe to re-run. A session lost
    // during COMMIT leaves the outcome unknown: not replayed.
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
  returned_.notify_all();
  while (leased_ != 0) returned_.wait(lock.native());
  idle_.clear();
  sessions_.clear();
}

Result<PostgresStore::Lease> PostgresStore::Checkout() {
  Lease lease;
  {
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.checkout_timeout;
    while (!closed_ && idle_.empty() &&
           returned_.wait_until(lock.native(), deadline) == std::cv_status::no_timeout) {
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
  {
    MutexLock lock(mu_);
    idle_.push_back(lease.slot);
    --leased_;
  }
  // notify_all: callers waiting for a session and a Close() waiting for the last lease.
  returned_.notify_all();
}

Status PostgresStore::RunTransaction(const TxnFn& fn, bool write) {
  for (int attempt = 1;; ++attempt) {
    COGSYNC_ASSIGN_OR_RETURN(Lease lease, Checkout());
    const PostgresStore* outer = t_writing;
    if (write) t_writing = this;
    Outcome outcome = Attempt(*lease.connection, fn, write);
    t_writing = outer;
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
  return PostgresStats{commits_.load(), retries_.load(), reconnects_.load()};
}

Result<int> PostgresStore::SchemaVersion() {
  COGSYNC_ASSIGN_OR_RETURN(Lease lease, Checkout());
  auto version = postgres::ReadSchemaVersion(*lease.connection);
  lease.connection->ClearFailure();
  Return(lease);
  return version;
}

}  // namespace cogsync::store
