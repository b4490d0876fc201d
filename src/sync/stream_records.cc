#include "sync/stream_records.h"

#include "common/ids.h"
#include "common/json.h"
#include "outbox/sinks.h"

namespace cogsync::sync {
namespace {

namespace bj = boost::json;

std::string Partition(std::string_view kind, std::string_view scope, std::string_view identity_id,
                      std::string_view dataset) {
  std::string out(kind);
  for (std::string_view part : {scope, identity_id, dataset}) {
    out += '\n';
    out += part;
  }
  return out;
}

}  // namespace

bj::object StreamRecord(std::string_view pool_id, std::string_view identity_id,
                        std::string_view dataset, std::string_view operation,
                        const std::vector<store::Record>& records, int64_t sync_count,
                        int64_t modified_ms) {
  bj::array items;
  for (const store::Record& r : records) {
    bj::object item;
    item["key"] = r.key;
    if (r.value) item["value"] = *r.value;
    item["syncCount"] = r.sync_count;
    item["lastModifiedDate"] = r.modified_ms;
    // A record the client sent without a device date carries the server's.
    item["deviceLastModifiedDate"] = r.device_modified_ms.value_or(r.modified_ms);
    item["lastModifiedBy"] = r.modified_by;
    item["op"] = r.value ? "replace" : "remove";
    items.push_back(std::move(item));
  }
  return bj::object{{"identityPoolId", pool_id},
                    {"identityId", identity_id},
                    {"dataSetName", dataset},
                    {"operation", operation},
                    {"kinesisSyncRecords", std::move(items)},
                    {"lastModifiedDate", modified_ms},
                    {"syncCount", sync_count},
                    {"payloadType", "Inline"}};
}

std::string EnabledStreamName(const store::Pool& pool) {
  const bj::object* streams = json::GetObject(pool.sync_config, "CognitoStreams");
  if (streams == nullptr) return "";
  if (json::GetString(*streams, "StreamingStatus").value_or("") != "ENABLED") return "";
  return json::GetString(*streams, "StreamName").value_or("");
}

Result<bool> AppendChangeEntries(store::Txn& txn, const store::Pool& pool,
                                 const DatasetChange& change, bool push_enabled) {
  const int64_t position = 2 * change.sync_count + (change.deletion ? 1 : 0);
  bool appended = false;
  // A push supersedes the device's undelivered one for the dataset (ReplaceOutbox): it only says
  // "dataset changed", so one pending notification per device and dataset is enough.
  auto append = [&](std::string_view kind, std::string partition, int sub, std::string target,
                    std::string payload) -> Status {
    store::OutboxEntry entry;
    entry.id = ids::Uuid();
    entry.kind = std::string(kind);
    entry.pool_id = change.pool_id;
    entry.partition = std::move(partition);
    entry.position = position;
    entry.sub = sub;
    entry.target = std::move(target);
    entry.payload = std::move(payload);
    entry.created_ms = change.modified_ms;
    appended = true;
    return kind == outbox::kPushKind ? txn.ReplaceOutbox(entry) : txn.AppendOutbox(entry);
  };

  if (std::string stream = EnabledStreamName(pool); !stream.empty()) {
    bj::object record = StreamRecord(change.pool_id, change.identity_id, change.dataset,
                                     change.deletion ? "remove" : "replace", change.records,
                                     change.sync_count, change.modified_ms);
    bj::object target{{"stream", stream}, {"partitionKey", change.identity_id}};
    COGSYNC_RETURN_IF_ERROR(append(
        outbox::kStreamKind, Partition(outbox::kStreamKind, "", change.identity_id, change.dataset),
        0, bj::serialize(target), bj::serialize(record)));
  }

  if (push_enabled) {
    COGSYNC_ASSIGN_OR_RETURN(auto subscriptions,
                             txn.ListSubscriptions(change.identity_id, change.dataset));
    const std::string payload = bj::serialize(bj::object{{"source", "cognito-sync"},
                                                         {"identityPoolId", change.pool_id},
                                                         {"identityId", change.identity_id},
                                                         {"datasetName", change.dataset},
                                                         {"syncCount", change.sync_count}});
    for (const store::Subscription& sub : subscriptions) {
      if (sub.device_id == change.origin_device) continue;
      // Only the device id: its token is looked up at delivery (outbox/dispatcher.cc), so an
      // entry stays small whatever the token, and a replaced device is not notified.
      bj::object target{{"deviceId", sub.device_id}};
      COGSYNC_RETURN_IF_ERROR(
          append(outbox::kPushKind,
                 Partition(outbox::kPushKind, sub.device_id, change.identity_id, change.dataset), 0,
                 bj::serialize(target), payload));
    }
  }
  return appended;
}

}  // namespace cogsync::sync
