// Datasets: ListDatasets, DescribeDataset, DeleteDataset.
//
// A deleted dataset keeps its row as a deletion marker (D17): `deleted` is set and
// `last_deleted_at` remembers the count at deletion, so a recreation continues counting and
// ListRecords can tell clients that a deletion happened after their revision. The deletion
// commits with the marker alone; the records of the deleted revision, invisible from then on
// (store::ReadFloor), are reclaimed after the commit in bounded batches, so that a dataset holding
// a large pile (tombstones stored before the D16 bound) never holds the writer for long.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "common/json.h"
#include "common/next_token.h"
#include "store/reclaim.h"
#include "sync/lookup.h"
#include "sync/service.h"
#include "sync/stream_records.h"

namespace cogsync::sync {
namespace {

std::string ListDatasetsScope(std::string_view pool_id, std::string_view identity_id) {
  return "ListDatasets\n" + std::string(pool_id) + "\n" + std::string(identity_id);
}

ApiError DatasetNotFound(std::string_view name) {
  return ApiError::ResourceNotFound("Dataset '" + std::string(name) + "' not found.");
}

// D19: an identity keeps at most limits.deleted_datasets_per_identity deletion markers beyond
// its live datasets; past it the least recently deleted go first (their deletion memory with
// them: a client that synced one before its deletion sees a new dataset if it is recreated).
Status PurgeOldestMarkers(store::Txn& txn, std::string_view identity_id, int keep) {
  COGSYNC_ASSIGN_OR_RETURN(auto all, txn.ListAllDatasets(identity_id));
  std::vector<const store::Dataset*> markers;
  for (const auto& d : all) {
    if (d.deleted) markers.push_back(&d);
  }
  if (markers.size() <= size_t(keep)) return OkStatus();
  std::sort(markers.begin(), markers.end(), [](const store::Dataset* a, const store::Dataset* b) {
    return std::tie(a->modified_ms, a->name) < std::tie(b->modified_ms, b->name);
  });
  for (size_t i = 0; i + size_t(keep) < markers.size(); ++i) {
    COGSYNC_RETURN_IF_ERROR(txn.PurgeDataset(identity_id, markers[i]->name));
  }
  return OkStatus();
}

}  // namespace

SyncService::Output SyncService::ListDatasets(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  COGSYNC_ASSIGN_OR_RETURN(const int limit, PageSize(in, "MaxResults", kMaxDatasetsPage));
  const std::string scope = ListDatasetsScope(pool_id, identity_id);
  std::string after;
  if (auto token = json::GetString(in, "NextToken")) {
    COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, scope, *token));
  }
  bj::object out;
  bj::array items;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    // No ResourceNotFound in this operation's errors: unknown pools and identities list nothing.
    COGSYNC_ASSIGN_OR_RETURN(bool usable, CheckIdentity(txn, ctx.principal, pool_id, identity_id,
                                                        MissingIdentity::kEmpty));
    if (!usable) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto datasets, txn.ListDatasets(identity_id, after, limit + 1));
    for (size_t i = 0; i < datasets.size() && i < size_t(limit); ++i) {
      items.push_back(DatasetJson(datasets[i]));
    }
    if (datasets.size() > size_t(limit)) {
      out["NextToken"] = MakeNextToken(sealer_, scope, datasets[size_t(limit) - 1].name);
    }
    return OkStatus();
  }));
  out["Count"] = int64_t(items.size());
  out["Datasets"] = std::move(items);
  return bj::value(std::move(out));
}

SyncService::Output SyncService::DescribeDataset(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string name(in.at("DatasetName").as_string());
  // From memory when the dataset is cached (ListRecords' snapshot holds the row).
  bool pool_exists = false;
  COGSYNC_ASSIGN_OR_RETURN(auto snapshot,
                           LoadSnapshot(pool_id, identity_id, name, nullptr, &pool_exists));
  if (!pool_exists) return PoolNotFound(pool_id);
  COGSYNC_RETURN_IF_ERROR(CheckIdentityState(snapshot ? &snapshot->pool_id : nullptr,
                                             snapshot && snapshot->identity_disabled, ctx.principal,
                                             pool_id, identity_id, MissingIdentity::kNotFound));
  const std::optional<store::Dataset>& dataset = snapshot->dataset;
  if (!dataset || dataset->deleted) return DatasetNotFound(name);  // D17
  return bj::value(bj::object{{"Dataset", DatasetJson(*dataset)}});
}

// Returns the dataset's metadata as it was just before the deletion.
SyncService::Output SyncService::DeleteDataset(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string name(in.at("DatasetName").as_string());
  const int64_t now = now_ms();
  bj::object out;
  bool outbox_written = false;
  int64_t last_deleted_at = 0;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_RETURN_IF_ERROR(
        CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
    COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset(identity_id, name, true));
    if (!dataset || dataset->deleted) return DatasetNotFound(name);  // D17
    out["Dataset"] = DatasetJson(*dataset);
    store::Dataset marker = *dataset;
    marker.deleted = true;
    marker.last_deleted_at = dataset->sync_count;
    last_deleted_at = marker.last_deleted_at;
    marker.data_storage = 0;
    marker.num_records = 0;
    marker.modified_ms = now;
    marker.modified_by = ctx.principal.modifier();
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(marker));
    COGSYNC_RETURN_IF_ERROR(
        PurgeOldestMarkers(txn, identity_id, config_.limits.deleted_datasets_per_identity));
    // D24: the deletion is streamed (operation "remove") and pushed like any change.
    DatasetChange change{pool_id, identity_id, name, true, marker.sync_count, now, {}, ""};
    COGSYNC_ASSIGN_OR_RETURN(
        outbox_written,
        AppendChangeEntries(txn, *pool, change, integrations_.sinks.push_configured()));
    return OkStatus();
  }));
  if (outbox_written) integrations_.dispatcher.Notify();
  // The deletion is durable and its rows invisible: a failure here only leaves rows for a later
  // reclaim (the next deletion of this dataset, the tombstone bound, or the identity's deletion).
  Status reclaimed = store::ReclaimRecords(store_, identity_id, name, last_deleted_at);
  if (!reclaimed.ok()) {
    spdlog::warn("DeleteDataset: records of {}/{} left for a later reclaim: {}", identity_id, name,
                 reclaimed.error().ToString());
  }
  return bj::value(std::move(out));
}

}  // namespace cogsync::sync
