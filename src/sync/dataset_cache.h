#pragma once
// Reads from memory: what ListRecords needs of recently read datasets (the identity's pool and
// state, the dataset row, its merge datasets' names and its visible records in key order), shared
// by every request thread and bounded in bytes (config `dataset_cache_mib`; 0 turns it off). A
// hit reads nothing from the store.
//
// Coherent because the store reports every change (store/changes.h): the cache is the store's
// change observer, and is only enabled when the store accepts one (SQLite and the model store,
// which this process alone writes; never PostgreSQL, which other nodes and online imports write:
// there ListRecords always reads the database). Every write of an identity's rows (UpdateRecords,
// DeleteDataset, merges, identity deletions, imports, the reclaim of old rows, a pool's deletion,
// anything else through Store::Write) names the identity, and:
// - Changing(), before the commit is visible, drops the identity's entries and marks its stripe
//   (a hash of the identity id) busy: no entry of the stripe is served or kept while it is;
// - Changed(), after the commit, moves the stripe's epoch on and clears the mark.
// A reader that misses takes a Ticket (the stripe's epoch) BEFORE it reads the store, and Insert
// keeps what it read only if the stripe was neither busy nor moved on since: a snapshot read
// before a commit is never kept after that commit was reported. So once a write is acknowledged,
// no read is answered from an older state, and a read that saw a commit in the database never
// meets an older entry afterwards.
//
// Thread safety: every method may be called from any thread.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/string_map.h"
#include "store/changes.h"
#include "store/types.h"

namespace cogsync::sync {

class DatasetCache final : public store::ChangeObserver {
 public:
  // One dataset of one identity as last committed; never changed once made.
  struct Snapshot {
    std::string pool_id;  // the identity's pool
    bool identity_disabled = false;
    std::optional<store::Dataset> dataset;  // the row, also when deleted; none: never created
    std::vector<std::string> merged_names;  // D23: live datasets merged into this one, by name
    // The visible records in key order: each one's key, SyncCount and where its JSON (the Record
    // shape, encoded once) lies in `json`. Records follow each other there with commas between,
    // so a run of consecutive records is one copy into an answer.
    struct Record {
      std::string key;
      int64_t sync_count = 0;
      size_t begin = 0;
      size_t end = 0;
    };
    std::vector<Record> records;
    std::string json;
  };
  using SnapshotPtr = std::shared_ptr<const Snapshot>;
  // Taken by Find() before a reader reads the store; Insert() checks it.
  struct Ticket {
    size_t stripe = 0;
    uint64_t epoch = 0;
  };

  explicit DatasetCache(size_t max_bytes);
  DatasetCache(const DatasetCache&) = delete;
  DatasetCache& operator=(const DatasetCache&) = delete;

  bool enabled() const { return enabled_; }
  // Before any use: the store reports no changes, so nothing may be kept.
  void Disable() { enabled_ = false; }

  // The snapshot of the dataset, or null (a miss); `*ticket` is then what Insert() needs.
  SnapshotPtr Find(std::string_view identity_id, std::string_view name, Ticket* ticket)
      EXCLUDES(mu_);
  // Keeps a snapshot read from the store after Find() gave `ticket`, unless the identity's stripe
  // changed since (then the snapshot may be older than an acknowledged write). A snapshot larger
  // than an eighth of the budget is not kept.
  void Insert(std::string_view identity_id, std::string_view name, const Ticket& ticket,
              SnapshotPtr snapshot) EXCLUDES(mu_);

  // store::ChangeObserver, called by the store's writer.
  void Changing(const store::ChangeSet& changes) override EXCLUDES(mu_);
  void Changed(const store::ChangeSet& changes) override EXCLUDES(mu_);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;  // dropped for room, or because their identity changed
    size_t bytes = 0;
    size_t entries = 0;
  };
  Stats stats() const EXCLUDES(mu_);  // served at /metrics (cli/app.cc)

 private:
  static constexpr size_t kStripes = 256;
  struct Entry {
    std::string identity_id;
    std::string name;
    SnapshotPtr snapshot;
    size_t bytes = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first
  struct Stripe {
    uint64_t epoch = 0;
    int busy = 0;  // writes between Changing() and Changed()
  };

  static size_t StripeOf(std::string_view identity_id);
  static size_t BytesOf(const Snapshot& snapshot);
  Lru::iterator* FindLocked(std::string_view identity_id, std::string_view name) REQUIRES(mu_);
  void EraseLocked(Lru::iterator it) REQUIRES(mu_);
  void DropIdentityLocked(std::string_view identity_id) REQUIRES(mu_);
  void DropAllLocked() REQUIRES(mu_);

  const size_t max_bytes_;
  bool enabled_;  // set before the cache is shared
  mutable Mutex mu_;
  Lru lru_ GUARDED_BY(mu_);
  // identity -> its entries (a handful: D19 bounds the datasets of an identity)
  StringMap<std::vector<Lru::iterator>> by_identity_ GUARDED_BY(mu_);
  std::array<Stripe, kStripes> stripes_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace cogsync::sync
