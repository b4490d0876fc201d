#pragma once
// `cogsync export`: writes the store (or some pools, or some identities) as an archive
// (docs/archive.md) from ONE read transaction, so the archive is a consistent snapshot while the
// server keeps serving: on SQLite a WAL snapshot beside the running server, on PostgreSQL a
// REPEATABLE READ transaction from any node. Memory is bounded whatever the store's size: rows
// are paged (1,000 identities, 1,000 records at a time) and written as they are read.

#include <cstdint>
#include <string>
#include <vector>

#include "archive/format.h"
#include "archive/line_io.h"
#include "archive/progress.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::archive {

struct ExportOptions {
  std::vector<std::string> pools;       // empty: every pool
  std::vector<std::string> identities;  // non-empty: only these identities (and their pools)
  bool include_secrets = false;
  std::vector<std::string> secret_names;  // the server secrets to export with include_secrets
  std::string region;
  std::string account_id;
  int64_t now_ms = 0;
};

// Writes header, lines and trailer to `out` and finishes it; returns the counts.
Result<Counts> ExportArchive(store::Store& store, const ExportOptions& options, ArchiveWriter& out,
                             Progress& progress);

}  // namespace cogsync::archive
