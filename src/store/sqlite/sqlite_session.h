#pragma once
// sql::Session over one SQLite connection: the one SQL layer (store/sql/) runs its statements
// here. A write session runs inside the group-commit writer's transaction (BEGIN IMMEDIATE,
// SAVEPOINT, COMMIT: group_commit.cc). A read session opens its deferred transaction with its
// first statement, so a read answered wholly from the pool cache takes no SQLite lock at all;
// SqliteStore ends the transaction, if one was opened.
//
// Thread safety: one session per transaction, used by the thread that runs it.

#include "store/sql/session.h"
#include "store/sqlite/statement.h"

namespace cogsync::store::sqlite {

class SqliteSession final : public sql::Session {
 public:
  SqliteSession(Connection& connection, bool begin_on_first_statement)
      : connection_(connection), begin_on_first_statement_(begin_on_first_statement) {}

  const sql::Dialect& dialect() const override { return SqliteDialect(); }
  Status Query(std::string_view sql, std::span<const sql::Arg> args, sql::RowFn on_row) override;

 private:
  Connection& connection_;
  bool begin_on_first_statement_;
  bool begun_ = false;
};

}  // namespace cogsync::store::sqlite
