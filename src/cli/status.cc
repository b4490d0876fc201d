#include "cli/status.h"

#include "common/time_format.h"
#include "identity/login_binding.h"
#include "outbox/status.h"

namespace cogsync::cli {
namespace {

// How many pending entries the report shows in detail (the rest are counted).
constexpr int kShown = 10;

}  // namespace

Result<std::string> StatusReport(store::Store& store, int64_t now_ms) {
  COGSYNC_ASSIGN_OR_RETURN(auto status, outbox::ReadOutboxStatus(store, kShown));
  std::string out = "outbox: " + std::to_string(status.stats.pending) + " pending";
  if (status.stats.pending > 0) {
    out +=
        ", oldest " + std::to_string((now_ms - status.stats.oldest_created_ms) / 1000) + " s old";
  }
  out += "\n";
  for (const auto& e : status.first_pending) {
    out += "  " + e.kind + " " + e.id + " pool " + e.pool_id + " attempts " +
           std::to_string(e.attempts);
    if (!e.last_error.empty()) out += " last error: " + e.last_error;
    out += "\n";
  }
  for (const auto& run : status.bulk_publishes) {
    out += "bulk publish: " + run.pool_id + " IN_PROGRESS since " +
           timefmt::Iso8601Millis(run.started_ms) + "\n";
  }
  // D29: lazy login binding, summed over every node.
  std::vector<std::pair<std::string, int64_t>> counters;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(counters, txn.ListCounters(identity::kMigrationCounterPrefix));
    return OkStatus();
  }));
  if (!counters.empty()) {
    out += "migration logins:";
    for (const auto& [name, value] : counters) {
      out +=
          " " + name.substr(identity::kMigrationCounterPrefix.size()) + " " + std::to_string(value);
    }
    out += "\n";
  }
  return out;
}

}  // namespace cogsync::cli
