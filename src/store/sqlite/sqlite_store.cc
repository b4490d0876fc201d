#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "common/private_files.h"
#include "store/sql/sql_txn.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_session.h"
#include "store/sqlite/statement.h"

namespace cogsync::store {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr mode_t kSecretFileMode = 0600;

// Creates the database file owner-only before sqlite opens it. sqlite gives the -wal and -shm
// files it creates later the database file's permissions, so this covers all three without
// touching the process-wide umask (other threads may be creating files).
Status PrepareDatabaseFile(const std::string& path) {
  std::filesystem::path file(path);
  if (file.has_parent_path()) {
    COGSYNC_RETURN_IF_ERROR(files::CreatePrivateDirectories(file.parent_path().string()));
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kSecretFileMode);
  if (fd < 0) {
    return ApiError::InternalError("cannot create database " + path + ": " + std::strerror(errno));
  }
  // An existing file keeps the mode it was created with; tighten it.
  int rc = ::fchmod(fd, kSecretFileMode);
  int saved_errno = errno;
  ::close(fd);
  if (rc != 0) {
    return ApiError::InternalError("cannot restrict permissions of " + path + ": " +
                                   std::strerror(saved_errno));
  }
  return OkStatus();
}

// The WAL side files may predate this process (left by a crash, created under another mode).
void RestrictSideFiles(const std::string& path) {
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    if (::chmod(side.c_str(), kSecretFileMode) != 0 && errno != ENOENT) {
      spdlog::warn("cannot restrict permissions of {}: {}", side, std::strerror(errno));
    }
  }
}

Status EnableWal(Connection& connection, const std::string& path) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("PRAGMA journal_mode = WAL"));
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  std::string mode = row ? stmt.Text(0) : "";
  if (mode != "wal") {
    return ApiError::InternalError("cannot switch " + path + " to WAL mode (journal mode is '" +
                                   mode + "')");
  }
  return OkStatus();
}

Status Control(Connection& connection, const char* sql) {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(sql));
  return stmt.Run();
}

// SqliteOptions::exclusive: an advisory lock on PATH.lock, released by the kernel however the
// process ends. Returns the open descriptor.
Result<int> LockDatabase(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kSecretFileMode);
  if (fd < 0) {
    return ApiError::InternalError("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved_errno = errno;
    ::close(fd);
    if (saved_errno == EWOULDBLOCK) {
      return ApiError::InternalError("the database " + path +
                                     " is in use by another cogsync server (" + lock_path +
                                     " is locked); one server owns a SQLite store, use "
                                     "PostgreSQL for several");
    }
    return ApiError::InternalError("cannot lock " + lock_path + ": " + std::strerror(saved_errno));
  }
  return fd;
}

}  // namespace

Result<StorePtr> SqliteStore::OpenUrl(std::string_view url, const Config& config, bool server) {
  SqliteOptions options;
  options.path = std::string(url.substr(url.find(':') + 1));
  options.read_connections = config.sqlite_read_connections;
  options.cache_size_kib = config.sqlite_cache_kib;
  options.exclusive = server;
  COGSYNC_ASSIGN_OR_RETURN(auto store, Open(options));
  return StorePtr(std::move(store));
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return ApiError::InternalError("the SQLite store needs a database file path");
  }
  COGSYNC_RETURN_IF_ERROR(PrepareDatabaseFile(options.path));

  Connection::Options connection_options;
  connection_options.path = options.path;
  connection_options.cache_size_kib = options.cache_size_kib;
  connection_options.synchronous_full = options.synchronous_full;

  std::unique_ptr<SqliteStore> store(new SqliteStore());
  if (options.exclusive) {
    COGSYNC_ASSIGN_OR_RETURN(store->lock_fd_, LockDatabase(options.path));
  }
  COGSYNC_ASSIGN_OR_RETURN(store->write_connection_, Connection::Open(connection_options));
  COGSYNC_RETURN_IF_ERROR(EnableWal(*store->write_connection_, options.path));
  COGSYNC_RETURN_IF_ERROR(sqlite::MigrateSchema(*store->write_connection_));
  RestrictSideFiles(options.path);

  connection_options.query_only = true;
  int readers = options.read_connections > 0 ? options.read_connections : 1;
  for (int i = 0; i < readers; ++i) {
    COGSYNC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                             Connection::Open(connection_options));
    MutexLock lock(store->readers_mu_);  // no other thread knows the store yet
    store->idle_readers_.push_back(reader.get());
    store->readers_.push_back(std::move(reader));
  }
  store->committer_ = std::make_unique<sqlite::GroupCommitter>(
      *store->write_connection_, options.max_batch, &store->pool_cache_);
  return store;
}

