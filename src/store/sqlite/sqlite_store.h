#pragma once
// The embedded Store: one SQLite database in WAL mode. Reads run on a bounded pool of read
// connections, each Read() in its own deferred transaction (a consistent snapshot from its first
// read on); pools are also kept in memory as last committed (sqlite/pool_cache.h), so a read
// that needs only its pool takes no SQLite lock. Writes go through one writer thread that
// group-commits (see group_commit.h): every acknowledged Write() is fsync'd (synchronous=FULL,
// docs/decisions.md D24), and a burst of concurrent writes shares one fsync.
//
// Foreign keys are enforced immediately, so a write function must create parents before
// children (pool, identity, dataset, then records; identity before device, device before
// subscription); a row under a missing parent fails with InternalErrorException.
//
// A write function must not call Write() on the same store (it fails with InternalError rather
// than deadlock); calling Read() from it works but does not see the write's own changes.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "common/mutex.h"
#include "store/sql/pool_cache.h"
#include "store/store.h"

namespace cogsync::store {

namespace sqlite {
class Connection;
class GroupCommitter;
}  // namespace sqlite

struct SqliteOptions {
  std::string path;  // the database file; its directory is created if missing
  int read_connections = 8;
  int64_t cache_size_kib = 16384;  // page cache bound per connection (PRAGMA cache_size)
  int max_batch = 256;             // most write functions committed by one fsync
  bool synchronous_full = true;    // false only for benchmarks: NORMAL may lose the last commits
  // The server's store: refuse to open while another process holds the database this way (an
  // advisory lock on PATH.lock, held until Close). The pool cache relies on no other process
  // changing pools; short-lived tools (`cogsync keys`, `cogsync status`) open without it.
  bool exclusive = false;
};

struct SqliteStats {
  uint64_t batches = 0;  // transactions committed by the writer
  uint64_t items = 0;    // write functions in them; items / batches is the mean batch size
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database (mode 0600, as are its -wal and -shm files: they hold
  // secrets), applies pending schema migrations and starts the writer. Fails if the database
  // was written by a newer schema than this binary knows.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  // The registry's entry (store/registry.h): `sqlite:PATH`, read connections and page cache from
  // `config`, exclusive when `server`.
  static Result<StorePtr> OpenUrl(std::string_view url, const Config& config, bool server);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Read(const TxnFn& fn) override;
  Status Write(const TxnFn& fn) override;
  // True: this process holds the database (the server opens it exclusively), and every write goes
  // through the writer, which reports each batch's changes around its COMMIT.
  bool SetChangeObserver(ChangeObserver* observer) override;

  // Answers every write already queued, stops the writer and closes the connections once the
  // reads in progress return. Later Read()/Write() calls fail. Idempotent; the destructor calls it.
  void Close();

  SqliteStats Stats() const;
  // Copies the WAL into the database file and truncates it (PRAGMA wal_checkpoint(TRUNCATE)).
  // Fails if readers kept it from completing.
  Status Checkpoint();
  // An online, consistent copy of the database (VACUUM INTO from one snapshot) at `path`, which
  // must not exist; created 0600 and fsync'd. Writers go on meanwhile.
  Status BackupTo(const std::string& path);
  // Replaces the database at `path` with the copy at `backup` (made by BackupTo), after checking
  // the copy's integrity and schema version. Takes the server's lock on PATH.lock, so it refuses
  // while a server runs; the old database's -wal and -shm files are removed.
  static Status RestoreFrom(const std::string& backup, const std::string& path);
  // PRAGMA integrity_check: true when sqlite reports "ok".
  Result<bool> IntegrityCheck();
  // PRAGMA user_version of the open database.
  Result<int> SchemaVersion();

  // Test hook: the next `count` batch COMMITs fail (and roll back) as on a full disk.
  void FailNextCommitsForTesting(int count);

 private:
  SqliteStore() = default;
  sqlite::Connection* CheckoutReader() EXCLUDES(readers_mu_);
  void ReturnReader(sqlite::Connection* connection) EXCLUDES(readers_mu_);
  // Runs fn on a read connection, then ends the transaction fn opened, if any.
  Status WithReader(const std::function<Status(sqlite::Connection&)>& fn);

  int lock_fd_ = -1;  // SqliteOptions::exclusive: the open lock file, closed last
  sql::PoolCache pool_cache_;
  // Declared before committer_, so the writer thread stops before its connection closes.
  std::unique_ptr<sqlite::Connection> write_connection_;
  std::unique_ptr<sqlite::GroupCommitter> committer_;

  Mutex readers_mu_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<sqlite::Connection>> readers_ GUARDED_BY(readers_mu_);
  std::vector<sqlite::Connection*> idle_readers_ GUARDED_BY(readers_mu_);
  int leased_readers_ GUARDED_BY(readers_mu_) = 0;
  bool closed_ GUARDED_BY(readers_mu_) = false;
};

}  // namespace cogsync::store
