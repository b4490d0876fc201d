#include "outbox/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "common/json.h"

namespace cogsync::outbox {
namespace {

namespace bj = boost::json;

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
                         passes_.load(), read_.load()};
}

int64_t Dispatcher::Backoff(int attempts, int64_t initial_ms, int64_t max_ms) {
  int64_t delay = initial_ms;
  for (int i = 1; i < attempts && delay < max_ms; ++i) delay *= 2;
  return std::min(delay, max_ms);
}

void Dispatcher::Pass() {
  passes_.fetch_add(1, std::memory_order_relaxed);
  if (!lease_.Hold()) return;
  for (std::string_view kind : {kStreamKind, kPushKind}) {
    if (!PassKind(kind)) return;
  }
}

// A push entry names only its device (sync/stream_records.cc): the device's platform, token and
// endpoint are read at delivery. Entries written before carry them already and are kept as they
// are. False when the device no longer exists (replaced, or its identity deleted).
bool Dispatcher::ResolvePushTarget(store::Txn& txn, store::OutboxEntry& entry,
                                   Status* error) const {
  auto target = json::Parse(entry.target);
  if (!target || !target->is_object()) return true;  // the sink reports it unreadable
  const bj::object& t = target->get_object();
  if (t.contains("token")) return true;
  const std::string device_id = json::GetString(t, "deviceId").value_or("");
  auto device = txn.GetDevice(device_id);
  if (!device.ok()) {
    *error = device.error();
    return true;
  }
  if (!device->has_value()) return false;
  const store::Device& d = **device;
  entry.target = bj::serialize(bj::object{{"deviceId", d.device_id},
                                          {"platform", d.platform},
                                          {"token", d.token},
                                          {"endpointArn", d.endpoint_arn}});
  return true;
}

bool Dispatcher::PassKind(std::string_view kind) {
  // Only entries due when the pass began: one that fails now is retried in a later pass.
  const int64_t due = clock_.NowMillis();
  store::OutboxCursor cursor;
  std::set<std::string> blocked;  // partitions with an entry that failed in this pass
  while (true) {
    if (worker_.stopping()) return false;
    if (!lease_.Hold()) return false;  // a long pass renews it between pages
    std::vector<store::OutboxEntry> page;
    std::vector<bool> gone;  // push entries whose device no longer exists
    Status read = store_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(page, txn.ListDueOutbox(kind, due, cursor, kPageSize));
      gone.assign(page.size(), false);
      if (kind != kPushKind) return OkStatus();
      Status error = OkStatus();
      for (size_t i = 0; i < page.size() && error.ok(); ++i) {
        gone[i] = !ResolvePushTarget(txn, page[i], &error);
      }
      return error;
    });
    if (!read.ok()) {
      spdlog::warn("outbox: reading the backlog failed: {}", read.error().ToString());
      return false;
    }
    if (page.empty()) return true;
    read_.fetch_add(int64_t(page.size()), std::memory_order_relaxed);
    const store::OutboxEntry& last = page.back();
    cursor =
        store::OutboxCursor{last.partition, last.position, last.sub, last.id, last.next_attempt_ms};

    std::vector<std::string> done;
    std::vector<Failure> failures;
    bool sink_down = false;
    for (size_t i = 0; i < page.size() && !sink_down; ++i) {
      const store::OutboxEntry& entry = page[i];
      const int64_t now = clock_.NowMillis();
      if (blocked.contains(entry.partition)) continue;
      if (gone[i]) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        done.push_back(entry.id);
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
      blocked.insert(entry.partition);
      // No server reached: the rest of this kind waits for the next pass, so a dead sink costs
      // one attempt per pass, whatever the backlog.
      if (!outcome.reached) sink_down = true;
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
    if (!done.empty() || !failures.empty()) {
      // File-sink lines become durable here, once per page, before their entries are deleted.
      if (std::string why; !sinks_.Flush(&why)) {
        spdlog::warn("outbox: {}; the page's deliveries will be repeated", why);
        return false;
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
        return false;
      }
    }
    if (sink_down) return true;
  }
}

}  // namespace cogsync::outbox
