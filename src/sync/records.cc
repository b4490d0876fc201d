// Records: UpdateRecords (ListRecords: list_records.cc).
//
// SyncCount (D14): each UpdateRecords that applies at least one patch adds 1 to the dataset's
// count, and every record it writes takes the new count. Conflicts (D15): a patch's SyncCount
// must equal the stored record's (0 for a key never written), else the whole request fails with
// 409 and nothing is applied. The compare-and-set happens inside one Store::Write that reads the
// dataset row for update, so of two concurrent updates built on the same count exactly one wins.
//
// Tombstones (D16): a remove of a stored record keeps Key, SyncCount and dates without a Value.
// A remove of a key the dataset does not hold (never stored, or already a tombstone) is answered
// as a tombstone at the new SyncCount but writes no row. Tombstones never count toward NumRecords
// or DataStorage, but at most limits.tombstones_per_dataset are kept: past it the oldest ones
// older than limits.tombstone_grace_days are purged, and when none is that old the update fails
// with LimitExceededException. At most limits.record_patches_per_request patches per request
// (D19).

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "common/json.h"
#include "store/reclaim.h"
#include "sync/lookup.h"
#include "sync/service.h"
#include "sync/stream_records.h"
#include "sync/sync_trigger.h"

namespace cogsync::sync {
namespace {

using Patch = SyncService::Patch;

// The patches of an UpdateRecords, checked for everything that needs no state: key and value
// sizes (D19) and duplicate keys (D15).
Result<std::vector<Patch>> ParsePatches(const bj::object& in, const Limits& limits) {
  std::vector<Patch> patches;
  const bj::array* given = json::GetArray(in, "RecordPatches");
  if (given == nullptr) return patches;
  if (given->size() > size_t(limits.record_patches_per_request)) {
    return ApiError::LimitExceeded("The maximum number of record patches per request (" +
                                   std::to_string(limits.record_patches_per_request) +
                                   ") has been exceeded.");
  }
  std::set<std::string> seen;
  for (const auto& item : *given) {
    const bj::object& p = item.as_object();
    Patch patch;
    patch.remove = p.at("Op").as_string() == "remove";
    patch.key = std::string(p.at("Key").as_string());
    patch.sync_count = *json::GetInt(p, "SyncCount");
    patch.device_modified_ms = json::GetTimestampMillis(p, "DeviceLastModifiedDate");
    if (patch.key.empty() || patch.key.size() > size_t(limits.key_bytes)) {
      return ApiError::InvalidParameter("Record key '" + patch.key.substr(0, 64) +
                                        "' must be 1 to " + std::to_string(limits.key_bytes) +
                                        " UTF-8 bytes long.");
    }
    // A remove ignores any Value (the JS Sync Manager sends '' with its removes).
    if (!patch.remove) {
      patch.value = json::GetString(p, "Value").value_or("");
      if (int64_t(patch.value->size()) > limits.value_bytes) {
        return ApiError::InvalidParameter("The value of record '" + patch.key +
                                          "' is longer than " + std::to_string(limits.value_bytes) +
                                          " bytes.");
      }
    }
    if (!seen.insert(patch.key).second) {
      return ApiError::InvalidParameter("Duplicate key in RecordPatches: " + patch.key);
    }
    patches.push_back(std::move(patch));
  }
  return patches;
}

}  // namespace

SyncService::Output SyncService::UpdateRecords(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string name(in.at("DatasetName").as_string());
  const int64_t now = now_ms();
  // Everything that needs no state is checked before the transaction.
  COGSYNC_RETURN_IF_ERROR(
      sessions_.Verify(in.at("SyncSessionToken").as_string(), pool_id, identity_id, name, now));
  COGSYNC_ASSIGN_OR_RETURN(auto patches, ParsePatches(in, config_.limits));
  const Limits& limits = config_.limits;
  const std::string& modifier = ctx.principal.modifier();

  if (patches.empty()) {
    // D14: nothing changes, but the pool and identity must still be valid.
    COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_RETURN_IF_ERROR(LoadPool(txn, pool_id));
      COGSYNC_RETURN_IF_ERROR(
          CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
      return OkStatus();
    }));
    return bj::value(bj::object{{"Records", bj::array()}});
  }

  // Cognito Events: only calls made with identity credentials run the SyncTrigger. Whether the
  // pool has one is seen inside the write, in its pool snapshot, so a pool without one (nearly
  // all) costs no transaction more. With one, the write stops before it changes anything, the
  // function runs outside any transaction (it may take seconds), and the write runs again with
  // the function's answer, checking that the dataset did not move meanwhile.
  const bool may_trigger = ctx.principal.is_identity();
  std::optional<int64_t> expected_count;  // the dataset's count the SyncTrigger judged
  bool trigger_first = false;
  const std::string origin_device = json::GetString(in, "DeviceId").value_or("");

  std::vector<store::Record> written;
  bool outbox_written = false;
  auto write = [&](store::Txn& txn) -> Status {
    written.clear();  // the function may run again after a serialisation failure
    trigger_first = false;
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    if (may_trigger && !expected_count && !SyncTriggerOf(*pool).empty()) {
      trigger_first = true;
      return ApiError::InternalError("the SyncTrigger runs first");  // changes nothing; not sent
    }
    COGSYNC_RETURN_IF_ERROR(
        CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
    COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset(identity_id, name, /*for_update=*/true));
    const bool live = dataset && !dataset->deleted;
    if (expected_count && (live ? dataset->sync_count : 0) != *expected_count) {
      // Another update landed while the SyncTrigger ran: the function judged a stale dataset.
      return ApiError::ResourceConflict("Dataset '" + name +
                                        "' changed while its SyncTrigger ran; sync again.");
    }
    if (!live) {
      // Creating (or recreating) a dataset: D19's datasets-per-identity limit.
      COGSYNC_ASSIGN_OR_RETURN(auto existing,
                               txn.ListDatasets(identity_id, "", limits.datasets_per_identity));
      if (existing.size() >= size_t(limits.datasets_per_identity)) {
        return ApiError::LimitExceeded("The maximum number of datasets per identity (" +
                                       std::to_string(limits.datasets_per_identity) +
                                       ") has been reached.");
      }
    }
    std::vector<std::string> keys;
    keys.reserve(patches.size());
    for (const auto& p : patches) keys.push_back(p.key);
    COGSYNC_ASSIGN_OR_RETURN(auto stored_list, txn.GetRecords(identity_id, name, keys));
    std::unordered_map<std::string, store::Record> stored;
    for (auto& r : stored_list) {
      if (dataset && store::InDeletedRevision(*dataset, r)) continue;  // not reclaimed yet
      stored.emplace(r.key, std::move(r));
    }

    int64_t num_records = live ? dataset->num_records : 0;
    int64_t data_storage = live ? dataset->data_storage : 0;
    const int64_t old_records = num_records;
    const int64_t old_storage = data_storage;
    int64_t new_tombstones = 0;            // net change of the dataset's tombstones (D16)
    std::set<std::string_view> unchanged;  // removes of keys the dataset does not hold
    for (const auto& p : patches) {
      auto it = stored.find(p.key);
      const int64_t current = it == stored.end() ? 0 : it->second.sync_count;
      if (p.sync_count != current) {  // D15: stale or ahead, all-or-nothing
        return ApiError::ResourceConflict("Current SyncCount for: " + p.key +
                                          " is: " + std::to_string(current) +
                                          " not: " + std::to_string(p.sync_count));
      }
      const bool held = it != stored.end() && it->second.value;
      const bool tombstone = it != stored.end() && !it->second.value;
      if (held) {
        num_records -= 1;
        data_storage -= RecordBytes(it->second);
      }
      if (!p.remove) {
        num_records += 1;
        data_storage += int64_t(p.key.size() + p.value->size());
        if (tombstone) new_tombstones -= 1;
      } else if (held) {
        new_tombstones += 1;
      } else {
        unchanged.insert(p.key);
      }
    }
    // D19; an update that shrinks a dataset already past a (lowered) limit is still allowed.
    if (num_records > limits.records_per_dataset && num_records > old_records) {
      return ApiError::LimitExceeded("The maximum number of records per dataset (" +
                                     std::to_string(limits.records_per_dataset) +
                                     ") would be exceeded.");
    }
    if (data_storage > limits.dataset_bytes && data_storage > old_storage) {
      return ApiError::LimitExceeded("The maximum dataset size (" +
                                     std::to_string(limits.dataset_bytes) +
                                     " bytes) would be exceeded.");
    }
    if (new_tombstones > 0) {
      COGSYNC_RETURN_IF_ERROR(MakeRoomForTombstones(txn, identity_id, name,
                                                    dataset ? dataset->last_deleted_at : 0, patches,
                                                    new_tombstones, now));
    }

    store::Dataset next;
    if (dataset) next = *dataset;  // a deletion marker keeps its count and last_deleted_at (D17)
    if (!live) next.created_ms = now;
    next.identity_id = identity_id;
    next.name = name;
    next.pool_id = pool_id;
    next.deleted = false;
    next.sync_count = (dataset ? dataset->sync_count : 0) + 1;  // D14
    next.modified_ms = now;
    next.modified_by = modifier;  // D21
    next.num_records = num_records;
    next.data_storage = data_storage;
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(next));
    for (const auto& p : patches) {
      store::Record record;
      record.key = p.key;
      record.value = p.value;  // nullopt for a remove: a tombstone (D16)
      record.sync_count = next.sync_count;
      record.modified_ms = now;
      record.modified_by = modifier;
      record.device_modified_ms = p.device_modified_ms;
      if (!unchanged.contains(p.key)) {
        COGSYNC_RETURN_IF_ERROR(txn.PutRecord(identity_id, name, record));
      }
      written.push_back(std::move(record));
    }
    DatasetChange change{pool_id,         identity_id, name,    false,
                         next.sync_count, now,         written, origin_device};
    COGSYNC_ASSIGN_OR_RETURN(
        outbox_written,
        AppendChangeEntries(txn, *pool, change, integrations_.sinks.push_configured()));
    return OkStatus();
  };
  Status status = store_.Write(write);
  if (trigger_first) {
    int64_t seen = 0;
    COGSYNC_RETURN_IF_ERROR(RunSyncTrigger(ctx, pool_id, identity_id, name, patches, &seen));
    expected_count = seen;
    status = store_.Write(write);
  }
  if (!status.ok()) return status.error();
  if (outbox_written) integrations_.dispatcher.Notify();
  bj::array records;
  for (const auto& r : written) records.push_back(RecordJson(r));
  return bj::value(bj::object{{"Records", std::move(records)}});
}

