// Pool-level Sync configuration: Get/SetIdentityPoolConfiguration (push sync and Cognito Streams
// settings), Get/SetCognitoEvents (the SyncTrigger Lambda), BulkPublish and
// GetBulkPublishDetails (D26). Settings are stored as JSON on the pool row, shaped as the API
// returns them; bulk-publish times are stored as epoch milliseconds.

#include <cctype>

#include "common/json.h"
#include "sync/lookup.h"
#include "sync/service.h"
#include "sync/sync_trigger.h"

namespace cogsync::sync {
namespace {

// A successful bulk publish may run once per 24 hours (an AWS quota).
constexpr int64_t kBulkPublishWindowMs = 24 * 3600 * 1000;

bj::object ConfigurationJson(const store::Pool& pool) {
  bj::object out;
  out["IdentityPoolId"] = pool.id;
  if (const bj::object* push = json::GetObject(pool.sync_config, "PushSync"))
    out["PushSync"] = *push;
  if (const bj::object* streams = json::GetObject(pool.sync_config, "CognitoStreams")) {
    out["CognitoStreams"] = *streams;
  }
  return out;
}

bool AllOf(std::string_view s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (pred(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}
int IsRegionChar(int c) { return std::islower(c) || std::isdigit(c) || c == '-'; }
int IsFunctionChar(int c) { return std::isalnum(c) || c == '-' || c == '_'; }

// arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<version or alias>]
bool LooksLikeLambdaArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 7 && parts.size() != 8) return false;
  return parts[0] == "arn" && parts[1].substr(0, 3) == "aws" && parts[2] == "lambda" &&
         AllOf(parts[3], IsRegionChar) && parts[4].size() == 12 &&
         AllOf(parts[4], [](int c) { return std::isdigit(c); }) && parts[5] == "function" &&
         parts[6].size() <= 64 && AllOf(parts[6], IsFunctionChar) &&
         (parts.size() == 7 || parts[7] == "$LATEST" || AllOf(parts[7], IsFunctionChar));
}

bj::object BulkPublishDetails(const store::Pool& pool) {
  bj::object out;
  out["IdentityPoolId"] = pool.id;
  const bj::object& bp = pool.bulk_publish;
  out["BulkPublishStatus"] = json::GetString(bp, "BulkPublishStatus").value_or("NOT_STARTED");
  if (auto t = json::GetInt(bp, "BulkPublishStartTime"))
    out["BulkPublishStartTime"] = json::Timestamp(*t);
  if (auto t = json::GetInt(bp, "BulkPublishCompleteTime")) {
    out["BulkPublishCompleteTime"] = json::Timestamp(*t);
  }
  if (auto m = json::GetString(bp, "FailureMessage")) out["FailureMessage"] = *m;
  return out;
}

// The start of BulkPublish's state machine (D26), run inside the pool's write transaction:
// NOT_STARTED -> IN_PROGRESS here, then SUCCEEDED/FAILED by the background run
// (bulk_publisher.h). A FAILED run does not start the 24-hour window; only a SUCCEEDED one does.
Status StartBulkPublish(store::Pool& pool, int64_t now_ms) {
  const bj::object* streams = json::GetObject(pool.sync_config, "CognitoStreams");
  if (streams == nullptr || !json::GetString(*streams, "StreamName")) {
    return ApiError::InvalidParameter("Cognito Streams is not configured for identity pool " +
                                      pool.id + ".");
  }
  if (json::GetString(*streams, "StreamingStatus").value_or("DISABLED") != "ENABLED") {
    return ApiError::InvalidParameter("Cognito Streams is DISABLED for identity pool " + pool.id +
                                      "; bulk publish needs StreamingStatus ENABLED.");
  }
  const bj::object& bp = pool.bulk_publish;
  const std::string status = json::GetString(bp, "BulkPublishStatus").value_or("NOT_STARTED");
  if (status == "IN_PROGRESS") {
    return ApiError::DuplicateRequest("A bulk publish is already in progress for identity pool " +
                                      pool.id + ".");
  }
  if (status == "SUCCEEDED") {
    const int64_t completed = json::GetInt(bp, "BulkPublishCompleteTime").value_or(0);
    if (now_ms - completed < kBulkPublishWindowMs) {
      return ApiError::AlreadyStreamed("A bulk publish of identity pool " + pool.id +
                                       " already succeeded in the last 24 hours.");
    }
  }
  pool.bulk_publish =
      bj::object{{"BulkPublishStatus", "IN_PROGRESS"}, {"BulkPublishStartTime", now_ms}};
  return OkStatus();
}

}  // namespace

SyncService::Output SyncService::GetIdentityPoolConfiguration(RequestContext&,
                                                              const bj::object& in) {
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    out = ConfigurationJson(*pool);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

// PushSync and CognitoStreams given replace the stored ones; absent ones are kept. A
// CognitoStreams without StreamingStatus is DISABLED (AWS documents no default; streaming
// nobody asked for is the unsafe choice).
SyncService::Output SyncService::SetIdentityPoolConfiguration(RequestContext&,
                                                              const bj::object& in) {
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    store::Pool pool = *current;
    if (const bj::object* push = json::GetObject(in, "PushSync")) {
      bj::object stored = *push;
      if (!json::GetArray(stored, "ApplicationArns")) stored["ApplicationArns"] = bj::array();
      pool.sync_config["PushSync"] = std::move(stored);
    }
    if (const bj::object* streams = json::GetObject(in, "CognitoStreams")) {
      bj::object stored = *streams;
      if (!json::GetString(stored, "StreamingStatus")) stored["StreamingStatus"] = "DISABLED";
      pool.sync_config["CognitoStreams"] = std::move(stored);
    }
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
    out = ConfigurationJson(pool);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

SyncService::Output SyncService::GetCognitoEvents(RequestContext&, const bj::object& in) {
  bj::object events;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    events = pool->events;
    return OkStatus();
  }));
  return bj::value(bj::object{{"Events", std::move(events)}});
}

// Only the keys given change; an empty value removes its key. SyncTrigger is the only event.
SyncService::Output SyncService::SetCognitoEvents(RequestContext&, const bj::object& in) {
  const bj::object& given = in.at("Events").as_object();
  for (const auto& kv : given) {
    if (kv.key() != kSyncTrigger) {
      return ApiError::InvalidParameter("Unsupported event type: " + std::string(kv.key()) +
                                        " (the only event is SyncTrigger).");
    }
    const std::string_view arn = kv.value().as_string();
    if (!arn.empty() && !LooksLikeLambdaArn(arn)) {
      return ApiError::InvalidParameter("Invalid Lambda function ARN for SyncTrigger: " +
                                        std::string(arn));
    }
  }
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    store::Pool pool = *current;
    for (const auto& kv : given) {
      if (kv.value().as_string().empty()) {
        pool.events.erase(kv.key());
      } else {
        pool.events[kv.key()] = kv.value();
      }
    }
    return txn.PutPool(pool);
  }));
  return bj::value(nullptr);
}

SyncService::Output SyncService::BulkPublish(RequestContext&, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const int64_t now = now_ms();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, pool_id));
    store::Pool pool = *current;
    COGSYNC_RETURN_IF_ERROR(StartBulkPublish(pool, now));
    return txn.PutPool(pool);
  }));
  integrations_.bulk_publisher.Notify();
  return bj::value(bj::object{{"IdentityPoolId", pool_id}});
}

SyncService::Output SyncService::GetBulkPublishDetails(RequestContext&, const bj::object& in) {
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    out = BulkPublishDetails(*pool);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

}  // namespace cogsync::sync
