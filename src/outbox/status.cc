#include "outbox/status.h"

#include "common/json.h"

namespace cogsync::outbox {
namespace {

// Pools read per ListPools call while looking for running bulk publishes.
constexpr int kPoolPage = 200;

}  // namespace

Result<OutboxStatus> ReadOutboxStatus(store::Store& store, int shown) {
  OutboxStatus status;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(status.stats, txn.GetOutboxStats());
    COGSYNC_ASSIGN_OR_RETURN(status.first_pending, txn.ListOutbox(store::OutboxCursor{}, shown));
    std::string after;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto pools, txn.ListPools(after, kPoolPage));
      if (pools.empty()) break;
      after = pools.back().id;
      for (const auto& pool : pools) {
        if (json::GetString(pool.bulk_publish, "BulkPublishStatus") != "IN_PROGRESS") continue;
        status.bulk_publishes.push_back(
            {pool.id, json::GetInt(pool.bulk_publish, "BulkPublishStartTime").value_or(0)});
      }
    }
    return OkStatus();
  }));
  return status;
}

}  // namespace cogsync::outbox