// D16: the dataset may keep limits.tombstones_per_dataset tombstones. When `added` more would
// pass it, the oldest tombstones older than the grace period (and not named by this update) are
// purged to make room; when too few are that old, nothing changes and the update fails.
Status SyncService::MakeRoomForTombstones(store::Txn& txn, const std::string& identity_id,
                                          const std::string& name, int64_t last_deleted_at,
                                          const std::vector<Patch>& patches, int64_t added,
                                          int64_t now) {
  const Limits& limits = config_.limits;
  COGSYNC_ASSIGN_OR_RETURN(int64_t held, txn.CountTombstones(identity_id, name));
  int64_t excess = held + added - limits.tombstones_per_dataset;
  if (excess <= 0) return OkStatus();
  if (last_deleted_at > 0) {
    // Rows of a deleted revision that a reclaim left behind count for nothing: they go first, a
    // bounded batch within this update.
    COGSYNC_ASSIGN_OR_RETURN(
        const int64_t purged,
        txn.PurgeRecordsUpTo(identity_id, name, last_deleted_at, store::kReclaimBatch));
    if (purged > 0) {
      COGSYNC_ASSIGN_OR_RETURN(held, txn.CountTombstones(identity_id, name));
      excess = held + added - limits.tombstones_per_dataset;
      if (excess <= 0) return OkStatus();
    }
  }
  std::set<std::string_view> named;
  for (const Patch& p : patches) named.insert(p.key);
  const int64_t before = now - int64_t(limits.tombstone_grace_days) * 24 * 3600 * 1000;
  COGSYNC_ASSIGN_OR_RETURN(auto old, txn.ListOldTombstones(identity_id, name, before,
                                                           int(excess + int64_t(named.size()))));
  std::vector<std::string> purge;
  for (auto& key : old) {
    if (int64_t(purge.size()) == excess) break;
    if (!named.contains(key)) purge.push_back(std::move(key));
  }
  if (int64_t(purge.size()) < excess) {
    return ApiError::LimitExceeded("The maximum number of tombstones per dataset (" +
                                   std::to_string(limits.tombstones_per_dataset) +
                                   ") would be exceeded; removed records are kept for " +
                                   std::to_string(limits.tombstone_grace_days) + " days.");
  }
  for (const auto& key : purge) COGSYNC_RETURN_IF_ERROR(txn.DeleteRecord(identity_id, name, key));
  return OkStatus();
}

