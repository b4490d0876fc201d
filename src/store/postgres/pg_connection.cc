#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <utility>

#include "common/encoding.h"

namespace cogsync::store::postgres {
namespace {

// What a client sees for any storage failure; the details go to the log only.
constexpr const char* kStorageError = "Internal storage error";
constexpr const char* kUnavailable = "storage unavailable";

// Connection-exception class (08xxx) and the shutdown/crash codes of class 57P: the session is
// gone or going, whatever the transaction did.
bool IsConnectionState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

// libpq's messages end in a newline and may span several lines: one escaped log line.
std::string OneLine(const char* text) { return encoding::OneLine(text != nullptr ? text : ""); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Server notices ("relation already exists, skipping") go to the debug log, not stderr.
void LogNotice(void* /*arg*/, const char* message) {
  spdlog::debug("postgres notice: {}", OneLine(message));
}

// libpq's own "key=value" connection parameters ahead of the URL, so a value the URL sets wins.
pg_conn* Connect(const std::string& url, int connect_timeout_seconds) {
  std::string timeout = std::to_string(connect_timeout_seconds > 0 ? connect_timeout_seconds : 5);
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "cogsync", url.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn != nullptr) PQsetNoticeProcessor(conn, LogNotice, nullptr);
  return conn;
}

}  // namespace

bool IsRetryable(const Failure& failure) {
  // serialization_failure, deadlock_detected.
  return failure.sqlstate == "40001" || failure.sqlstate == "40P01";
}

Param Param::TextArray(const std::vector<std::string>& items) {
  std::string literal = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return Param{std::move(literal), false};
}

// ---- Rows --------------------------------------------------------------------------------------

Rows::Rows(pg_result* result) : result_(result) {}
Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }

bool Rows::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string Rows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t Rows::Int(int row, int column) const {
  const char* text = PQgetvalue(result_, row, column);
  const char* end = text + PQgetlength(result_, row, column);
  int64_t value = 0;
  std::from_chars(text, end, value);
  return value;
}

bool Rows::Bool(int row, int column) const {
  // Text output of BOOLEAN is "t"/"f" in PostgreSQL; accept the spelled-out forms too.
  std::string_view text = PQgetvalue(result_, row, column);
  return text == "t" || text == "true" || text == "1";
}

std::optional<std::string> Rows::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}

std::optional<int64_t> Rows::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

Result<std::string> Rows::Bytes(int row, int column) const {
  std::string_view text(PQgetvalue(result_, row, column),
                        static_cast<size_t>(PQgetlength(result_, row, column)));
  if (!text.starts_with("\\x") || text.size() % 2 != 0) {
    spdlog::error("postgres: BYTEA column is not in hex output format (bytea_output)");
    return ApiError::InternalError(kStorageError);
  }
  std::string bytes;
  bytes.reserve(text.size() / 2 - 1);
  for (size_t i = 2; i < text.size(); i += 2) {
    int high = HexValue(text[i]);
    int low = HexValue(text[i + 1]);
    if (high < 0 || low < 0) {
      spdlog::error("postgres: BYTEA column holds a non-hex digit");
      return ApiError::InternalError(kStorageError);
    }
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

// ---- Connection --------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url,
                                                     int connect_timeout_seconds) {
  pg_conn* conn = Connect(url, connect_timeout_seconds);
  if (conn == nullptr) return ApiError::ServiceUnavailable(kUnavailable);
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host and port but never the password.
    std::string why = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    spdlog::error("postgres: cannot connect: {}", why);
    return ApiError::ServiceUnavailable("cannot connect to PostgreSQL: " + why);
  }
  return std::unique_ptr<Connection>(new Connection(conn, url, connect_timeout_seconds));
}

Connection::Connection(pg_conn* conn, std::string url, int connect_timeout_seconds)
    : conn_(conn), url_(std::move(url)), connect_timeout_seconds_(connect_timeout_seconds) {}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::Broken() const {
  return conn_ == nullptr || abandoned_ || PQstatus(conn_) != CONNECTION_OK;
}

