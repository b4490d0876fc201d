#pragma once
// `cogsync migrate` (issue 15 Scope 1, D29): copies identity pools from Amazon Cognito (or
// anything that speaks its API, read through SourceClient) into a cogsync store, keeping pool
// ids, identity ids, dates, SyncCounts and records exactly.
//
// It writes THROUGH the archive import (archive/importer.h, mode merge): each page of identities
// the source lists becomes a small archive (the pool line, then the page's identities with their
// developer logins, unbound providers, datasets and records) that the importer checks line by
// line like any archive and applies in one write transaction, together with the pool's
// checkpoint (the source's NextToken for the next page). So:
//   - resumable: a rerun after a crash or kill continues at the checkpoint; a page is either
//     wholly in the store with its checkpoint or not at all, and writing it again overwrites the
//     same ids (never a duplicate);
//   - incremental: a dataset the target holds with the source's LastModifiedDate (every write
//     moves it with the SyncCount) is not read again; only new or changed datasets cost a
//     ListRecords, and a dataset the target holds that the source no longer lists becomes a
//     deletion marker (D17) at the target's SyncCount;
//   - bounded: an identity the target's limits refuse (D19) is not copied at all; every item of
//     it over a limit is reported (target_limits.h) and the rest of its page is still copied;
//   - conflict-safe: a pool the target already holds that this migration did not copy is refused
//     before anything is written, unless merged into or replaced (checkpoint.h);
//   - deletions follow: at the end of a pass, an identity of an owned pool that the source no
//     longer has (DescribeIdentity answers ResourceNotFoundException) is deleted from the target
//     as DeleteIdentities deletes it.
//
// What the public APIs cannot give is not invented: provider subjects (bound lazily, D29; the
// identity carries its provider names as unbound logins), devices and push subscriptions (they
// register again), a pool's creation date and usage counters, the deletion memory of datasets
// deleted at the source before the first pass.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "migrate/checkpoint.h"
#include "migrate/source_client.h"
#include "store/store.h"

namespace cogsync::migrate {

struct MigrateOptions {
  std::vector<std::string> pools;  // empty with all_pools: every pool the source lists
  bool all_pools = false;
  std::string
      source_account_id;  // for ListTagsForResource's ARN; empty: DescribeIdentityPool's tags
  int workers = 4;        // identities of a page read in parallel
  std::string work_dir;   // where each page's archive is written before its import
  Limits limits;          // the target's (D19)
  bool progress = false;  // draw a progress line on stderr (a terminal)
  std::string source;     // the source's endpoint, kept in the checkpoint (checkpoint.h)
  OnConflict on_conflict = OnConflict::kRefuse;
  // Pools and identities only (DescribeIdentityPool, ListIdentities, DescribeIdentity): for a
  // source that implements only part of Cognito Identity and no Cognito Sync (moto's server).
  // Roles, principal tags, developer user identifiers, the Sync configuration and events, and
  // datasets are not read; a pool the target holds keeps its own.
  bool identities_only = false;
};

struct PoolCounts {
  int64_t identities = 0;                // identity lines written
  int64_t datasets = 0;                  // datasets copied (new or changed)
  int64_t unchanged = 0;                 // datasets already current in the target
  int64_t deleted = 0;                   // deletion markers written
  int64_t records = 0;                   // record lines written
  int64_t identities_deleted = 0;        // gone at the source, deleted from the target
  int64_t identities_kept = 0;           // not at the source, kept (a pool merged into)
  std::string conflict;                  // the target's pool this run merged into or replaced
  std::vector<std::string> problems;     // what could not be copied, and why
  std::vector<std::string> over_limits;  // items over the target's limits (not copied)
};

struct MigrateReport {
  std::map<std::string, PoolCounts> pools;
  SourceStats source;
  double seconds = 0;
};

Result<MigrateReport> Migrate(SourceClient& source, store::Store& target,
                              const MigrateOptions& options);

// `cogsync migrate --verify`: compares what the source shows with the target store. Counts of
// identities and datasets per pool, every identity's dates, every dataset's SyncCount, and the
// records (all of them with sample_every = 1, every Nth identity's otherwise). Each difference
// is one line of `differences`.
struct VerifyReport {
  std::vector<std::string> differences;
  int64_t identities = 0, datasets = 0, records = 0;  // compared
};
Result<VerifyReport> Verify(SourceClient& source, store::Store& target,
                            const MigrateOptions& options, int64_t sample_every);

}  // namespace cogsync::migrate