Status SyncService::RunSyncTrigger(const RequestContext& ctx, const std::string& pool_id,
                                   const std::string& identity_id, const std::string& name,
                                   std::vector<Patch>& patches, int64_t* expected_count) {
  // The function call holds this worker until it answers: bounded per pool, so a slow function
  // throttles only its own pool (OutboundLimiter). Taken first, so a refused request costs no
  // read of the dataset.
  std::optional<OutboundLimiter::Permit> permit;
  if (integrations_.limiter != nullptr) {
    permit = integrations_.limiter->TryAcquire(pool_id);
    if (!permit.has_value()) {
      return ApiError::LambdaThrottled(
          "Too many SyncTrigger calls of this identity pool are in progress; retry later.");
    }
  }
  std::string function_arn;
  std::vector<store::Record> live;
  std::unordered_map<std::string, int64_t> counts;  // key -> stored SyncCount (tombstones too)
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    function_arn = SyncTriggerOf(*pool);
    COGSYNC_RETURN_IF_ERROR(
        CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
    COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset(identity_id, name, false));
    const bool exists = dataset && !dataset->deleted;
    *expected_count = exists ? dataset->sync_count : 0;
    if (!exists) return OkStatus();
    std::string after;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(
          auto page,
          txn.ListRecords(identity_id, name, store::ReadFloor(*dataset, 0), after, 1024));
      if (page.empty()) break;
      after = page.back().key;
      for (auto& r : page) {
        counts[r.key] = r.sync_count;
        if (r.value) live.push_back(std::move(r));
      }
    }
    return OkStatus();
  }));
  // D15 before the function runs: a stale patch is a conflict whatever the function would say.
  for (const Patch& p : patches) {
    auto it = counts.find(p.key);
    const int64_t current = it == counts.end() ? 0 : it->second;
    if (p.sync_count != current) {
      return ApiError::ResourceConflict("Current SyncCount for: " + p.key +
                                        " is: " + std::to_string(current) +
                                        " not: " + std::to_string(p.sync_count));
    }
  }
  std::vector<TriggerPatch> proposed;
  proposed.reserve(patches.size());
  for (const Patch& p : patches) proposed.push_back(TriggerPatch{p.key, p.value});
  const bj::object event =
      SyncTriggerEvent(config_.region, pool_id, identity_id, name, live, proposed);
  COGSYNC_ASSIGN_OR_RETURN(
      std::string answer, InvokeSyncTrigger(integrations_.calls, config_.integrations, function_arn,
                                            bj::serialize(event)));
  COGSYNC_ASSIGN_OR_RETURN(auto writes, ApplySyncTriggerAnswer(event, answer, live, proposed));
  // The function's writes become the patches, each against the count it is stored with now
  // (the commit checks that the dataset did not move meanwhile).
  std::unordered_map<std::string, std::optional<int64_t>> device_dates;
  for (const Patch& p : patches) device_dates[p.key] = p.device_modified_ms;
  std::vector<Patch> result;
  for (auto& w : writes) {
    if (w.key.size() > size_t(config_.limits.key_bytes)) {
      return ApiError::InvalidLambdaFunctionOutput(
          "The SyncTrigger function wrote a key longer "
          "than " +
          std::to_string(config_.limits.key_bytes) + " bytes.");
    }
    if (w.value && int64_t(w.value->size()) > config_.limits.value_bytes) {
      return ApiError::InvalidLambdaFunctionOutput(
          "The SyncTrigger function wrote a value "
          "longer than " +
          std::to_string(config_.limits.value_bytes) + " bytes.");
    }
    Patch patch;
    patch.remove = !w.value.has_value();
    patch.key = w.key;
    patch.value = std::move(w.value);
    auto count = counts.find(patch.key);
    patch.sync_count = count == counts.end() ? 0 : count->second;
    if (auto date = device_dates.find(patch.key); date != device_dates.end()) {
      patch.device_modified_ms = date->second;
    }
    result.push_back(std::move(patch));
  }
  patches = std::move(result);
  return OkStatus();
}

}  // namespace cogsync::sync