bool Connection::InTransaction() const {
  if (conn_ == nullptr) return false;
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

Status Connection::Reconnect() {
  if (conn_ != nullptr) PQfinish(conn_);
  prepared_.clear();
  pending_.clear();
  unsynced_ = false;
  abandoned_ = false;
  failure_.reset();
  conn_ = Connect(url_, connect_timeout_seconds_);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    spdlog::warn("postgres: reconnect failed: {}",
                 conn_ != nullptr ? OneLine(PQerrorMessage(conn_)) : "out of memory");
    return ApiError::ServiceUnavailable(kUnavailable);
  }
  spdlog::info("postgres: reconnected");
  return OkStatus();
}

ApiError Connection::Fail(std::string_view context, pg_result* result) {
  std::string sqlstate;
  std::string message;
  if (result != nullptr) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state != nullptr) sqlstate = state;
    message = OneLine(PQresultErrorMessage(result));
    PQclear(result);
  }
  if (message.empty() && conn_ != nullptr) message = OneLine(PQerrorMessage(conn_));
  bool lost = Broken() || IsConnectionState(sqlstate);
  if (!failure_.has_value()) failure_ = Failure{sqlstate, lost};
  Failure current{sqlstate, lost};
  if (IsRetryable(current)) {
    spdlog::debug("postgres: {}: [{}] {}", context, sqlstate, message);
  } else {
    spdlog::error("postgres: {}: [{}] {}", context, sqlstate, message);
  }
  if (lost) return ApiError::ServiceUnavailable(kUnavailable);
  return ApiError::InternalError(kStorageError);
}

ApiError Connection::Abandon(std::string_view context) {
  spdlog::error("postgres: {}: session abandoned: {}", context,
                conn_ != nullptr ? OneLine(PQerrorMessage(conn_)) : "no session");
  abandoned_ = true;
  pending_.clear();
  unsynced_ = false;
  if (!failure_.has_value()) failure_ = Failure{"", true};
  return ApiError::ServiceUnavailable(kUnavailable);
}

Status Connection::Send(std::string_view sql, const std::vector<Param>& params,
                        std::string_view context) {
  if (Broken()) return Fail(context, nullptr);
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_) != 1) {
    return Abandon(context);
  }
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string text = sql::Render(PostgresDialect(), sql);
    std::string name = "cogsync_" + std::to_string(++prepared_count_);
    // Parameter types are inferred by the server from the statement.
    if (PQsendPrepare(conn_, name.c_str(), text.c_str(), 0, nullptr) != 1) {
      return Abandon(context);
    }
    pending_.push_back(
        Pending{Pending::Kind::kPrepare, false, std::string(context), std::string(sql)});
    found = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  lengths.reserve(params.size());
  formats.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param.value ? param.value->data() : nullptr);
    lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
    formats.push_back(param.binary ? 1 : 0);
  }
  if (PQsendQueryPrepared(conn_, found->second.c_str(), static_cast<int>(params.size()),
                          values.data(), lengths.data(), formats.data(),
                          /*resultFormat=*/0) != 1) {
    return Abandon(context);
  }
  pending_.push_back(Pending{Pending::Kind::kCommand, false, std::string(context), {}});
  unsynced_ = true;
  return OkStatus();
}

bool Connection::PushSync() {
  if (!unsynced_) return true;
  // Marks the end of what was sent and flushes it to the server.
  if (PQpipelineSync(conn_) != 1) return false;
  pending_.push_back(Pending{Pending::Kind::kSync, false, {}, {}});
  unsynced_ = false;
  return true;
}

