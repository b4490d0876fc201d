#include "sync/merge.h"

#include <optional>
#include <string>
#include <vector>

#include "store/reclaim.h"

namespace cogsync::sync {
namespace {

// "<name>.<identity>", keeping the identity whole and shortening the name if the result would
// pass the 128-character limit of dataset names.
std::string MergedName(std::string_view name, std::string_view from_identity) {
  const size_t suffix_size = from_identity.size() + 1;
  const size_t keep =
      std::min(name.size(), kMaxDatasetNameLength - std::min(suffix_size, kMaxDatasetNameLength));
  // Appended piece by piece: gcc 12 at -O3 warns (-Wrestrict, a false positive) on the
  // concatenation of temporaries.
  std::string out;
  out.reserve(keep + suffix_size);
  out.append(name.substr(0, keep));
  out.push_back('.');
  out.append(from_identity);
  return out;
}

}  // namespace

Status MoveDatasetsOnMerge(store::Txn& txn, std::string_view from_identity,
                           std::string_view to_identity, int64_t now_ms,
                           std::string_view modifier) {
  COGSYNC_ASSIGN_OR_RETURN(auto datasets, txn.ListAllDatasets(from_identity));
  for (const auto& moving : datasets) {
    if (!moving.deleted) {
      COGSYNC_ASSIGN_OR_RETURN(auto records, store::ListVisibleRecords(txn, moving));
      COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetDataset(to_identity, moving.name, true));
      store::Dataset moved = moving;
      moved.identity_id = std::string(to_identity);
      // Which revision the moved records take: kept as they are when the name is free, one new
      // revision otherwise.
      std::optional<int64_t> rewrite_count;
      if (existing && !existing->deleted) {
        // The name is taken: a merge dataset, rewritten as revision 1 with its live records.
        moved.name = MergedName(moving.name, from_identity);
        moved.merged_into_name = moving.name;
        moved.sync_count = 1;
        moved.last_deleted_at = 0;
        rewrite_count = 1;
      } else if (existing) {
        // Only a deletion marker: continue its count so it never goes backwards (D17).
        moved.sync_count = existing->sync_count + 1;
        moved.last_deleted_at = existing->last_deleted_at;
        moved.created_ms = now_ms;
        rewrite_count = moved.sync_count;
      }
      if (rewrite_count) {
        moved.modified_ms = now_ms;
        moved.modified_by = std::string(modifier);
      }
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(moved));
      for (auto& r : records) {
        if (rewrite_count) {
          if (!r.value) continue;  // tombstones mean nothing to the new revision
          r.sync_count = *rewrite_count;
          r.modified_ms = now_ms;
          r.modified_by = std::string(modifier);
        }
        COGSYNC_RETURN_IF_ERROR(txn.PutRecord(to_identity, moved.name, r));
      }
    }
    COGSYNC_RETURN_IF_ERROR(txn.PurgeDataset(from_identity, moving.name));
  }
  return OkStatus();
}

}  // namespace cogsync::sync
