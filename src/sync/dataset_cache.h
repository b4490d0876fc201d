#pragma once
// Reads from memory: the visible records of recently read datasets, in key order, shared by
// every request thread and bounded in bytes (config `dataset_cache_mib`; 0 turns it off).
//
// Coherent without invalidation hooks. An entry carries the version of the dataset row it was
// read with (SyncCount, creation and modification times, count at the last deletion). Every
// ListRecords reads the dataset row anyway, in its own transaction, and uses an entry only when
// that row's version is the entry's; everything in the server that changes a dataset's records
// (UpdateRecords, DeleteDataset, a merge, the reclaim of a deleted revision's invisible rows)
// writes the row with a new SyncCount and modification time (D14, D17), or changes only rows no
// reader sees, so the entry is passed over and dropped. An entry is filled from the same
// transaction that read the version, so it never holds rows newer or older than its version.
//
// The server uses it on SQLite only, where it holds the store alone (imports and restores need the
// server stopped). A PostgreSQL store is shared with other nodes and with `cogsync import
// --on-conflict replace`, which can put back a dataset at the very version a node has cached but
// with other records; there ListRecords always reads the database (cli/app.cc).
//
// Thread safety: every method may be called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "store/types.h"

namespace cogsync::sync {

class DatasetCache {
 public:
  struct Version {
    int64_t sync_count = 0;
    int64_t created_ms = 0;
    int64_t modified_ms = 0;
    int64_t last_deleted_at = 0;
    bool operator==(const Version&) const = default;
  };
  static Version VersionOf(const store::Dataset& dataset);

  // A dataset's visible records in key order, shared with the cache (never changed once made).
  using Records = std::shared_ptr<const std::vector<store::Record>>;

  explicit DatasetCache(size_t max_bytes);
  DatasetCache(const DatasetCache&) = delete;
  DatasetCache& operator=(const DatasetCache&) = delete;

  bool enabled() const { return max_bytes_ > 0; }
  // The records cached for the dataset at exactly this version, or null (a miss; an entry of
  // another version is dropped).
  Records Find(std::string_view identity_id, std::string_view name, const Version& version)
      EXCLUDES(mu_);
  // Caches the records read at `version` (in key order) and returns them shared. A dataset
  // larger than an eighth of the budget is returned without being kept.
  Records Insert(std::string_view identity_id, std::string_view name, const Version& version,
                 std::vector<store::Record> records) EXCLUDES(mu_);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;  // dropped for room, or because their dataset changed
    size_t bytes = 0;
    size_t entries = 0;
  };
  Stats stats() const EXCLUDES(mu_);  // served at /metrics (cli/app.cc)

 private:
  struct Entry {
    std::string key;
    Version version;
    Records records;
    size_t bytes = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first

  static std::string Key(std::string_view identity_id, std::string_view name);
  void EraseLocked(Lru::iterator it) REQUIRES(mu_);

  const size_t max_bytes_;
  mutable Mutex mu_;
  Lru lru_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Lru::iterator> index_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace cogsync::sync
