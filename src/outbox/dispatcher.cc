#include "outbox/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

namespace cogsync::outbox {
namespace {

constexpr std::string_view kLeaseName = "outbox";
constexpr int64_t kLeaseMillis = 10000;
constexpr int kPageSize = 256;

struct Failure {
  std::string id;
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string error;
};

}  // namespace

Dispatcher::Dispatcher(store::Store& store, const Clock& clock, const IntegrationsConfig& settings,
                       Sinks& sinks, std::string owner)
    : store_(store),
      clock_(clock),
      settings_(settings),
      sinks_(sinks),
      lease_(store, clock, std::string(kLeaseName), std::move(owner), kLeaseMillis),
      // Another node, or this one restarted, takes over at once after a graceful stop.
      worker_(
          std::chrono::milliseconds(settings.outbox_poll_ms), [this] { Pass(); },
          [this] { lease_.Release(); }) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() { worker_.Start(); }
void Dispatcher::Stop() { worker_.Stop(); }
void Dispatcher::Notify() { worker_.Notify(); }

DispatcherStats Dispatcher::stats() const {
  return DispatcherStats{delivered_.load(), failed_attempts_.load(), dropped_.load(),
                         passes_.load()};
}

int64_t Dispatcher::Backoff(int attempts, int64_t initial_ms, int64_t max_ms) {
  int64_t delay = initial_ms;
  for (int i = 1; i < attempts && delay < max_ms; ++i) delay *= 2;
  return std::min(delay, max_ms);
}

void Dispatcher::Pass() {
  passes_.fetch_add(1, std::memory_order_relaxed);
  if (!lease_.Hold()) return;
  store::OutboxCursor cursor;
  std::string blocked_partition;
  std::map<std::string, bool> sink_down;  // kind -> no server reached in this pass
  while (true) {
    if (worker_.stopping()) return;
    if (!lease_.Hold()) return;  // a long pass renews it between pages
    std::vector<store::OutboxEntry> page;
    Status read = store_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(page, txn.ListOutbox(cursor, kPageSize));
      return OkStatus();
    });
    if (!read.ok()) {
      spdlog::warn("outbox: reading the backlog failed: {}", read.error().ToString());
      return;
    }
    if (page.empty()) return;
    const store::OutboxEntry& last = page.back();
    cursor = store::OutboxCursor{last.partition, last.position, last.sub, last.id};

    std::vector<std::string> done;
    std::vector<Failure> failures;
    for (const store::OutboxEntry& entry : page) {
      const int64_t now = clock_.NowMillis();
      if (entry.partition == blocked_partition) continue;
      if (sink_down[entry.kind] || entry.next_attempt_ms > now) {
        blocked_partition = entry.partition;
        continue;
      }
      if (entry.kind == kPushKind && now - entry.created_ms > settings_.push_max_age_ms) {
        spdlog::warn("outbox: dropping push notification {} undelivered for {} ms: {}", entry.id,
                     now - entry.created_ms, entry.last_error);
        dropped_.fetch_add(1, std::memory_order_relaxed);
        done.push_back(entry.id);
        continue;
      }
      CallOutcome outcome = sinks_.Deliver(entry);
      if (outcome.ok) {
        delivered_.fetch_add(1, std::memory_order_relaxed);
        done.push_back(entry.id);
        continue;
      }
      failed_attempts_.fetch_add(1, std::memory_order_relaxed);
      blocked_partition = entry.partition;
      if (!outcome.reached) sink_down[entry.kind] = true;
      const int attempts = entry.attempts + 1;
      // The first failure of an entry and every tenth after it are logged: enough to see a
      // broken sink without a line per retry.
      if (attempts == 1 || attempts % 10 == 0) {
        spdlog::warn("outbox: delivering {} entry {} failed (attempt {}): {}", entry.kind, entry.id,
                     attempts, outcome.error);
      }
      failures.push_back(Failure{
          entry.id, attempts,
          now + Backoff(attempts, settings_.outbox_retry_initial_ms, settings_.outbox_retry_max_ms),
          outcome.error.substr(0, 500)});
    }
    if (done.empty() && failures.empty()) continue;
    // File-sink lines become durable here, once per page, before their entries are deleted.
    if (std::string why; !sinks_.Flush(&why)) {
      spdlog::warn("outbox: {}; the page's deliveries will be repeated", why);
      return;
    }
    Status saved = store_.Write([&](store::Txn& txn) -> Status {
      for (const auto& id : done) COGSYNC_RETURN_IF_ERROR(txn.DeleteOutbox(id));
      for (const auto& f : failures) {
        COGSYNC_RETURN_IF_ERROR(
            txn.UpdateOutboxAttempt(f.id, f.attempts, f.next_attempt_ms, f.error));
      }
      return OkStatus();
    });
    if (!saved.ok()) {
      // Delivered entries stay and are delivered again later: at least once, never lost.
      spdlog::warn("outbox: recording deliveries failed: {}", saved.error().ToString());
      return;
    }
  }
}

}  // namespace cogsync::outbox
