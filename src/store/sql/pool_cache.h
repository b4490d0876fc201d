#pragma once
// Identity pools as last committed, kept in memory by the SQLite store. Nearly every request
// reads its pool (DescribeIdentityPool, GetId, every Cognito Sync call), pools change rarely, and
// one process owns the database file (SqliteOptions::exclusive), so the store can answer those
// reads without a SQLite read transaction. A cache hit costs a shared lock and a map probe; a
// read transaction costs the WAL read locks (fcntl system calls) and parsing seven JSON columns.
//
// Coherence, without ever serving a pool older than the last acknowledged write:
// - A write transaction that changes any pool calls MarkWritten(); the writer calls
//   InvalidateIfWritten() after its COMMIT (or ROLLBACK) and before answering any caller, which
//   empties the cache and moves the generation on. So once a write is acknowledged, no later
//   read finds the earlier version here.
// - A read transaction takes Generation() before its snapshot and offers what it read with that
//   generation; Put*() drops the offer if the generation has moved on since, because the
//   snapshot may predate a commit whose invalidation already ran.
// - The single writer may read from (and fill) the cache too, while its current transaction has
//   changed no pool (WrittenSinceCommit() false): the cache then holds exactly what the writer's
//   transaction sees, since every transaction that changed a pool emptied it before the writer
//   went on, and the generation moves only on the writer thread. Once its transaction changed a
//   pool, the writer reads pools with SQL until the cache is emptied: it must see its own
//   changes. So the writer shares the readers' pool snapshots, across batches, and parses no
//   pool per write. (Every process that writes pools holds the database exclusively: the server,
//   import and migrate; the tools opened beside a server never change or read pools in a write.)
//
// Thread-safe.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/string_map.h"
#include "store/types.h"

namespace cogsync::store::sql {

class PoolCache {
 public:
  // At most this many pools are kept, and the name list only while the store has no more.
  static constexpr size_t kMaxPools = 1024;

  uint64_t Generation() const;

  // The cached snapshot itself (shared, never copied), null when the pool is not cached.
  PoolPtr Get(std::string_view pool_id) const;
  // Offers a snapshot read at `generation`; kept (not copied) unless the cache moved on since.
  void Put(PoolPtr pool, uint64_t generation);

  // The page of ListPoolNames from the complete, ordered list of pool names, or nullopt when it
  // is not cached.
  std::optional<std::vector<PoolName>> Names(std::string_view after_id, int limit) const;
  // Offers the complete list (ordered by id). Above kMaxPools only the fact is kept: the store
  // then pages with SQL until the next invalidation, without reading the whole list again.
  void PutNames(std::vector<PoolName> all, uint64_t generation);
  bool TooManyNames() const;

  // A write transaction changed a pool (not yet committed).
  void MarkWritten() { written_.store(true, std::memory_order_relaxed); }
  // Whether a pool was changed since the last InvalidateIfWritten(): the writer's own question.
  bool WrittenSinceCommit() const { return written_.load(std::memory_order_relaxed); }
  // After the writer's COMMIT or ROLLBACK: forgets everything if a pool was written.
  void InvalidateIfWritten();

 private:
  mutable SharedMutex mu_;
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  StringMap<PoolPtr> pools_ GUARDED_BY(mu_);
  std::optional<std::vector<PoolName>> names_ GUARDED_BY(mu_);
  bool too_many_names_ GUARDED_BY(mu_) = false;
  std::atomic<bool> written_{false};
};

}  // namespace cogsync::store::sql
