#pragma once
// The operation tables: one per service, each row naming the operation (checked against the
// service model), who may call it (operations.tsv, D9/D11), whether it may block on a durable
// write (such requests run on the worker pool), and its handler.

#include <boost/json.hpp>
#include <functional>
#include <vector>

#include "auth/access.h"
#include "auth/request_context.h"
#include "common/error.h"
#include "protocol/model.h"

namespace cogsync::identity {
class IdentityService;
}
namespace cogsync::sync {
class SyncService;
}

namespace cogsync::protocol {

struct OperationEntry {
  Service service;
  const model::Operation* model;
  auth::Access access;
  bool writes;
  std::function<Result<boost::json::value>(auth::RequestContext&, const boost::json::object&)> call;
};

std::vector<OperationEntry> IdentityOperationTable(identity::IdentityService& service);
std::vector<OperationEntry> SyncOperationTable(sync::SyncService& service);

}  // namespace cogsync::protocol
