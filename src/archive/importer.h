#pragma once
// `cogsync import`: loads an archive (docs/archive.md) into a store, in ONE write transaction:
// a hostile or broken archive (bad line, wrong checksum, truncation, duplicate ids, a broken
// limit) is refused with the line number and the reason and leaves the store exactly as it was,
// and a process killed mid-import (kill -9) leaves nothing of it behind, so a rerun starts clean.
// Ids are kept exactly. Every line is checked against the API's own constraints (archive/
// format.h) and, in context, against order, parents, per-dataset sums and the store's limits.
//
// Pools that already exist follow `on_conflict`: fail (refuse the import), skip (keep the
// store's pool, ignore the archive's), replace (delete the store's pool and everything under
// it, then load the archive's), merge (the migration's mode: the archive's pool settings,
// identities and datasets overwrite the store's of the same ids, a dataset with all its records;
// what the archive does not name stays). A pool this importer loaded from the same archive before
// (the header's archive_id, remembered per pool) is "already imported" and left alone under fail
// and skip, so importing one archive twice gives the same store.
//
// Secrets (access keys and server secrets, only in archives made with --include-secrets) are
// added when the store lacks them; a store holding a different value keeps it under skip, is
// overwritten under replace, and refuses the import under fail.
//
// This is also the entry point for other producers of archive lines (the migration from AWS):
// anything that writes the format can be imported through it.

#include <string>
#include <vector>

#include "archive/format.h"
#include "archive/line_io.h"
#include "archive/progress.h"
#include "common/config.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::archive {

enum class OnConflict { kFail, kSkip, kReplace, kMerge };

// "fail" | "skip" | "replace" | "merge".
Result<OnConflict> ParseOnConflict(std::string_view text);

struct ImportOptions {
  OnConflict on_conflict = OnConflict::kFail;
  Limits limits;  // the target server's limits (D19)
  // Server secrets written in the same transaction as the data (the migration's checkpoint, so
  // that a batch and the note that it is done commit together or not at all).
  std::vector<std::pair<std::string, std::string>> also_put_secrets;
};

struct ImportReport {
  Counts archive;  // what the archive holds (equal to its trailer)
  Counts written;  // what was written to the store
  std::vector<std::string> imported, replaced, skipped, already_imported, merged;  // pool ids
};

Result<ImportReport> ImportArchive(store::Store& store, ArchiveReader& reader,
                                   const ImportOptions& options, Progress& progress);

}  // namespace cogsync::archive
