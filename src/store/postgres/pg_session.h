#pragma once
// sql::Session over one PostgreSQL session inside an already open transaction: the one SQL layer
// (store/sql/) runs its statements here. The transaction itself (BEGIN/COMMIT, isolation,
// retries) belongs to PostgresStore. Statements whose rows are not needed (sql::Session::Execute)
// are pipelined: they travel with the next statement that returns rows, or with the COMMIT.
//
// Thread safety: one session per transaction attempt, used by the thread that runs it.

#include "store/postgres/pg_connection.h"
#include "store/sql/session.h"

namespace cogsync::store::postgres {

class PgSession final : public sql::Session {
 public:
  explicit PgSession(Connection& connection) : connection_(connection) {}

  const sql::Dialect& dialect() const override { return PostgresDialect(); }
  Status Query(std::string_view sql, std::span<const sql::Arg> args, sql::RowFn on_row) override;
  // Queued, not waited for (Connection::Send): the answer comes with the next query or COMMIT.
  Status Execute(std::string_view sql, std::span<const sql::Arg> args) override;

 private:
  Connection& connection_;
};

}  // namespace cogsync::store::postgres
