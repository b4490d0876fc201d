#include "store/sql/dialect.h"

#include <cctype>

namespace cogsync::store::sql {
namespace {

constexpr std::string_view kIndexedBy = "indexed_by:";
constexpr std::string_view kNot = "not:";

// The spelling of one hook (the text between the braces); nullopt-like empty view with
// `known` false when the hook is not one of dialect.h's.
std::string_view HookText(const Dialect& dialect, std::string_view hook, std::string* scratch,
                          bool* known) {
  *known = true;
  if (hook == "false") return dialect.false_literal;
  if (hook == "true") return dialect.true_literal;
  if (hook == "greatest") return dialect.greatest;
  if (hook == "for_update") return dialect.for_update;
  if (hook == "int") return dialect.integer_type;
  if (hook == "bool") return dialect.boolean_type;
  if (hook == "blob") return dialect.blob_type;
  if (hook == "c") return dialect.key_collation;
  if (hook.substr(0, kIndexedBy.size()) == kIndexedBy) {
    if (!dialect.index_hints) return {};
    *scratch = " INDEXED BY ";
    *scratch += hook.substr(kIndexedBy.size());
    return *scratch;
  }
  if (hook.substr(0, kNot.size()) == kNot) {
    std::string_view column = hook.substr(kNot.size());
    if (dialect.boolean_columns) {
      *scratch = "NOT ";
      *scratch += column;
    } else {
      *scratch = column;
      *scratch += " = ";
      *scratch += dialect.false_literal;
    }
    return *scratch;
  }
  *known = false;
  return {};
}

}  // namespace

std::string Render(const Dialect& dialect, std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::string scratch;
  bool in_literal = false;  // inside '...': copied as is ('' is an escaped quote, two toggles)
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_literal = !in_literal;
    if (!in_literal && c == '?' && i + 1 < sql.size() &&
        std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0) {
      out += dialect.dollar_parameters ? '$' : '?';
      continue;
    }
    if (!in_literal && sql.compare(i, 2, "{{") == 0) {
      size_t end = sql.find("}}", i + 2);
      if (end != std::string_view::npos) {
        bool known = false;
        std::string_view text = HookText(dialect, sql.substr(i + 2, end - i - 2), &scratch, &known);
        if (known) {
          out += text;
          i = end + 1;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

}  // namespace cogsync::store::sql
