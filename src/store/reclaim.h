#pragma once
// Reclaiming large piles of rows without holding the single writer: each batch is its own write
// transaction, so other identities' writes run between batches (D16, the Bounds table of
// docs/security.md).

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::store {

// Rows removed per write transaction while reclaiming.
inline constexpr int kReclaimBatch = 1024;

// Removes every record of the dataset whose SyncCount is at most max_sync_count (the rows of its
// deleted revisions, ReadFloor in types.h), kReclaimBatch rows per write transaction.
Status ReclaimRecords(Store& store, std::string_view identity_id, std::string_view dataset,
                      int64_t max_sync_count);

// Every record of the dataset that a reader may see (ReadFloor in types.h), in key order, read
// page by page within the caller's transaction (D16 and D19 bound how many there are).
Result<std::vector<Record>> ListVisibleRecords(Txn& txn, const Dataset& dataset);

// Removes the dataset (PurgeDataset) in bounded steps: first, in one transaction, a live dataset
// is marked deleted at its SyncCount, so that none of its rows is visible from then on; then its
// rows are reclaimed in batches; then the row itself goes. A failure part-way leaves a deleted
// dataset with fewer rows, which a retry finishes.
Status PurgeDatasetInBatches(Store& store, std::string_view identity_id, std::string_view dataset);

// Removes the identity as DeleteIdentities does: each of its datasets through
// PurgeDatasetInBatches, then the identity with what is left (DeleteIdentity). An unknown identity
// is no error. A failure part-way leaves the identity with fewer datasets; a retry finishes it.
Status DeleteIdentityInBatches(Store& store, std::string_view identity_id);

}  // namespace cogsync::store
