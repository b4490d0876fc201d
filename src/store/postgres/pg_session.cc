#include "store/postgres/pg_session.h"

#include <algorithm>
#include <vector>

namespace cogsync::store::postgres {
namespace {

// One row of a result.
class ResultRow final : public sql::Row {
 public:
  ResultRow(const Rows& rows, int row) : rows_(rows), row_(row) {}
  bool IsNull(int column) const override { return rows_.IsNull(row_, column); }
  int64_t Int(int column) const override { return rows_.Int(row_, column); }
  bool Bool(int column) const override { return rows_.Bool(row_, column); }
  std::string Text(int column) const override { return rows_.Text(row_, column); }
  Result<std::string> Bytes(int column) const override { return rows_.Bytes(row_, column); }

 private:
  const Rows& rows_;
  int row_;
};

Param ToParam(const sql::Arg& arg) {
  switch (arg.kind) {
    case sql::Arg::Kind::kNull:
      return Param{std::nullopt, false};
    case sql::Arg::Kind::kInt:
      return Param::Int(arg.number);
    case sql::Arg::Kind::kBool:
      return Param::Bool(arg.number != 0);
    case sql::Arg::Kind::kText:
      return Param::Text(arg.text);
    case sql::Arg::Kind::kBlob:
      return Param::Bytes(arg.text);  // BYTEA sent as raw bytes: NUL included
    case sql::Arg::Kind::kTextList:
      return Param::TextArray(*arg.list);
  }
  return Param{std::nullopt, false};
}

// What the logs name a failed statement by: its first line (our SQL, never client input).
std::string_view Context(std::string_view sql) {
  size_t start = sql.find_first_not_of(" \n");
  if (start == std::string_view::npos) return "statement";
  sql = sql.substr(start);
  return sql.substr(0, std::min(sql.find('\n'), size_t{80}));
}

std::vector<Param> ToParams(std::span<const sql::Arg> args) {
  std::vector<Param> params;
  params.reserve(args.size());
  for (const sql::Arg& arg : args) params.push_back(ToParam(arg));
  return params;
}

}  // namespace

Status PgSession::Execute(std::string_view sql, std::span<const sql::Arg> args) {
  return connection_.Send(sql, ToParams(args), Context(sql));
}

Status PgSession::Query(std::string_view sql, std::span<const sql::Arg> args, sql::RowFn on_row) {
  COGSYNC_ASSIGN_OR_RETURN(Rows rows, connection_.Query(sql, ToParams(args), Context(sql)));
  for (int r = 0; r < rows.size(); ++r) {
    ResultRow row(rows, r);
    COGSYNC_RETURN_IF_ERROR(on_row(row));
  }
  return OkStatus();
}

}  // namespace cogsync::store::postgres
