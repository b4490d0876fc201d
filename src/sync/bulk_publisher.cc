#include "sync/bulk_publisher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "common/json.h"
#include "outbox/dispatcher.h"
#include "sync/stream_records.h"

namespace cogsync::sync {
namespace {

namespace bj = boost::json;

constexpr std::string_view kLeaseName = "bulk-publish";
constexpr int kDatasetsPerStep = 20;
constexpr int64_t kLeaseMillis = 15000;
constexpr std::string_view kCursorIdentity = "CursorIdentityId";
constexpr std::string_view kCursorDataset = "CursorDatasetName";

bool InProgress(const store::Pool& pool) {
  return json::GetString(pool.bulk_publish, "BulkPublishStatus").value_or("") == "IN_PROGRESS";
}

// Ends the run: SUCCEEDED (failure empty) or FAILED, unless it is no longer in progress.
Status Finish(store::Store& store, const std::string& pool_id, int64_t now_ms,
              const std::string& failure) {
  return store.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, txn.GetPool(pool_id));
    if (!current || !InProgress(*current)) return OkStatus();
    store::Pool pool = *current;
    bj::object bp{{"BulkPublishStatus", failure.empty() ? "SUCCEEDED" : "FAILED"},
                  {"BulkPublishCompleteTime", now_ms}};
    if (auto started = json::GetInt(pool.bulk_publish, "BulkPublishStartTime")) {
      bp["BulkPublishStartTime"] = *started;
    }
    if (!failure.empty()) bp["FailureMessage"] = failure;
    pool.bulk_publish = std::move(bp);
    return txn.PutPool(pool);
  });
}

}  // namespace

BulkPublisher::BulkPublisher(store::Store& store, const Clock& clock, const Config& config,
                             outbox::Sinks& sinks, std::string owner)
    : store_(store),
      clock_(clock),
      config_(config),
      sinks_(sinks),
      lease_(store, clock, std::string(kLeaseName), std::move(owner), kLeaseMillis),
      // Polling finds runs started on other nodes (and lease handovers); a graceful stop hands
      // the lease over so a restarted or other node resumes the run at once.
      worker_(
          std::chrono::seconds(2), [this] { Pass(); }, [this] { lease_.Release(); }) {}

BulkPublisher::~BulkPublisher() { Stop(); }

void BulkPublisher::Start() { worker_.Start(); }
void BulkPublisher::Stop() { worker_.Stop(); }
void BulkPublisher::Notify() { worker_.Notify(); }

void BulkPublisher::Pass() {
  // Reads first: an idle server (no run in progress) writes nothing.
  std::vector<std::string> pending;
  std::string after;
  Status listed = store_.Read([&](store::Txn& txn) -> Status {
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto pools, txn.ListPools(after, 200));
      if (pools.empty()) return OkStatus();
      after = pools.back().id;
      for (const auto& pool : pools) {
        if (InProgress(pool)) pending.push_back(pool.id);
      }
    }
  });
  if (!listed.ok()) {
    spdlog::warn("bulk publish: listing pools failed: {}", listed.error().ToString());
    return;
  }
  for (const auto& pool_id : pending) {
    if (worker_.stopping()) return;
    RunPool(pool_id);
  }
}

void BulkPublisher::RunPool(const std::string& pool_id) {
  spdlog::info("bulk publish: publishing identity pool {}", pool_id);
  while (!worker_.stopping()) {
    if (!lease_.Hold()) return;
    std::string stream;
    std::string cursor_identity;
    std::string cursor_name;
    std::vector<store::Dataset> datasets;
    bool running = false;
    Status read = store_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
      if (!pool || !InProgress(*pool)) return OkStatus();
      running = true;
      stream = EnabledStreamName(*pool);
      cursor_identity = json::GetString(pool->bulk_publish, kCursorIdentity).value_or("");
      cursor_name = json::GetString(pool->bulk_publish, kCursorDataset).value_or("");
      COGSYNC_ASSIGN_OR_RETURN(
          datasets, txn.ListPoolDatasets(pool_id, cursor_identity, cursor_name, kDatasetsPerStep));
      return OkStatus();
    });
    if (!read.ok()) {
      spdlog::warn("bulk publish of {}: {}", pool_id, read.error().ToString());
      if (!worker_.Sleep(1000)) return;
      continue;
    }
    if (!running) return;
    const int64_t now = clock_.NowMillis();
    if (stream.empty()) {
      (void)Finish(store_, pool_id, now,
                   "Cognito Streams was disabled while the bulk publish ran.");
      return;
    }
    if (datasets.empty()) {
      if (Status s = Finish(store_, pool_id, now, ""); !s.ok()) {
        spdlog::warn("bulk publish of {}: {}", pool_id, s.error().ToString());
        if (!worker_.Sleep(1000)) return;
        continue;
      }
      spdlog::info("bulk publish: identity pool {} published", pool_id);
      return;
    }
    for (const store::Dataset& dataset : datasets) {
      std::vector<store::Record> live;
      Status records = store_.Read([&](store::Txn& txn) -> Status {
        std::string after;
        while (true) {
          COGSYNC_ASSIGN_OR_RETURN(auto page,
                                   txn.ListRecords(dataset.identity_id, dataset.name,
                                                   store::ReadFloor(dataset, 0), after, 1024));
          if (page.empty()) return OkStatus();
          after = page.back().key;
          for (auto& r : page) {
            if (r.value) live.push_back(std::move(r));
          }
        }
      });
      if (!records.ok()) break;  // read again from the cursor
      const std::string record =
          bj::serialize(StreamRecord(pool_id, dataset.identity_id, dataset.name, "replace", live,
                                     dataset.sync_count, dataset.modified_ms));
      outbox::CallOutcome outcome;
      for (int attempt = 1; attempt <= kAttempts; ++attempt) {
        if (!lease_.Hold()) return;  // renewed while retrying; lost: another node goes on
        outcome = sinks_.DeliverStream(pool_id, stream, dataset.identity_id, record);
        // Durable before the cursor moves past it.
        if (std::string why; outcome.ok && !sinks_.Flush(&why)) {
          outcome.ok = false;
          outcome.error = why;
        }
        if (outcome.ok || attempt == kAttempts) break;
        const IntegrationsConfig& settings = config_.integrations;
        if (!worker_.Sleep(outbox::Dispatcher::Backoff(attempt, settings.outbox_retry_initial_ms,
                                                       settings.outbox_retry_max_ms))) {
          return;  // stopping: the cursor is where it was, the next start resumes here
        }
      }
      if (!outcome.ok) {
        spdlog::warn("bulk publish of {} failed: {}", pool_id, outcome.error);
        (void)Finish(store_, pool_id, clock_.NowMillis(),
                     "Publishing to stream " + stream + " failed: " + outcome.error.substr(0, 300));
        return;
      }
      Status advanced = store_.Write([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(auto current, txn.GetPool(pool_id));
        if (!current || !InProgress(*current)) return OkStatus();
        store::Pool pool = *current;
        pool.bulk_publish[kCursorIdentity] = dataset.identity_id;
        pool.bulk_publish[kCursorDataset] = dataset.name;
        return txn.PutPool(pool);
      });
      if (!advanced.ok()) break;
    }
  }
}

}  // namespace cogsync::sync
