#pragma once
// What the outbox still owes (D24) and which bulk publishes run (D26), read from the store in one
// read transaction. Shared by `cogsync status` (text) and the console's admin API (JSON); it
// works beside a running server and on any node of a shared store. Stateless and thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::outbox {

struct RunningBulkPublish {
  std::string pool_id;
  int64_t started_ms = 0;
};

struct OutboxStatus {
  store::OutboxStats stats;
  // The first `shown` pending entries in delivery order (their payloads are not read by callers
  // that show them: they hold record values).
  std::vector<store::OutboxEntry> first_pending;
  std::vector<RunningBulkPublish> bulk_publishes;  // IN_PROGRESS, by pool id
};

Result<OutboxStatus> ReadOutboxStatus(store::Store& store, int shown);

}  // namespace cogsync::outbox
