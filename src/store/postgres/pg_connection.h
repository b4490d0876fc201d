#pragma once
// Thin RAII layer over libpq: a Connection owns one session and a cache of the statements it has
// prepared; Rows owns one result. This file and its .cc are the only places that read libpq
// status codes. A failed command is logged in full and remembered on the connection (SQLSTATE,
// whether the session is gone), so PostgresStore can decide once, at the end of a transaction,
// whether to retry it, report the storage as unavailable, or fail it. Clients only ever see a
// generic storage error: no SQL, no server text.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/string_map.h"
#include "store/sql/dialect.h"

struct pg_conn;
struct pg_result;

namespace cogsync::store::postgres {

// How PostgreSQL spells the hooks of the store's neutral statements (store/sql/dialect.h).
const sql::Dialect& PostgresDialect();

// The first failure of a transaction; later ones are usually "transaction aborted" echoes.
struct Failure {
  std::string sqlstate;  // empty when the server sent none (the connection broke)
  bool connection_lost = false;
};

// SQLSTATEs after which the whole transaction may simply run again.
bool IsRetryable(const Failure& failure);

// One statement parameter, sent in text format (or as raw bytes for BYTEA). nullopt is SQL NULL.
struct Param {
  std::optional<std::string> value;
  bool binary = false;

  static Param Text(std::string_view text) { return Param{std::string(text), false}; }
  static Param Int(int64_t number) { return Param{std::to_string(number), false}; }
  static Param Bool(bool flag) { return Param{flag ? "true" : "false", false}; }
  static Param Bytes(std::string_view bytes) { return Param{std::string(bytes), true}; }
  static Param OptionalText(const std::optional<std::string>& text) { return Param{text, false}; }
  static Param OptionalInt(const std::optional<int64_t>& number) {
    return number ? Int(*number) : Param{std::nullopt, false};
  }
  // A text[] literal ({"a","b\"c"}), for `= ANY($n)`.
  static Param TextArray(const std::vector<std::string>& items);
};

// The rows of one successful command, in text format. Columns and rows are 0-based.
class Rows {
 public:
  explicit Rows(pg_result* result);
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;
  ~Rows();

  int size() const;
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;  // NULL reads as ""
  int64_t Int(int row, int column) const;       // NULL or garbage reads as 0
  bool Bool(int row, int column) const;
  std::optional<std::string> OptionalText(int row, int column) const;
  std::optional<int64_t> OptionalInt(int row, int column) const;
  // A BYTEA column (hex output format, "\x..."); an error if the text is not hex.
  Result<std::string> Bytes(int row, int column) const;

 private:
  pg_result* result_;
};

// Helpers of the Txn files for turning Rows into rows of the store.
// The contract's "at most limit": a negative limit returns nothing (LIMIT -1 is an error here).
inline int64_t PageLimit(int limit) { return limit < 0 ? 0 : limit; }

template <typename T, typename ReadFn>
std::vector<T> AllRows(const Rows& rows, ReadFn read) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.push_back(read(rows, r));
  return out;
}

template <typename T, typename ReadFn>
std::optional<T> FirstRow(const Rows& rows, ReadFn read) {
  if (rows.empty()) return std::nullopt;
  return read(rows, 0);
}

inline Status Done(const Result<Rows>& result) {
  if (!result.ok()) return result.error();
  return OkStatus();
}

class Connection {
 public:
  // Connects to `url` (a postgresql:// URL or a libpq key=value string). Fails with
  // ServiceUnavailable when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url,
                                                  int connect_timeout_seconds);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql`, a neutral statement (store/sql/dialect.h) or plain PostgreSQL SQL, as a
  // prepared statement of this session: rendered and prepared on first use, then found by its
  // text. `context` names the call in logs.
  Result<Rows> Query(std::string_view sql, const std::vector<Param>& params,
                     std::string_view context);
  // Runs one or more statements without parameters (BEGIN, COMMIT, DDL).
  Status Exec(std::string_view sql, std::string_view context);

  // Failure bookkeeping for the current transaction.
  const std::optional<Failure>& failure() const { return failure_; }
  void ClearFailure() { failure_.reset(); }

  // True when the session is gone (server restart, network loss): Reconnect before reuse.
  bool Broken() const;
  // Opens a fresh session in place; prepared statements are forgotten with the old one.
  Status Reconnect();
  // True inside BEGIN ... COMMIT (also in an aborted transaction).
  bool InTransaction() const;

 private:
  Connection(pg_conn* conn, std::string url, int connect_timeout_seconds);
  // Logs and records a failure; returns the error the caller propagates.
  ApiError Fail(std::string_view context, pg_result* result);

  pg_conn* conn_;
  std::string url_;
  int connect_timeout_seconds_;
  StringMap<std::string> prepared_;  // SQL text as given -> statement name
  std::optional<Failure> failure_;
};

}  // namespace cogsync::store::postgres
