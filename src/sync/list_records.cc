// Records: ListRecords (D14, D16-D18, D20, D22, D23), answered from memory when the dataset is
// cached (dataset_cache.h), and written straight into the response body: a record's JSON is
// made once, when its dataset is read from the store, and an answer copies a page of it.

#include <algorithm>

#include "common/json.h"
#include "common/next_token.h"
#include "store/reclaim.h"
#include "sync/lookup.h"
#include "sync/service.h"

namespace cogsync::sync {

// The records of a ListRecords to read: newer than the client's count, after the page token's
// key, at most `limit` (and one more, to know that another page follows).
struct SyncService::RecordPage {
  int64_t last_sync_count = 0;
  std::string_view after;
  int limit = 0;
};

namespace {

using Snapshot = DatasetCache::Snapshot;

std::string ListRecordsScope(std::string_view pool_id, std::string_view identity_id,
                             std::string_view dataset, int64_t last_sync_count) {
  return "ListRecords\n" + std::string(pool_id) + "\n" + std::string(identity_id) + "\n" +
         std::string(dataset) + "\n" + std::to_string(last_sync_count);
}

// Puts records (in key order) into the snapshot: keys, counts and their JSON, encoded once.
void SetRecords(Snapshot& snapshot, const std::vector<store::Record>& records) {
  snapshot.records.reserve(records.size());
  for (const store::Record& r : records) {
    if (!snapshot.json.empty()) snapshot.json += ',';
    const size_t begin = snapshot.json.size();
    json::AppendTo(snapshot.json, bj::value(RecordJson(r)));
    snapshot.records.push_back(Snapshot::Record{r.key, r.sync_count, begin, snapshot.json.size()});
  }
  snapshot.json.shrink_to_fit();
}

// What a ListRecords answer is made of, read in the caller's transaction; null when the identity
// does not exist. The records are every visible record of a live dataset (`all`: a snapshot to
// cache), or only those of the page (the dataset's other records are not read), or none.
Result<DatasetCache::SnapshotPtr> ReadSnapshot(store::Txn& txn, std::string_view identity_id,
                                               std::string_view name, bool all,
                                               const SyncService::RecordPage* page) {
  COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(identity_id));
  if (!identity) return DatasetCache::SnapshotPtr();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->pool_id = std::move(identity->pool_id);
  snapshot->identity_disabled = identity->disabled;
  COGSYNC_ASSIGN_OR_RETURN(snapshot->dataset, txn.GetDataset(identity_id, name, false));
  COGSYNC_ASSIGN_OR_RETURN(snapshot->merged_names, txn.ListMergedDatasetNames(identity_id, name));
  const store::Dataset* dataset = snapshot->dataset ? &*snapshot->dataset : nullptr;
  if (dataset == nullptr || dataset->deleted) return DatasetCache::SnapshotPtr(std::move(snapshot));
  if (all) {
    COGSYNC_ASSIGN_OR_RETURN(auto records, store::ListVisibleRecords(txn, *dataset));
    SetRecords(*snapshot, records);
  } else if (page != nullptr && page->last_sync_count < dataset->sync_count) {
    // No record is newer than its dataset: a client at (or claiming to be past) the dataset's
    // count gets nothing, without a scan of the dataset on this I/O thread.
    COGSYNC_ASSIGN_OR_RETURN(
        auto records,
        txn.ListRecords(identity_id, name, store::ReadFloor(*dataset, page->last_sync_count),
                        page->after, page->limit + 1));
    SetRecords(*snapshot, records);
  }
  return DatasetCache::SnapshotPtr(std::move(snapshot));
}

}  // namespace

Result<DatasetCache::SnapshotPtr> SyncService::LoadSnapshot(const std::string& pool_id,
                                                            const std::string& identity_id,
                                                            const std::string& name,
                                                            const RecordPage* page,
                                                            bool* pool_exists) {
  DatasetCache::Ticket ticket;
  DatasetCache::SnapshotPtr snapshot;
  if (dataset_cache_.enabled()) snapshot = dataset_cache_.Find(identity_id, name, &ticket);
  if (snapshot && snapshot->pool_id == pool_id) {
    *pool_exists = true;  // the identity's own pool: its deletion would have dropped the entry
    return snapshot;
  }
  const bool fill = dataset_cache_.enabled() && !snapshot;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
    *pool_exists = pool != nullptr;
    if (snapshot) return OkStatus();  // cached under another pool: only the pool was unknown
    COGSYNC_ASSIGN_OR_RETURN(snapshot, ReadSnapshot(txn, identity_id, name, fill, page));
    return OkStatus();
  }));
  if (fill && snapshot) dataset_cache_.Insert(identity_id, name, ticket, snapshot);
  return snapshot;
}