std::optional<ApiError> Connection::ReadPending(pg_result** last) {
  std::optional<ApiError> first_error;
  if (!pending_.empty()) ++round_trips_;  // this thread now waits for the server
  auto abandon = [&](std::string_view context) {
    ApiError lost = Abandon(context);
    if (!first_error.has_value()) first_error = lost;
    return first_error;
  };
  while (!pending_.empty()) {
    Pending entry = std::move(pending_.front());
    pending_.pop_front();
    pg_result* result = PQgetResult(conn_);
    if (entry.kind == Pending::Kind::kSync) {
      const bool synced = result != nullptr && PQresultStatus(result) == PGRES_PIPELINE_SYNC;
      if (result != nullptr) PQclear(result);
      if (!synced) return abandon("pipeline sync");
      continue;
    }
    if (result == nullptr) return abandon(entry.context);
    // Each statement's answer ends with a null result; anything else is out of step.
    if (pg_result* extra = PQgetResult(conn_); extra != nullptr) {
      PQclear(extra);
      PQclear(result);
      return abandon(entry.context);
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      // The last statement before the final Sync is the one a Query or Commit waits for.
      const bool is_last = pending_.size() == 1 && pending_.front().kind == Pending::Kind::kSync;
      if (last != nullptr && is_last && entry.kind == Pending::Kind::kCommand &&
          !first_error.has_value()) {
        *last = result;
      } else {
        PQclear(result);
      }
      continue;
    }
    if (entry.kind == Pending::Kind::kPrepare) prepared_.erase(entry.neutral);
    if (entry.earlier) {
      spdlog::warn("postgres: {} (after its transaction was answered): {}", entry.context,
                   OneLine(PQresultErrorMessage(result)));
      PQclear(result);
    } else if (status == PGRES_PIPELINE_ABORTED) {
      // Skipped by the server after an earlier failure of the same exchange (recorded then).
      PQclear(result);
      if (!failure_.has_value()) failure_ = Failure{"", false};
      if (!first_error.has_value()) first_error = ApiError::InternalError(kStorageError);
    } else {
      ApiError error = Fail(entry.context, result);  // clears result
      if (!first_error.has_value()) first_error = error;
    }
    if (Broken()) return abandon(entry.context);
  }
  return first_error;
}

Result<Rows> Connection::Query(std::string_view sql, const std::vector<Param>& params,
                               std::string_view context) {
  COGSYNC_RETURN_IF_ERROR(Send(sql, params, context));
  if (!PushSync()) return Abandon(context);
  pg_result* last = nullptr;
  if (std::optional<ApiError> error = ReadPending(&last)) {
    if (last != nullptr) PQclear(last);
    return *error;
  }
  if (last == nullptr) return Abandon(context);
  return Rows(last);
}

Status Connection::Sync() {
  if (pending_.empty() && !unsynced_) return OkStatus();
  if (Broken()) return Fail("sync", nullptr);
  if (!PushSync()) return Abandon("sync");
  if (std::optional<ApiError> error = ReadPending(nullptr)) return *error;
  return OkStatus();
}

Status Connection::Commit() {
  COGSYNC_RETURN_IF_ERROR(Send("COMMIT", {}, "commit"));
  if (!PushSync()) return Abandon("commit");
  pg_result* last = nullptr;
  if (std::optional<ApiError> error = ReadPending(&last)) {
    if (last != nullptr) PQclear(last);
    return *error;
  }
  if (last == nullptr) return Abandon("commit");
  // COMMIT of a transaction that had failed answers ROLLBACK, without an error.
  const bool committed = std::string_view(PQcmdStatus(last)) == "COMMIT";
  PQclear(last);
  if (!committed) {
    spdlog::error("postgres: commit: the transaction had failed and was rolled back");
    if (!failure_.has_value()) failure_ = Failure{"", false};
    return ApiError::InternalError(kStorageError);
  }
  return OkStatus();
}

void Connection::EndWithoutWaiting(std::string_view sql) {
  if (Broken() || !Send(sql, {}, sql).ok()) return;
  if (!PushSync()) {
    (void)Abandon(sql);
    return;
  }
  for (Pending& entry : pending_) entry.earlier = true;
}

Status Connection::Exec(std::string_view sql, std::string_view context) {
  if (Broken()) return Fail(context, nullptr);
  COGSYNC_RETURN_IF_ERROR(Sync());
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF && PQexitPipelineMode(conn_) != 1) {
    return Abandon(context);
  }
  std::string text(sql);
  pg_result* result = PQexec(conn_, text.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(context, result);
  PQclear(result);
  return OkStatus();
}

const sql::Dialect& PostgresDialect() {
  static constexpr sql::Dialect kDialect{
      .name = "postgresql",
      .dollar_parameters = true,
      .false_literal = "FALSE",
      .true_literal = "TRUE",
      .boolean_columns = true,
      .greatest = "GREATEST",
      .for_update = " FOR UPDATE",
      .index_hints = false,
      .text_list_args = true,
      .clustered_tables = false,
      .integer_type = "BIGINT",
      .boolean_type = "BOOLEAN",
      .blob_type = "BYTEA",
      .key_collation = " COLLATE \"C\"",
  };
  return kDialect;
}

}  // namespace cogsync::store::postgres
