#include "store/sqlite/statement.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <mutex>
#include <utility>

namespace cogsync::store::sqlite {

ApiError StorageError(std::string_view context, int rc, std::string_view detail) {
  spdlog::error("storage error in {}: {} (sqlite code {}: {})", context, detail, rc,
                sqlite3_errstr(rc));
  // Clients get no SQL and no file names; the log line above has the details.
  return ApiError::InternalError("Internal storage error");
}

// ---- Statement ---------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::NoteBindResult(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_ == 0) {
    bind_error_ = rc;
    spdlog::error("binding parameter {} of \"{}\" failed: {}", index, sqlite3_sql(stmt_),
                  sqlite3_errstr(rc));
  }
}

namespace {
// sqlite binds a null pointer as SQL NULL; an empty (possibly default-constructed) view must
// stay the empty string.
const char* NonNullData(std::string_view value) {
  static const char kEmpty = 0;
  return value.data() != nullptr ? value.data() : &kEmpty;
}
}  // namespace

Statement& Statement::BindText(int index, std::string_view value) {
  NoteBindResult(sqlite3_bind_text64(stmt_, index, NonNullData(value), value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8),
                 index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view value) {
  const char* data = NonNullData(value);
  NoteBindResult(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT), index);
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::BindOptionalText(int index, const std::optional<std::string>& value) {
  return value.has_value() ? BindText(index, *value) : BindNull(index);
}

Statement& Statement::BindOptionalInt(int index, const std::optional<int64_t>& value) {
  return value.has_value() ? BindInt(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (bind_error_ != 0) {
    return StorageError("bind", bind_error_, sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->Error(rc, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  // Read the pointer before the size, as the sqlite documentation prescribes.
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

// ---- Connection --------------------------------------------------------------------------------

namespace {

// SQLite's memory statistics take a process-wide mutex on every allocation it makes, which the
// I/O threads then queue on; nothing here reads the statistics. Must precede sqlite3_initialize
// (the first open); if the library was already initialised the call is refused and harmless.
void ConfigureLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const Options& options) {
  ConfigureLibraryOnce();
  sqlite3* db = nullptr;
  // NOMUTEX: the store guarantees one thread per connection at a time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return ApiError::InternalError("cannot open database " + options.path + ": " + message);
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);

  std::string pragmas = "PRAGMA foreign_keys = ON;";
  pragmas +=
      options.synchronous_full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;";
  // Negative cache_size is in KiB, bounding memory per connection whatever the page size.
  pragmas += "PRAGMA cache_size = -" + std::to_string(options.cache_size_kib) + ";";
  if (options.query_only) pragmas += "PRAGMA query_only = ON;";
  char* error = nullptr;
  rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return ApiError::InternalError("cannot configure database " + options.path + ": " + message);
  }
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql, std::string_view context) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string detail = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    return StorageError(context, rc, detail);
  }
  return OkStatus();
}

const sql::Dialect& SqliteDialect() {
  static constexpr sql::Dialect kDialect{
      .name = "sqlite",
      .dollar_parameters = false,
      .false_literal = "0",
      .true_literal = "1",
      .boolean_columns = false,
      .greatest = "MAX",
      .for_update = "",  // the single writer connection already serialises writers
      .index_hints = true,
      .text_list_args = false,
      .clustered_tables = true,
      .integer_type = "INTEGER",
      .boolean_type = "INTEGER",
      .blob_type = "BLOB",
      .key_collation = "",  // SQLite compares text bytewise (BINARY) already
  };
  return kDialect;
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    std::string text = sql::Render(SqliteDialect(), sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return StorageError("prepare", rc, std::string(sqlite3_errmsg(db_)) + " in: " + text);
    }
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(this, it->second);
}

bool Connection::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

ApiError Connection::Error(int rc, std::string_view context) const {
  return StorageError(context, rc, sqlite3_errmsg(db_));
}

}  // namespace cogsync::store::sqlite
