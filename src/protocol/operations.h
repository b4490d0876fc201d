#pragma once
// The operation tables: one per service, each row naming the operation (checked against the
// service model), who may call it (operations.tsv, D9/D11), whether it may block on a durable
// write (such requests run on the worker pool), and its handler.

#include <boost/json.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
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
  // When set, the dispatcher calls this instead: a handler that writes the output shape's JSON
  // itself (ListRecords, whose records are kept encoded), sent as the body as it is.
  std::function<Result<std::string>(auth::RequestContext&, const boost::json::object&)> encoded;
};

// A table row as the per-service files write it: the handler is a member of the service class.
template <typename ServiceClass>
struct OperationRow {
  using Method = Result<boost::json::value> (ServiceClass::*)(auth::RequestContext&,
                                                              const boost::json::object&);
  using EncodedMethod = Result<std::string> (ServiceClass::*)(auth::RequestContext&,
                                                              const boost::json::object&);
  std::string_view name;
  auth::Access access;
  bool writes;
  Method method;
  EncodedMethod encoded = nullptr;  // OperationEntry::encoded
};

// Binds rows to a service instance. A row naming no operation of the model is a programming
// error (std::logic_error at start-up; the operation-table tests catch it first).
template <typename ServiceClass, size_t N>
std::vector<OperationEntry> BindOperations(Service which, const model::ServiceModel& model,
                                           const OperationRow<ServiceClass> (&rows)[N],
                                           ServiceClass& service) {
  std::vector<OperationEntry> table;
  table.reserve(N);
  for (const auto& row : rows) {
    const model::Operation* op = model.FindOperation(row.name);
    if (op == nullptr) {
      throw std::logic_error("operation not in the " + std::string(model.endpoint_prefix) +
                             " model: " + std::string(row.name));
    }
    auto method = row.method;
    OperationEntry entry{
        which,
        op,
        row.access,
        row.writes,
        [&service, method](auth::RequestContext& ctx, const boost::json::object& in) {
          return (service.*method)(ctx, in);
        },
        nullptr};
    if (auto encoded = row.encoded) {
      entry.encoded = [&service, encoded](auth::RequestContext& ctx,
                                          const boost::json::object& in) {
        return (service.*encoded)(ctx, in);
      };
    }
    table.push_back(std::move(entry));
  }
  return table;
}

std::vector<OperationEntry> IdentityOperationTable(identity::IdentityService& service);
std::vector<OperationEntry> SyncOperationTable(sync::SyncService& service);

}  // namespace cogsync::protocol
