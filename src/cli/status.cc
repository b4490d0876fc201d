#include "cli/status.h"

#include <map>

#include "common/json.h"
#include "common/time_format.h"

namespace cogsync::cli {
namespace {

// How many pending entries the report shows in detail (the rest are counted).
constexpr int kShown = 10;

}  // namespace

Result<std::string> StatusReport(store::Store& store, int64_t now_ms) {
  std::string out;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto stats, txn.GetOutboxStats());
    out += "outbox: " + std::to_string(stats.pending) + " pending";
    if (stats.pending > 0) {
      out += ", oldest " + std::to_string((now_ms - stats.oldest_created_ms) / 1000) + " s old";
    }
    out += "\n";
    COGSYNC_ASSIGN_OR_RETURN(auto entries, txn.ListOutbox(store::OutboxCursor{}, kShown));
    for (const auto& e : entries) {
      out += "  " + e.kind + " " + e.id + " pool " + e.pool_id + " attempts " +
             std::to_string(e.attempts);
      if (!e.last_error.empty()) out += " last error: " + e.last_error;
      out += "\n";
    }
    std::string after;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto pools, txn.ListPools(after, 200));
      if (pools.empty()) break;
      after = pools.back().id;
      for (const auto& pool : pools) {
        auto state = json::GetString(pool.bulk_publish, "BulkPublishStatus");
        if (state != "IN_PROGRESS") continue;
        out += "bulk publish: " + pool.id + " IN_PROGRESS since " +
               timefmt::Iso8601Millis(
                   json::GetInt(pool.bulk_publish, "BulkPublishStartTime").value_or(0)) +
               "\n";
      }
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace cogsync::cli
