#pragma once
// Thin RAII layer over libpq: a Connection owns one session and a cache of the statements it has
// prepared; Rows owns one result. This file and its .cc are the only places that read libpq
// status codes. A failed command is logged in full and remembered on the connection (SQLSTATE,
// whether the session is gone), so PostgresStore can decide once, at the end of a transaction,
// whether to retry it, report the storage as unavailable, or fail it. Clients only ever see a
// generic storage error: no SQL, no server text.
//
// Round trips: statements go through libpq's pipeline mode. Send() queues a statement without
// waiting for its answer; Query() sends it with everything queued and waits once for all their
// answers; Commit() does the same with COMMIT; EndWithoutWaiting() ends a transaction whose
// outcome no longer matters (a read-only COMMIT, a ROLLBACK) and reads its answer only at the
// connection's next exchange. So BEGIN travels with a transaction's first statement, the writes
// at its end travel with COMMIT, and a read-only transaction costs one round trip per SELECT.
// A queued statement that fails is recorded when its answer is read (failure()): the statements
// after it in the transaction fail too, so nothing that follows a failure can commit.
//
// Thread safety: a Connection is used by one thread at a time (a leased session).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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
  // prepared statement of this session (rendered and prepared on first use, then found by its
  // text), after everything queued: one round trip for all of them. The first failure among
  // them is the answer. `context` names the call in logs.
  Result<Rows> Query(std::string_view sql, const std::vector<Param>& params,
                     std::string_view context);
  // Queues `sql` the same way without waiting: its answer is read, and a failure recorded, by
  // the next Query, Sync or Commit. An error here means the session is gone.
  Status Send(std::string_view sql, const std::vector<Param>& params, std::string_view context);
  // Waits for the answers of everything queued: OK, or the first failure among them.
  Status Sync();
  // Sends COMMIT after everything queued and waits: OK only when the transaction committed.
  Status Commit();
  // Sends `sql` (COMMIT of a read-only transaction, or ROLLBACK) after everything queued and
  // returns at once. The answers are read at the next exchange and only logged: the transaction
  // they end was answered already.
  void EndWithoutWaiting(std::string_view sql);
  // Runs one or more statements without parameters (DDL), outside the pipeline: waits for
  // everything queued first.
  Status Exec(std::string_view sql, std::string_view context);

  // How many times this session waited for the server since the last call (each Query, Sync
  // and Commit is one round trip; Send and EndWithoutWaiting are none).
  uint64_t TakeRoundTrips() { return std::exchange(round_trips_, 0); }

  // Failure bookkeeping for the current transaction.
  const std::optional<Failure>& failure() const { return failure_; }
  void ClearFailure() { failure_.reset(); }

  // True when the session is gone (server restart, network loss, a pipeline out of step):
  // Reconnect before reuse.
  bool Broken() const;
  // Opens a fresh session in place; prepared statements are forgotten with the old one.
  Status Reconnect();
  // True inside BEGIN ... COMMIT (also in an aborted transaction). Only meaningful when
  // nothing is queued (after Exec, Sync or Commit).
  bool InTransaction() const;

 private:
  // What the connection waits for, in the order the server answers.
  struct Pending {
    enum class Kind : uint8_t { kPrepare, kCommand, kSync };
    Kind kind = Kind::kCommand;
    // Of a transaction already answered (EndWithoutWaiting): a failure is logged, not recorded.
    bool earlier = false;
    std::string context;  // names the call in logs
    std::string neutral;  // kPrepare: the statement's neutral text, forgotten if it fails
  };

  Connection(pg_conn* conn, std::string url, int connect_timeout_seconds);
  // Logs and records a failure; returns the error the caller propagates.
  ApiError Fail(std::string_view context, pg_result* result);
  // The session cannot be trusted any more (lost, or its answers out of step): recorded as lost,
  // and the connection reports Broken() until Reconnect.
  ApiError Abandon(std::string_view context);
  // Queues a Sync after the statements sent since the last one, and flushes.
  bool PushSync();
  // Reads every pending answer. The first failure of this transaction's statements is returned;
  // the result of the last statement is handed to *last when asked (and not failed).
  std::optional<ApiError> ReadPending(pg_result** last);

  pg_conn* conn_;
  std::string url_;
  int connect_timeout_seconds_;
  StringMap<std::string> prepared_;  // SQL text as given -> statement name
  uint64_t prepared_count_ = 0;      // names statements uniquely within the session
  std::deque<Pending> pending_;
  bool unsynced_ = false;  // statements were sent since the last Sync
  bool abandoned_ = false;
  uint64_t round_trips_ = 0;
  std::optional<Failure> failure_;
};

}  // namespace cogsync::store::postgres
