#pragma once
// What a merge of two identities does to their Sync data (docs/decisions.md D23): the merged
// identity's datasets move to the survivor, under their own name when it is free, else renamed
// "<name>.<mergedIdentityId>" and rewritten as one new revision (SyncCount 1); ListRecords of
// "<name>" then reports them in MergedDatasetNames. The 20-dataset limit never blocks a merge.

#include <string_view>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::sync {

inline constexpr size_t kMaxDatasetNameLength = 128;

// Runs inside the merging transaction.
Status MoveDatasetsOnMerge(store::Txn& txn, std::string_view from_identity,
                           std::string_view to_identity, int64_t now_ms, std::string_view modifier);

}  // namespace cogsync::sync