SqliteStore::~SqliteStore() {
  Close();
  committer_.reset();
  write_connection_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void SqliteStore::Close() {
  if (committer_) committer_->Stop();
  MutexLock lock(readers_mu_);
  closed_ = true;
  while (leased_readers_ != 0) reader_returned_.wait(lock.native());
  idle_readers_.clear();
  readers_.clear();
}

Status SqliteStore::Write(const TxnFn& fn) { return committer_->Submit(fn); }

bool SqliteStore::SetChangeObserver(ChangeObserver* observer) {
  committer_->SetChangeObserver(observer);
  return true;
}

sqlite::Connection* SqliteStore::CheckoutReader() {
  MutexLock lock(readers_mu_);
  while (!closed_ && idle_readers_.empty()) reader_returned_.wait(lock.native());
  if (closed_) return nullptr;
  Connection* connection = idle_readers_.back();
  idle_readers_.pop_back();
  ++leased_readers_;
  return connection;
}

void SqliteStore::ReturnReader(sqlite::Connection* connection) {
  {
    MutexLock lock(readers_mu_);
    idle_readers_.push_back(connection);
    --leased_readers_;
  }
  // notify_all: both waiting readers and a Close() waiting for the last lease listen here.
  reader_returned_.notify_all();
}

Status SqliteStore::WithReader(const std::function<Status(sqlite::Connection&)>& fn) {
  Connection* connection = CheckoutReader();
  if (connection == nullptr) return ApiError::InternalError("store is closed");
  Status result = CallGuarded([&] { return fn(*connection); });
  if (!connection->InAutocommit()) {
    // Nothing was written, so COMMIT and ROLLBACK are the same: both end the snapshot.
    Status ended = Control(*connection, "COMMIT");
    if (!ended.ok()) {
      (void)Control(*connection, "ROLLBACK");
      if (result.ok()) result = ended;
    }
  }
  ReturnReader(connection);
  return result;
}

Status SqliteStore::Read(const TxnFn& fn) {
  return WithReader([this, &fn](Connection& connection) {
    sqlite::SqliteSession session(connection, /*begin_on_first_statement=*/true);
    sql::SqlTxn txn(session, /*writable=*/false, &pool_cache_);
    return fn(txn);
  });
}

SqliteStats SqliteStore::Stats() const {
  sqlite::GroupCommitStats stats = committer_->Stats();
  return SqliteStats{stats.batches, stats.items};
}

void SqliteStore::FailNextCommitsForTesting(int count) {
  committer_->FailNextCommitsForTesting(count);
}

namespace {

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    return ApiError::InternalError("cannot fsync " + path + ": " + std::strerror(saved));
  }
  ::close(fd);
  return OkStatus();
}

std::string DirectoryOf(const std::string& path) {
  std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  return parent.string();
}

// Copies through a descriptor opened 0600, so the copy is never readable by others.
Status CopySecretFile(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return ApiError::InvalidParameter("cannot open " + from + ": " + std::strerror(errno));
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kSecretFileMode);
  if (out < 0) {
    int saved = errno;
    ::close(in);
    return ApiError::InternalError("cannot create " + to + ": " + std::strerror(saved));
  }
  std::vector<char> buf(1 << 20);
  Status status = OkStatus();
  while (status.ok()) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0)
        status = ApiError::InternalError("cannot read " + from + ": " + std::strerror(errno));
      break;
    }
    for (ssize_t off = 0; off < n && status.ok();) {
      ssize_t w = ::write(out, buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0)
        status = ApiError::InternalError("cannot write " + to + ": " + std::strerror(errno));
      if (w > 0) off += w;
    }
  }
  if (status.ok() && ::fsync(out) != 0) {
    status = ApiError::InternalError("cannot fsync " + to + ": " + std::strerror(errno));
  }
  ::close(in);
  ::close(out);
  return status;
}

}  // namespace

