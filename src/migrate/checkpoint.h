#pragma once
// The migration's note per pool in the target store (a server secret, never exported): where
// the current pass stands (the source's NextToken after the last page written), which source it
// copies from, and whether the migration owns the pool (created or replaced it) or was merged
// into a pool the target already had. A page and its checkpoint are written in one transaction.
//
// The note also decides how a run starts on each pool, before anything is written:
//   - the target has no such pool: a fresh copy (any old note is ignored);
//   - the pool is there with this migration's note (same source): continue it, at the checkpoint
//     if a pass was under way (a resume), else from the start (the delta pass);
//   - the pool is there without a note, or with another source's: a conflict. Refused unless
//     the run was told --on-conflict merge (copy into it; the target's other identities are
//     kept) or replace (the archive import's replace: the target's pool and everything under it
//     is deleted in the same transaction that writes the source's pool line and the note).

#include <string>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::migrate {

// Secret names of the per-pool checkpoint (never exported).
inline constexpr std::string_view kCheckpointPrefix = "archive-import/migrate/";

struct Checkpoint {
  bool exists = false;
  std::string next_token;  // where the pass under way continues
  bool done = true;        // no pass under way
  std::string source;      // the source's endpoint; empty in notes written before it was kept
  bool owned = true;       // false: merged into a pool the target had (its identities are kept)
};

std::string CheckpointText(const Checkpoint& checkpoint);

enum class OnConflict { kRefuse, kMerge, kReplace };
// "refuse" | "merge" | "replace".
Result<OnConflict> ParseOnConflict(std::string_view text);

enum class Start { kFresh, kContinue, kMerge, kReplace };
struct PoolStart {
  Start how = Start::kFresh;
  Checkpoint checkpoint;  // the note found (kContinue), else a new one for this run
  std::string conflict;   // why the pool conflicts (kMerge, kReplace, or a refusal)
};

// How a run from `source` starts on the pool; a conflict under kRefuse is returned as
// PoolStart::conflict with how = kFresh, and the caller refuses the whole run.
Result<PoolStart> DecideStart(store::Store& target, const std::string& pool_id,
                              const std::string& source, OnConflict on_conflict);

}  // namespace cogsync::migrate
