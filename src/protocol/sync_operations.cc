// The Cognito Sync operation table: the 17 operations of the model, with who may call them
// (operations.tsv: "yes" developer only, "either", "no" identity credentials only; D9) and
// whether they may write.

#include "protocol/operations.h"
#include "sync/service.h"

namespace cogsync::protocol {
namespace {

using sync::SyncService;
using Row = OperationRow<SyncService>;

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
    {"ListRecords", kEither, false, &SyncService::ListRecords, &SyncService::ListRecordsBody},
    {"RegisterDevice", kIdentityOnly, true, &SyncService::RegisterDevice},
    {"SetCognitoEvents", kDeveloper, true, &SyncService::SetCognitoEvents},
    {"SetIdentityPoolConfiguration", kDeveloper, true, &SyncService::SetIdentityPoolConfiguration},
    {"SubscribeToDataset", kIdentityOnly, true, &SyncService::SubscribeToDataset},
    {"UnsubscribeFromDataset", kIdentityOnly, true, &SyncService::UnsubscribeFromDataset},
    {"UpdateRecords", kEither, true, &SyncService::UpdateRecords},
};

}  // namespace

std::vector<OperationEntry> SyncOperationTable(SyncService& service) {
  return BindOperations(Service::kSync, model::SyncModel(), kRows, service);
}

}  // namespace cogsync::protocol
