#pragma once
// Group commit for SQLite's single write connection. Callers of Submit() block while one writer
// thread takes everything queued (up to max_batch), runs each function in its own SAVEPOINT of
// one BEGIN IMMEDIATE transaction, and COMMITs once: one fsync for the whole batch. Only after
// the commit is each caller answered with its own result, so an acknowledged write is durable
// (docs/decisions.md D24). A function's error (or exception) rolls back its savepoint alone; a
// failed COMMIT fails every function of the batch.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/mutex.h"
#include "store/sql/pool_cache.h"
#include "store/sqlite/statement.h"
#include "store/store.h"

namespace cogsync::store::sqlite {

struct GroupCommitStats {
  uint64_t batches = 0;  // committed transactions
  uint64_t items = 0;    // write functions in them (including those that returned an error)
};

class GroupCommitter {
 public:
  // Starts the writer thread. REQUIRES: `connection` (and `cache`, which may be null) outlive
  // this object, and nothing else uses the connection except through RunExclusive(). The writer
  // invalidates `cache` after each transaction that changed a pool, before answering its callers.
  GroupCommitter(Connection& connection, int max_batch, sql::PoolCache* cache);
  ~GroupCommitter();  // Stop()
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs fn in the next batch and returns its result once the batch is durable. Called from
  // inside a write function it fails at once (the writer would otherwise wait for itself).
  Status Submit(const Store::TxnFn& fn);

  // Runs fn on the write connection between batches, outside any transaction (checkpoints).
  Status RunExclusive(const std::function<Status(Connection&)>& fn);

  // Finishes everything already queued, then stops the writer; later Submit()s fail.
  void Stop();

  GroupCommitStats Stats() const;

  // From now on, each batch that changed identities, datasets or records is reported to
  // `observer` around its COMMIT (store/changes.h); null stops the reports.
  void SetChangeObserver(ChangeObserver* observer) {
    observer_.store(observer, std::memory_order_release);
  }

  // Test hook: the next `count` COMMITs fail and roll back, as a full disk would make them.
  void FailNextCommitsForTesting(int count) { failing_commits_.store(count); }

 private:
  struct Item {
    const Store::TxnFn* fn;
    std::promise<Status> done;
  };

  static int CommitHook(void* self);
  void WriterLoop();
  void RunBatch(std::vector<Item>& batch) EXCLUDES(connection_mu_, mu_);
  // Runs one item inside a savepoint of the open transaction; returns the item's result.
  // `changes` collects what the batch changes.
  Status RunItem(const Store::TxnFn& fn, ChangeSet& changes) REQUIRES(connection_mu_);

  // Used by the writer during a batch and by RunExclusive, each holding connection_mu_.
  Connection& connection_ GUARDED_BY(connection_mu_);
  const size_t max_batch_;
  sql::PoolCache* const cache_;

  mutable Mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  GroupCommitStats stats_ GUARDED_BY(mu_);

  Mutex connection_mu_;
  Mutex stop_mu_;  // serialises concurrent Stop() calls around the join
  std::atomic<int> failing_commits_{0};
  std::atomic<ChangeObserver*> observer_{nullptr};
  std::thread writer_ GUARDED_BY(stop_mu_);  // started by the constructor, joined by Stop()
};

}  // namespace cogsync::store::sqlite
