#pragma once
// The store's schema, written once for every SQL engine: its numbered migrations in the neutral
// form of dialect.h, rendered for an engine's dialect. The engines apply them in their own way
// (SQLite: PRAGMA user_version inside BEGIN IMMEDIATE; PostgreSQL: the cogsync_schema table
// under an advisory lock) and keep the numbers their earlier, separate lists gave them; the
// rendered text of every released migration is byte for byte what those lists held, so a
// database at any version upgrades to exactly the schema a fresh one gets.
//
// Thread-safe: pure.

#include <string>
#include <vector>

#include "store/sql/dialect.h"

namespace cogsync::store::sql {

// The migrations of `dialect`'s engine in order: element i is its migration i + 1.
std::vector<std::string> Migrations(const Dialect& dialect);

}  // namespace cogsync::store::sql
