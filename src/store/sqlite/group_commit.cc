#include "store/sqlite/group_commit.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <optional>
#include <utility>

#include "store/sql/sql_txn.h"
#include "store/sqlite/sqlite_session.h"

namespace cogsync::store::sqlite {
namespace {

// Runs a fixed control statement (BEGIN, SAVEPOINT, ...) through the statement cache.
Status Control(Connection& connection, const char* sql) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(sql));
  return stmt.Run();
}

// The committer whose writer thread this is, if any: a write function calling Write() on its own
// store would otherwise wait for itself forever.
thread_local const GroupCommitter* current_writer = nullptr;

}  // namespace

GroupCommitter::GroupCommitter(Connection& connection, int max_batch, sql::PoolCache* cache)
    : connection_(connection),
      max_batch_(static_cast<size_t>(max_batch > 0 ? max_batch : 1)),
      cache_(cache) {
  sqlite3_commit_hook(connection_.handle(), &GroupCommitter::CommitHook, this);
  writer_ = std::thread([this] { WriterLoop(); });
}

int GroupCommitter::CommitHook(void* self) {
  // Non-zero turns the COMMIT into a rollback that reports an error.
  auto* committer = static_cast<GroupCommitter*>(self);
  int remaining = committer->failing_commits_.load();
  while (remaining > 0) {
    if (committer->failing_commits_.compare_exchange_weak(remaining, remaining - 1)) return 1;
  }
  return 0;
}

GroupCommitter::~GroupCommitter() {
  Stop();
  sqlite3_commit_hook(connection_.handle(), nullptr, nullptr);
}

Status GroupCommitter::Submit(const Store::TxnFn& fn) {
  if (current_writer == this) {
    spdlog::error("Write() called from inside a write function of the same store");
    return ApiError::InternalError("Internal error");
  }
  std::future<Status> result;
  {
    MutexLock lock(mu_);
    if (stopping_) return ApiError::InternalError("store is closed");
    queue_.push_back(Item{&fn, std::promise<Status>()});
    result = queue_.back().done.get_future();
  }
  wake_.notify_one();
  return result.get();
}

Status GroupCommitter::RunExclusive(const std::function<Status(Connection&)>& fn) {
  MutexLock lock(connection_mu_);
  return fn(connection_);
}

void GroupCommitter::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  MutexLock lock(stop_mu_);
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

GroupCommitStats GroupCommitter::Stats() const {
  MutexLock lock(mu_);
  return stats_;
}

void GroupCommitter::WriterLoop() {
  current_writer = this;
  while (true) {
    std::vector<Item> batch;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) wake_.wait(lock.native());
      if (queue_.empty()) return;  // stopping, and everything queued has been answered
      // Whatever queued up while the previous batch was committing forms the next batch.
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

Status GroupCommitter::RunItem(const Store::TxnFn& fn, ChangeSet& changes) {
  COGSYNC_RETURN_IF_ERROR(Control(connection_, "SAVEPOINT write_item"));
  SqliteSession session(connection_, /*begin_on_first_statement=*/false);
  sql::SqlTxn txn(session, /*writable=*/true, cache_);  // only stores its arguments
  txn.set_changes(&changes);
  Status result = CallGuarded([&] { return fn(txn); });
  if (connection_.InAutocommit()) return result;  // sqlite already rolled everything back

  if (result.ok()) {
    Status released = Control(connection_, "RELEASE write_item");
    if (released.ok()) return result;
    result = released;
  }
  // Undo this item's writes only. If even that fails its writes may still be in the
  // transaction, so drop the whole transaction; RunBatch sees autocommit and fails the segment.
  Status undone = Control(connection_, "ROLLBACK TO write_item");
  if (undone.ok()) undone = Control(connection_, "RELEASE write_item");
  if (!undone.ok()) (void)Control(connection_, "ROLLBACK");
  return result;
}

void GroupCommitter::RunBatch(std::vector<Item>& batch) {
  std::vector<std::optional<Status>> results(batch.size());
  uint64_t committed_items = 0;
  uint64_t committed_batches = 0;
  ChangeSet changes;
  ChangeObserver* observer = observer_.load(std::memory_order_acquire);
  bool reported = false;  // Changing() was called, so Changed() must be
  {
    MutexLock connection_lock(connection_mu_);
    // A segment is the run of items in the currently open transaction. Normally the whole batch
    // is one segment; a storage failure that makes sqlite abort the transaction mid-batch ends
    // a segment (its items all fail) and the remaining items start a new one.
    size_t segment_start = 0;
    bool in_transaction = false;
    auto fail_segment = [&](size_t end, const ApiError& error) {
      for (size_t j = segment_start; j < end; ++j) results[j] = error;
    };
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!in_transaction) {
        Status begun = Control(connection_, "BEGIN IMMEDIATE");
        if (!begun.ok()) {
          results[i] = begun;
          continue;
        }
        in_transaction = true;
        segment_start = i;
      }
      results[i] = RunItem(*batch[i].fn, changes);
      if (connection_.InAutocommit()) {
        spdlog::error("write transaction aborted by storage; failing {} write(s)",
                      i + 1 - segment_start);
        fail_segment(i + 1, ApiError::InternalError("Internal storage error"));
        in_transaction = false;
      }
    }
    if (in_transaction) {
      // What the batch changed stops being served from memory before any reader can see it.
      if (observer != nullptr && !changes.empty()) {
        observer->Changing(changes);
        reported = true;
      }
      Status committed = Control(connection_, "COMMIT");
      if (committed.ok()) {
        committed_batches = 1;
        committed_items = batch.size() - segment_start;
      } else {
        // Disk full, I/O error: nothing of this segment is durable. Roll back so the connection
        // is clean for the next batch (which succeeds once the cause is gone).
        if (!connection_.InAutocommit()) (void)Control(connection_, "ROLLBACK");
        fail_segment(batch.size(), committed.error());
      }
    }
  }
  // The transaction is over (committed or rolled back): pools it changed leave the cache before
  // any caller hears of the write.
  if (cache_ != nullptr) cache_->InvalidateIfWritten();
  if (reported) observer->Changed(changes);
  {
    MutexLock lock(mu_);
    stats_.batches += committed_batches;
    stats_.items += committed_items;
  }
  // Answer only now: every acknowledged write above is durable.
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(*results[i]));
}

}  // namespace cogsync::store::sqlite
