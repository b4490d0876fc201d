// The Cognito Identity operation table: the 23 operations of the model, with who may call them
// (operations.tsv: four public operations, the rest developer credentials) and whether they
// write.

#include "identity/service.h"
#include "protocol/operations.h"

namespace cogsync::protocol {
namespace {

using identity::IdentityService;
using Row = OperationRow<IdentityService>;

constexpr auth::Access kPublic = auth::Access::kPublic;
constexpr auth::Access kDeveloper = auth::Access::kDeveloper;

// GetOpenIdToken and GetCredentialsForIdentity write when logins link or merge identities.
const Row kRows[] = {
    {"CreateIdentityPool", kDeveloper, true, &IdentityService::CreateIdentityPool},
    {"DeleteIdentities", kDeveloper, true, &IdentityService::DeleteIdentities},
    {"DeleteIdentityPool", kDeveloper, true, &IdentityService::DeleteIdentityPool},
    {"DescribeIdentity", kDeveloper, false, &IdentityService::DescribeIdentity},
    {"DescribeIdentityPool", kDeveloper, false, &IdentityService::DescribeIdentityPool},
    {"GetCredentialsForIdentity", kPublic, true, &IdentityService::GetCredentialsForIdentity},
    {"GetId", kPublic, true, &IdentityService::GetId},
    {"GetIdentityPoolRoles", kDeveloper, false, &IdentityService::GetIdentityPoolRoles},
    {"GetOpenIdToken", kPublic, true, &IdentityService::GetOpenIdToken},
    {"GetOpenIdTokenForDeveloperIdentity", kDeveloper, true,
     &IdentityService::GetOpenIdTokenForDeveloperIdentity},
    {"GetPrincipalTagAttributeMap", kDeveloper, false,
     &IdentityService::GetPrincipalTagAttributeMap},
    {"ListIdentities", kDeveloper, false, &IdentityService::ListIdentities},
    {"ListIdentityPools", kDeveloper, false, &IdentityService::ListIdentityPools},
    {"ListTagsForResource", kDeveloper, false, &IdentityService::ListTagsForResource},
    {"LookupDeveloperIdentity", kDeveloper, false, &IdentityService::LookupDeveloperIdentity},
    {"MergeDeveloperIdentities", kDeveloper, true, &IdentityService::MergeDeveloperIdentities},
    {"SetIdentityPoolRoles", kDeveloper, true, &IdentityService::SetIdentityPoolRoles},
    {"SetPrincipalTagAttributeMap", kDeveloper, true,
     &IdentityService::SetPrincipalTagAttributeMap},
    {"TagResource", kDeveloper, true, &IdentityService::TagResource},
    {"UnlinkDeveloperIdentity", kDeveloper, true, &IdentityService::UnlinkDeveloperIdentity},
    {"UnlinkIdentity", kPublic, true, &IdentityService::UnlinkIdentity},
    {"UntagResource", kDeveloper, true, &IdentityService::UntagResource},
    {"UpdateIdentityPool", kDeveloper, true, &IdentityService::UpdateIdentityPool},
};

}  // namespace

std::vector<OperationEntry> IdentityOperationTable(IdentityService& service) {
  return BindOperations(Service::kIdentity, model::IdentityModel(), kRows, service);
}

}  // namespace cogsync::protocol
