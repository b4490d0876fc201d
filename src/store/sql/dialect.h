#pragma once
// How an engine spells what SQL dialects disagree on. The store's statements and migrations are
// written once, in a neutral form: SQLite's syntax with numbered parameters ?1..?n, plus hooks
// in double braces that Render() replaces with the dialect's spelling:
//
//   hook                 SQLite          PostgreSQL
//   ?N                   ?N              $N
//   {{false}} {{true}}   0 1             FALSE TRUE       (boolean literals)
//   {{not:COLUMN}}       COLUMN = 0      NOT COLUMN       (a boolean column is false)
//   {{not:COLUMN}}       COLUMN = 0      NOT COLUMN       (a boolean column is false)
//   {{greatest}}         MAX             GREATEST         (the larger of two values)
//   {{for_update}}                       " FOR UPDATE"    (lock the rows read, to the end)
//   {{indexed_by:NAME}}  " INDEXED BY NAME"               (SQLite's planner needs the hint)
//   {{int}}              INTEGER         BIGINT           (migrations: a 64-bit column)
//   {{bool}}             INTEGER         BOOLEAN
//   {{blob}}             BLOB            BYTEA
//   {{c}}                               " COLLATE \"C\"" (keys compare bytewise everywhere)
//
// Both spellings of a migration reproduce byte for byte the schema the engine's earlier,
// separately written migrations created, so existing databases upgrade unchanged.
// A Dialect is an immutable constant: thread-safe.

#include <string>
#include <string_view>

namespace cogsync::store::sql {

struct Dialect {
  std::string_view name;           // "sqlite", "postgresql": for logs
  bool dollar_parameters = false;  // $N rather than ?N
  std::string_view false_literal;  // {{false}}
  std::string_view true_literal;   // {{true}}
  bool boolean_columns = false;    // {{not:C}} is NOT C, else C = {{false}}
  std::string_view greatest;       // {{greatest}}
  std::string_view for_update;     // {{for_update}}
  bool index_hints = false;        // {{indexed_by:NAME}} renders as INDEXED BY NAME
  bool text_list_args = false;     // a TEXT[] parameter (Arg::TextList) for `= ANY(?N)`
  bool clustered_tables = false;   // WITHOUT ROWID tables (SQLite's migration 3)
  std::string_view integer_type;   // {{int}}
  std::string_view boolean_type;   // {{bool}}
  std::string_view blob_type;      // {{blob}}
  std::string_view key_collation;  // {{c}}
};

// The neutral statement `sql` as `dialect` spells it. An unknown hook is a programming error:
// it renders as itself, so the engine rejects the statement loudly (and the tests fail).
std::string Render(const Dialect& dialect, std::string_view sql);

}  // namespace cogsync::store::sql
