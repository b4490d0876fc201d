#pragma once
// Thin RAII layer over the sqlite3 C API: a Connection owns one database handle and a cache of
// prepared statements; a Statement borrows one cached statement for a single use and resets it
// when it goes out of scope. This file and its .cc are the only places that turn sqlite3 result
// codes into ApiErrors (logged in full, returned to clients as a generic storage error).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/string_map.h"
#include "store/sql/dialect.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cogsync::store::sqlite {

// How SQLite spells the hooks of the store's neutral statements (store/sql/dialect.h).
const sql::Dialect& SqliteDialect();

// Logs a storage failure with sqlite's own text and returns the error clients may see.
ApiError StorageError(std::string_view context, int rc, std::string_view detail);

class Connection;

// One use of a cached prepared statement. Bind errors are remembered and reported by the next
// Step()/Run(), so call sites can bind a row's columns without checking each one.
// Move-only; on destruction the statement is reset and its bindings cleared for the next user.
class Statement {
 public:
  Statement(Connection* connection, sqlite3_stmt* stmt) : connection_(connection), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL (?1, ?2, ...). Text is copied by sqlite.
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view value);
  Statement& BindInt(int index, int64_t value);
  Statement& BindNull(int index);
  Statement& BindOptionalText(int index, const std::optional<std::string>& value);
  Statement& BindOptionalInt(int index, const std::optional<int64_t>& value);

  // Advances to the next row: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done, for statements that return no rows.
  Status Run();

  // Columns are 0-based. REQUIRES: the last Step() returned true.
  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;  // also reads BLOBs; NULL reads as ""
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  void NoteBindResult(int rc, int index);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // first failing sqlite3_bind_* result code, 0 if none
};

// One sqlite3 database handle. Not thread-safe: a Connection is used by one thread at a time
// (the store hands read connections out exclusively and the writer thread owns the write one).
class Connection {
 public:
  struct Options {
    std::string path;
    int64_t cache_size_kib = 16384;
    bool synchronous_full = true;
    bool query_only = false;  // read connections refuse writes at the engine level too
    int busy_timeout_ms = 5000;
  };

  // Opens (creating if missing) and applies the per-connection pragmas. Errors name the path
  // and sqlite's message: they are reported to the operator at startup, not to clients.
  static Result<std::unique_ptr<Connection>> Open(const Options& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements that return no rows we need (DDL, BEGIN/COMMIT, pragmas).
  Status Exec(std::string_view sql, std::string_view context);
  // A cached prepared statement for `sql`, a neutral statement (store/sql/dialect.h) or plain
  // SQLite SQL: rendered and prepared once per connection (persistent), then found by its text.
  Result<Statement> Prepare(std::string_view sql);

  // True when no transaction is open (sqlite3_get_autocommit): after some storage failures
  // sqlite rolls the whole transaction back on its own, and the writer must notice.
  bool InAutocommit() const;
  // The error for `rc` on this connection, with sqlite's message logged.
  ApiError Error(int rc, std::string_view context) const;
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  StringMap<sqlite3_stmt*> cache_;  // by SQL text
};

// Steps a bound statement to completion, mapping each row with `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> CollectRows(Statement& stmt, ReadFn read) {
  std::vector<T> rows;
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    rows.push_back(read(stmt));
  }
}

// The first row mapped with `read`, or nullopt.
template <typename T, typename ReadFn>
Result<std::optional<T>> FirstRow(Statement& stmt, ReadFn read) {
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(stmt));
}

}  // namespace cogsync::store::sqlite