Result<std::string> SyncService::ListRecordsBody(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string name(in.at("DatasetName").as_string());
  COGSYNC_ASSIGN_OR_RETURN(const int limit, PageSize(in, "MaxResults", kMaxRecordsPage));
  // Clients never send a negative count; treat one as "from the start".
  const int64_t last_sync_count =
      std::max<int64_t>(0, json::GetInt(in, "LastSyncCount").value_or(0));
  // What a page token is bound to; built only when a token is read or made.
  auto scope = [&] { return ListRecordsScope(pool_id, identity_id, name, last_sync_count); };
  std::string after;
  if (auto token = json::GetString(in, "NextToken")) {
    COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, scope(), *token));
  }
  const int64_t now = now_ms();
  // A valid token continues its session and comes back unchanged; otherwise a new session.
  std::string session_token;
  bool new_session = false;
  if (auto given = json::GetString(in, "SyncSessionToken")) {
    COGSYNC_RETURN_IF_ERROR(sessions_.Verify(*given, pool_id, identity_id, name, now));
    session_token = *given;
  } else {
    session_token = sessions_.Issue(pool_id, identity_id, name, now);
    new_session = true;
  }

  // What the answer is made of: from memory (dataset_cache.h) when cached, else from one read
  // transaction, which on a cache miss reads the whole dataset (D16/D19 bound it) to keep it.
  const RecordPage page{last_sync_count, after, limit};
  bool pool_exists = false;
  COGSYNC_ASSIGN_OR_RETURN(DatasetCache::SnapshotPtr snapshot,
                           LoadSnapshot(pool_id, identity_id, name, &page, &pool_exists));
  // No ResourceNotFound in this operation's errors: unknown pools and identities have nothing.
  COGSYNC_ASSIGN_OR_RETURN(
      const bool usable, CheckIdentityState(snapshot ? &snapshot->pool_id : nullptr,
                                            snapshot && snapshot->identity_disabled, ctx.principal,
                                            pool_id, identity_id, MissingIdentity::kEmpty));
  if (new_session && pool_exists) session_counts_.Add(pool_id);  // D22

  const store::Dataset* dataset = usable && snapshot->dataset ? &*snapshot->dataset : nullptr;
  const bool exists = dataset != nullptr && !dataset->deleted;
  // D17: a deletion at count D happened after the client's revision L when L <= D (the client
  // saw at most revision D, which the deletion then wiped). A client that synced after the
  // recreation holds L > D. A deleted dataset reports count 0, as a dataset that never existed
  // does, so no client ever stores L = D for a deletion it has not seen the end of.
  const bool deleted_after = dataset != nullptr && last_sync_count > 0 &&
                             dataset->last_deleted_at > 0 &&
                             dataset->last_deleted_at >= last_sync_count;

  std::string body;
  body.reserve(320 + session_token.size() + (exists ? snapshot->json.size() : 0));
  body += "{\"Records\":[";
  int64_t count = 0;
  std::string next_token;
  // A client at (or past) the dataset's count has every record: nothing to look through.
  if (exists && last_sync_count < dataset->sync_count) {
    const std::vector<Snapshot::Record>& all = snapshot->records;
    // Keys ascend, so the page starts after `after` and skips what the client already has.
    auto it = after.empty()
                  ? all.begin()
                  : std::upper_bound(all.begin(), all.end(), after,
                                     [](const std::string& key, const Snapshot::Record& r) {
                                       return key < r.key;
                                     });
    // Consecutive listed records are one copy: their JSON with the commas between them.
    size_t run_begin = 0;
    size_t run_end = 0;
    auto copy_run = [&] {
      if (run_end == run_begin) return;
      if (body.back() != '[') body += ',';
      body.append(snapshot->json, run_begin, run_end - run_begin);
      run_begin = run_end = 0;
    };
    const Snapshot::Record* last_listed = nullptr;
    for (; it != all.end(); ++it) {
      if (it->sync_count <= last_sync_count) {
        copy_run();
        continue;
      }
      if (count >= limit) {  // one more exists: the page ends here
        if (last_listed != nullptr) next_token = MakeNextToken(sealer_, scope(), last_listed->key);
        break;
      }
      if (run_end == run_begin) run_begin = it->begin;
      run_end = it->end;
      ++count;
      last_listed = &*it;
    }
    copy_run();
  }
  body += "],\"Count\":";
  json::AppendTo(body, bj::value(count));
  body += ",\"DatasetSyncCount\":";
  json::AppendTo(body, bj::value(exists ? dataset->sync_count : int64_t(0)));
  body += exists ? ",\"DatasetExists\":true" : ",\"DatasetExists\":false";
  body += deleted_after ? ",\"DatasetDeletedAfterRequestedSyncCount\":true"
                        : ",\"DatasetDeletedAfterRequestedSyncCount\":false";
  if (exists) {
    body += ",\"LastModifiedBy\":";
    json::AppendString(body, dataset->modified_by);
  }
  body += ",\"MergedDatasetNames\":[";
  if (usable) {
    for (const std::string& merged : snapshot->merged_names) {  // D23
      if (body.back() != '[') body += ',';
      json::AppendString(body, merged);
    }
  }
  body += ']';
  if (!next_token.empty()) {
    body += ",\"NextToken\":";
    json::AppendString(body, next_token);
  }
  body += ",\"SyncSessionToken\":";
  json::AppendString(body, session_token);
  body += '}';
  return body;
}

SyncService::Output SyncService::ListRecords(RequestContext& ctx, const bj::object& in) {
  COGSYNC_ASSIGN_OR_RETURN(std::string body, ListRecordsBody(ctx, in));
  std::optional<bj::value> parsed = json::Parse(body);
  if (!parsed) return ApiError::InternalError("ListRecords wrote a malformed answer");
  return std::move(*parsed);
}

}  // namespace cogsync::sync
