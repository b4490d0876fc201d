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

bool Connection::Broken() const { return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::InTransaction() const {
  if (conn_ == nullptr) return false;
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

Status Connection::Reconnect() {
  if (conn_ != nullptr) PQfinish(conn_);
  prepared_.clear();
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
  if (message.empty()) message = OneLine(PQerrorMessage(conn_));
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

Status Connection::Exec(std::string_view sql, std::string_view context) {
  if (Broken()) return Fail(context, nullptr);
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

Result<Rows> Connection::Query(std::string_view sql, const std::vector<Param>& params,
                               std::string_view context) {
  if (Broken()) return Fail(context, nullptr);
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string text = sql::Render(PostgresDialect(), sql);
    std::string name = "cogsync_" + std::to_string(prepared_.size() + 1);
    // Parameter types are inferred by the server from the statement.
    pg_result* prepared = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      return Fail(context, prepared);
    }
    PQclear(prepared);
    found = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param.value ? param.value->data() : nullptr);
    lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
    formats.push_back(param.binary ? 1 : 0);
  }
  pg_result* result =
      PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(params.size()), values.data(),
                     lengths.data(), formats.data(), /*resultFormat=*/0);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(context, result);
  return Rows(result);
}

}  // namespace cogsync::store::postgres
