#pragma once
// What a dataset change owes the outside (D24; AWS's Cognito Streams and push sync): the Cognito
// Streams record, and a silent push for every subscribed device. Both are outbox entries written in
// the change's own transaction; outbox/dispatcher.h delivers them. A push entry names only the
// device and replaces the device's undelivered push for the same dataset.
//
// Order: entries of one dataset are delivered in the order of the dataset's revisions. An update
// to sync count c has position 2c; a deletion at count c (which does not advance the count, D17)
// has position 2c + 1, after the update that made c and before the recreation that makes c + 1.

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::sync {

struct DatasetChange {
  std::string pool_id;
  std::string identity_id;
  std::string dataset;
  bool deletion = false;
  int64_t sync_count = 0;  // after an update; at the deletion for a deletion
  int64_t modified_ms = 0;
  std::vector<store::Record> records;  // written by the update (none for a deletion)
  std::string origin_device;           // UpdateRecords' DeviceId: not notified of its own change
};

// The Cognito Streams record (AWS's JSON: dataSetName, epoch-millisecond dates, payloadType).
// `operation` is "replace" for updates and bulk publishing, "remove" for a deletion.
boost::json::object StreamRecord(std::string_view pool_id, std::string_view identity_id,
                                 std::string_view dataset, std::string_view operation,
                                 const std::vector<store::Record>& records, int64_t sync_count,
                                 int64_t modified_ms);

// The pool's stream name when Cognito Streams is ENABLED, else empty.
std::string EnabledStreamName(const store::Pool& pool);

// Appends the change's stream record (when streaming is ENABLED) and push notifications (when
// `push_enabled` and devices are subscribed). Returns whether anything was appended.
Result<bool> AppendChangeEntries(store::Txn& txn, const store::Pool& pool,
                                 const DatasetChange& change, bool push_enabled);

}  // namespace cogsync::sync
