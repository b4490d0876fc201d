#include "store/sqlite/sqlite_session.h"

namespace cogsync::store::sqlite {
namespace {

// The current row of a stepped statement.
class StatementRow final : public sql::Row {
 public:
  explicit StatementRow(const Statement& stmt) : stmt_(stmt) {}
  bool IsNull(int column) const override { return stmt_.IsNull(column); }
  int64_t Int(int column) const override { return stmt_.Int(column); }
  bool Bool(int column) const override { return stmt_.Int(column) != 0; }
  std::string Text(int column) const override { return stmt_.Text(column); }
  Result<std::string> Bytes(int column) const override { return stmt_.Text(column); }

 private:
  const Statement& stmt_;
};

void Bind(Statement& stmt, int index, const sql::Arg& arg) {
  switch (arg.kind) {
    case sql::Arg::Kind::kNull:
      stmt.BindNull(index);
      return;
    case sql::Arg::Kind::kInt:
    case sql::Arg::Kind::kBool:
      stmt.BindInt(index, arg.number);
      return;
    case sql::Arg::Kind::kText:
      stmt.BindText(index, arg.text);
      return;
    case sql::Arg::Kind::kBlob:
      stmt.BindBlob(index, arg.text);
      return;
    case sql::Arg::Kind::kTextList:
      // Not in this dialect (text_list_args is false): the statement fails on the NULL.
      stmt.BindNull(index);
      return;
  }
}

}  // namespace

Status SqliteSession::Query(std::string_view sql, std::span<const sql::Arg> args,
                            sql::RowFn on_row) {
  if (begin_on_first_statement_ && !begun_) {
    COGSYNC_ASSIGN_OR_RETURN(Statement begin, connection_.Prepare("BEGIN"));
    COGSYNC_RETURN_IF_ERROR(begin.Run());
    begun_ = true;
  }
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(sql));
  for (size_t i = 0; i < args.size(); ++i) Bind(stmt, static_cast<int>(i) + 1, args[i]);
  StatementRow row(stmt);
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) return OkStatus();
    COGSYNC_RETURN_IF_ERROR(on_row(row));
  }
}

}  // namespace cogsync::store::sqlite
