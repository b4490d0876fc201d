// The Cognito Sync operation table: the 17 operations of the model, with who may call them
// (operations.tsv: "yes" developer only, "either", "no" identity credentials only; D9) and
// whether they may write.

#include <stdexcept>

#include "protocol/operations.h"
#include "sync/service.h"

namespace cogsync::protocol {
namespace {

using sync::SyncService;
using Method = SyncService::Output (SyncService::*)(auth::RequestContext&,
                                                     const boost::json::object&);
struct Row {
  std::string_view name;
  auth::Access access;
  bool writes;
  Method method;
};

constexpr auth::Access kDeveloper = auth::Access::kDeveloper;
constexpr auth::Access kEither = auth::Access::kEither;
constexpr auth::Access kIdentityOnly = auth::Access::kIdentityOnly;

const Row kRows[] = {
    {"BulkPublish", kDeveloper, true, &SyncService::BulkPublish},
    {"DeleteDataset", kEither, true, &SyncService::DeleteDataset},
    {"DescribeDataset", kEither, false, &SyncService::DescribeDataset},
    {"DescribeIdentityPoolUsage", kDeveloper, false, &SyncService::DescribeIdentityPoolUsage},
    {"DescribeIdentityUsage", kEither, false, &SyncService::DescribeIdentityUsage},
    {"GetBulkPublishDetails", kDeveloper, false, &SyncService::GetBulkPublishDetails},
    {"GetCognitoEvents", kDeveloper, false, &SyncService::GetCognitoEvents},
    {"GetIdentityPoolConfiguration", kDeveloper, false, &SyncService::GetIdentityPoolConfiguration},
    {"ListDatasets", kEither, false, &SyncService::ListDatasets},
    {"ListIdentityPoolUsage", kDeveloper, false, &SyncService::ListIdentityPoolUsage},
    {"ListRecords", kEither, false, &SyncService::ListRecords},
    {"RegisterDevice", kIdentityOnly, true, &SyncService::RegisterDevice},
    {"SetCognitoEvents", kDeveloper, true, &SyncService::SetCognitoEvents},
    {"SetIdentityPoolConfiguration", kDeveloper, true, &SyncService::SetIdentityPoolConfiguration},
    {"SubscribeToDataset", kIdentityOnly, true, &SyncService::SubscribeToDataset},
    {"UnsubscribeFromDataset", kIdentityOnly, true, &SyncService::UnsubscribeFromDataset},
    {"UpdateRecords", kEither, true, &SyncService::UpdateRecords},
};

}  // namespace

std::vector<OperationEntry> SyncOperationTable(SyncService& service) {
  std::vector<OperationEntry> table;
  for (const Row& row : kRows) {
    const model::Operation* op = model::SyncModel().FindOperation(row.name);
    if (op == nullptr) {
      // A misspelt row is a programming error caught by the operation-table test.
      throw std::logic_error("operation not in the Cognito Sync model: " + std::string(row.name));
    }
    Method method = row.method;
    table.push_back(OperationEntry{
        Service::kSync, op, row.access, row.writes,
        [&service, method](auth::RequestContext& ctx, const boost::json::object& in) {
          return (service.*method)(ctx, in);
        }});
  }
  return table;
}

}  // namespace cogsync::protocol