Status SqliteStore::BackupTo(const std::string& path) {
  // Refuse to overwrite anything, and create the copy owner-only: it holds the server's secrets.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kSecretFileMode);
  if (fd < 0) {
    return ApiError::InvalidParameter("cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  Status status = WithReader([&](Connection& connection) -> Status {
    // Read connections are query_only, which VACUUM INTO counts as a write; the copy is a
    // separate file, the database itself is only read.
    COGSYNC_RETURN_IF_ERROR(connection.Exec("PRAGMA query_only = 0", "backup"));
    Status copied = [&]() -> Status {
      COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("VACUUM INTO ?1"));
      stmt.BindText(1, path);
      return stmt.Run();
    }();
    Status restored = connection.Exec("PRAGMA query_only = 1", "backup");
    return copied.ok() ? restored : copied;
  });
  if (status.ok()) status = FsyncPath(path, O_RDONLY);
  if (status.ok()) status = FsyncPath(DirectoryOf(path), O_RDONLY | O_DIRECTORY);
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

Status SqliteStore::RestoreFrom(const std::string& backup, const std::string& path) {
  // Check the copy first, on a private copy so that sqlite never writes into the backup file.
  const std::string staged = path + ".restoring";
  COGSYNC_RETURN_IF_ERROR(PrepareDatabaseFile(path));
  COGSYNC_ASSIGN_OR_RETURN(int lock_fd, LockDatabase(path));
  Status status = CopySecretFile(backup, staged);
  if (status.ok()) {
    // The connection closes at the end of this lambda, before the file is moved.
    status = [&]() -> Status {
      Connection::Options options;
      options.path = staged;
      COGSYNC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(options));
      COGSYNC_ASSIGN_OR_RETURN(int version, sqlite::ReadSchemaVersion(*connection));
      if (version < 1 || version > sqlite::LatestSchemaVersion()) {
        return ApiError::InvalidParameter(
            backup + " is not a cogsync backup this version can restore (schema version " +
            std::to_string(version) + ", supported 1 to " +
            std::to_string(sqlite::LatestSchemaVersion()) + ")");
      }
      COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection->Prepare("PRAGMA integrity_check"));
      COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row || stmt.Text(0) != "ok") {
        return ApiError::InvalidParameter(backup + " fails its integrity check");
      }
      return OkStatus();  // closing the connection folds its (empty) WAL back and removes it
    }();
  }
  if (status.ok()) {
    for (const char* side : {"-wal", "-shm"}) ::unlink((staged + side).c_str());
    for (const char* side : {"-wal", "-shm"}) ::unlink((path + side).c_str());
    if (::rename(staged.c_str(), path.c_str()) != 0) {
      status = ApiError::InternalError("cannot move the restored database into place: " +
                                       std::string(std::strerror(errno)));
    }
  }
  if (status.ok()) status = FsyncPath(DirectoryOf(path), O_RDONLY | O_DIRECTORY);
  if (!status.ok()) {
    for (const char* side : {"", "-wal", "-shm"}) ::unlink((staged + side).c_str());
  }
  ::close(lock_fd);
  return status;
}

Status SqliteStore::Checkpoint() {
  return committer_->RunExclusive([](Connection& connection) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
    // Row: (busy, wal frames, frames checkpointed); busy = 1 means readers blocked it.
    if (!row || stmt.Int(0) != 0) {
      return ApiError::InternalError("checkpoint could not complete: database busy");
    }
    return OkStatus();
  });
}

Result<bool> SqliteStore::IntegrityCheck() {
  bool ok = false;
  Status status = WithReader([&ok](Connection& connection) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare("PRAGMA integrity_check"));
    int rows = 0;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      std::string line = stmt.Text(0);
      ok = rows == 0 && line == "ok";
      if (line != "ok") spdlog::error("integrity check: {}", line);
      ++rows;
    }
    ok = ok && rows == 1;
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  return ok;
}

Result<int> SqliteStore::SchemaVersion() {
  int version = 0;
  Status status = WithReader([&version](Connection& connection) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(version, sqlite::ReadSchemaVersion(connection));
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  return version;
}

}  // namespace cogsync::store
