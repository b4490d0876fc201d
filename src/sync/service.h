#pragma once
// Cognito Sync: the 17 operations. Each handler takes the request context and the validated
// input (the operation's input shape as JSON, path/query/header members merged in by the
// dispatcher) and returns the output shape as JSON.
//
// Entry points by file:
//   datasets.cc       ListDatasets, DescribeDataset, DeleteDataset
//   list_records.cc   ListRecords (also as its encoded body, ListRecordsBody)
//   records.cc        UpdateRecords
//   usage.cc          DescribeIdentityUsage, DescribeIdentityPoolUsage, ListIdentityPoolUsage
//   configuration.cc  Get/SetIdentityPoolConfiguration, Get/SetCognitoEvents, BulkPublish,
//                     GetBulkPublishDetails
//   devices.cc        RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset
//   service.cc        construction, the session-count flusher, shared loading and access steps
// Helpers: sync_session.h (SyncSessionTokens, D18), session_counter.h (D22), merge.h (D23).
//
// Lifetime: the service runs one background thread that flushes sync-session counts to the
// Store every second; Stop() (or the destructor) flushes once more and joins it. The Store must
// outlive the service.

#include <boost/json.hpp>
#include <condition_variable>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/request_context.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/mutex.h"
#include "common/outbound_limiter.h"
#include "common/sealed_token.h"
#include "outbox/aws_calls.h"
#include "outbox/dispatcher.h"
#include "outbox/sinks.h"
#include "store/store.h"
#include "sync/bulk_publisher.h"
#include "sync/dataset_cache.h"
#include "sync/session_counter.h"
#include "sync/sync_session.h"

namespace cogsync::sync {

namespace bj = boost::json;
using auth::RequestContext;

// Page sizes (D20): default and maximum of each list; clients ask for 1024 records, 64 datasets.
inline constexpr int kMaxRecordsPage = 1024;
inline constexpr int kMaxDatasetsPage = 64;
inline constexpr int kMaxPoolUsagePage = 60;

// The outbound side (D24-D26), owned by the composition root: the AWS calls (SyncTrigger, SNS
// endpoints), the sinks (bulk publishing) and the dispatcher to wake after writing entries.
struct Integrations {
  const outbox::AwsCalls& calls;
  outbox::Sinks& sinks;
  outbox::Dispatcher& dispatcher;
  BulkPublisher& bulk_publisher;
  // Bounds the SyncTrigger and SNS calls a pool may have out at once; null: unbounded.
  OutboundLimiter* limiter = nullptr;
};

class SyncService {
 public:
  // How often unflushed sync-session counts are written (also the most a crash can lose).
  static constexpr int kFlushIntervalMillis = 1000;

  // One entry of UpdateRecords' RecordPatches, checked (records.cc).
  struct Patch {
    bool remove = false;
    std::string key;
    std::optional<std::string> value;
    int64_t sync_count = 0;
    std::optional<int64_t> device_modified_ms;
  };

  SyncService(store::Store& store, const Clock& clock, const Config& config,
              const TokenSealer& sealer, Integrations integrations);
  ~SyncService();  // Stop()
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

  using Output = Result<bj::value>;
  // datasets.cc
  Output ListDatasets(RequestContext& ctx, const bj::object& in);
  Output DescribeDataset(RequestContext& ctx, const bj::object& in);
  Output DeleteDataset(RequestContext& ctx, const bj::object& in);
  // list_records.cc. ListRecordsBody writes the output shape's JSON itself (the dispatcher sends
  // it as it is, protocol/operations.h); ListRecords is the same answer as a value.
  Result<std::string> ListRecordsBody(RequestContext& ctx, const bj::object& in);
  struct RecordPage;  // which records of a dataset one ListRecords page reads (list_records.cc)
  Output ListRecords(RequestContext& ctx, const bj::object& in);
  // records.cc
  Output UpdateRecords(RequestContext& ctx, const bj::object& in);
  // usage.cc
  Output DescribeIdentityUsage(RequestContext& ctx, const bj::object& in);
  Output DescribeIdentityPoolUsage(RequestContext& ctx, const bj::object& in);
  Output ListIdentityPoolUsage(RequestContext& ctx, const bj::object& in);
  // configuration.cc
  Output GetIdentityPoolConfiguration(RequestContext& ctx, const bj::object& in);
  Output SetIdentityPoolConfiguration(RequestContext& ctx, const bj::object& in);
  Output GetCognitoEvents(RequestContext& ctx, const bj::object& in);
  Output SetCognitoEvents(RequestContext& ctx, const bj::object& in);
  Output BulkPublish(RequestContext& ctx, const bj::object& in);
  Output GetBulkPublishDetails(RequestContext& ctx, const bj::object& in);
  // devices.cc
  Output RegisterDevice(RequestContext& ctx, const bj::object& in);
  Output SubscribeToDataset(RequestContext& ctx, const bj::object& in);
  Output UnsubscribeFromDataset(RequestContext& ctx, const bj::object& in);

  // Writes the unflushed sync-session counts now (the background thread does this every
  // kFlushIntervalMillis). Counts whose write fails are kept for the next attempt.
  Status FlushSessionCounts();
  // Stops the flusher after a last flush. Idempotent.
  void Stop();
  // The records of recently read datasets (ListRecords from memory), for /metrics.
  const DatasetCache& dataset_cache() const { return dataset_cache_; }

 private:
  int64_t now_ms() const { return clock_.NowMillis(); }
  Output ChangeSubscription(RequestContext& ctx, const bj::object& in, bool subscribe);
  void FlushLoop();
  // records.cc: the tombstone bound of an UpdateRecords that adds `added` tombstones (D16):
  // purges the oldest past the grace period to make room, or fails with LimitExceeded.
  // Rows of a deleted revision not reclaimed yet (at most last_deleted_at) are purged first.
  Status MakeRoomForTombstones(store::Txn& txn, const std::string& identity_id,
                               const std::string& name, int64_t last_deleted_at,
                               const std::vector<Patch>& patches, int64_t added, int64_t now);
  // records.cc: the SyncTrigger round for an UpdateRecords (sync_trigger.h). Turns the caller's
  // patches into the function's answer; sets *expected_count to the dataset's sync count the
  // function saw, which the commit then requires unchanged.
  // list_records.cc: what ListRecords and DescribeDataset need of one dataset of one identity
  // (dataset_cache.h): from the cache, else read in one transaction and, when the cache is on,
  // kept (all its visible records read). Without the cache, `page` (a ListRecords page; null:
  // none) says which records to read. Null when the identity does not exist; *pool_exists says
  // whether `pool_id` does.
  Result<DatasetCache::SnapshotPtr> LoadSnapshot(const std::string& pool_id,
                                                 const std::string& identity_id,
                                                 const std::string& name, const RecordPage* page,
                                                 bool* pool_exists);
  Status RunSyncTrigger(const RequestContext& ctx, const std::string& pool_id,
                        const std::string& identity_id, const std::string& name,
                        std::vector<Patch>& patches, int64_t* expected_count);

  store::Store& store_;
  const Clock& clock_;
  const Config& config_;
  const TokenSealer& sealer_;
  Integrations integrations_;
  SyncSessionTokens sessions_;
  SessionCounter session_counts_;
  DatasetCache dataset_cache_;

  // guards no data: one flush at a time (SessionCounter tracks one batch in flight)
  Mutex flush_mu_;
  Mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  std::thread flusher_;
};

}  // namespace cogsync::sync
