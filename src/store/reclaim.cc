#include "store/reclaim.h"

#include <limits>
#include <string>

namespace cogsync::store {

Status ReclaimRecords(Store& store, std::string_view identity_id, std::string_view dataset,
                      int64_t max_sync_count) {
  while (true) {
    int64_t removed = 0;
    COGSYNC_RETURN_IF_ERROR(store.Write([&](Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(
          removed, txn.PurgeRecordsUpTo(identity_id, dataset, max_sync_count, kReclaimBatch));
      return OkStatus();
    }));
    if (removed < kReclaimBatch) return OkStatus();
  }
}

Result<std::vector<Record>> ListVisibleRecords(Txn& txn, const Dataset& dataset) {
  constexpr int kPage = 1024;
  std::vector<Record> all;
  std::string after;
  while (true) {
    COGSYNC_ASSIGN_OR_RETURN(auto page, txn.ListRecords(dataset.identity_id, dataset.name,
                                                        ReadFloor(dataset, -1), after, kPage));
    const bool last = page.size() < size_t(kPage);
    if (!page.empty()) after = page.back().key;
    for (auto& r : page) all.push_back(std::move(r));
    if (last) return all;
  }
}

Status PurgeDatasetInBatches(Store& store, std::string_view identity_id, std::string_view dataset) {
  int64_t up_to = std::numeric_limits<int64_t>::max();
  COGSYNC_RETURN_IF_ERROR(store.Write([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto row, txn.GetDataset(identity_id, dataset, true));
    if (!row) return OkStatus();
    up_to = row->sync_count;  // a recreation after this point counts on from up_to + 1
    if (row->deleted) return OkStatus();
    Dataset marker = *row;
    marker.deleted = true;
    marker.last_deleted_at = row->sync_count;
    marker.num_records = 0;
    marker.data_storage = 0;
    return txn.PutDataset(marker);
  }));
  COGSYNC_RETURN_IF_ERROR(ReclaimRecords(store, identity_id, dataset, up_to));
  return store.Write([&](Txn& txn) -> Status { return txn.PurgeDataset(identity_id, dataset); });
}

Status DeleteIdentityInBatches(Store& store, std::string_view identity_id) {
  std::vector<Dataset> datasets;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(datasets, txn.ListAllDatasets(identity_id));
    return OkStatus();
  }));
  for (const Dataset& dataset : datasets) {
    COGSYNC_RETURN_IF_ERROR(PurgeDatasetInBatches(store, identity_id, dataset.name));
  }
  return store.Write([&](Txn& txn) -> Status { return txn.DeleteIdentity(identity_id); });
}

}  // namespace cogsync::store
