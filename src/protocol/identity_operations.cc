// The Cognito Identity operation table: the 23 operations of the model, with who may call them
// (operations.tsv: four public operations, the rest developer credentials) and whether they
// write.

#include <stdexcept>

#include "identity/service.h"
#include "protocol/operations.h"

namespace cogsync::protocol {
namespace {

using identity::IdentityService;
using Method = IdentityService::Output (IdentityService::*)(auth::RequestContext&,
                                                             const boost::json::object&);
struct Row {
  std::string_view name;
  auth::Access access;
  bool writes;
  Method method;
};

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
    {"GetOpenIdTokenForDeveloperIdentity", kDeveloper, true, &IdentityService::GetOpenIdTokenForDeveloperIdentity},
    {"GetPrincipalTagAttributeMap", kDeveloper, false, &IdentityService::GetPrincipalTagAttributeMap},
    {"ListIdentities", kDeveloper, false, &IdentityService::ListIdentities},
    {"ListIdentityPools", kDeveloper, false, &IdentityService::ListIdentityPools},
    {"ListTagsForResource", kDeveloper, false, &IdentityService::ListTagsForResource},
    {"LookupDeveloperIdentity", kDeveloper, false, &IdentityService::LookupDeveloperIdentity},
    {"MergeDeveloperIdentities", kDeveloper, true, &IdentityService::MergeDeveloperIdentities},
    {"SetIdentityPoolRoles", kDeveloper, true, &IdentityService::SetIdentityPoolRoles},
    {"SetPrincipalTagAttributeMap", kDeveloper, true, &IdentityService::SetPrincipalTagAttributeMap},
    {"TagResource", kDeveloper, true, &IdentityService::TagResource},
    {"UnlinkDeveloperIdentity", kDeveloper, true, &IdentityService::UnlinkDeveloperIdentity},
    {"UnlinkIdentity", kPublic, true, &IdentityService::UnlinkIdentity},
    {"UntagResource", kDeveloper, true, &IdentityService::UntagResource},
    {"UpdateIdentityPool", kDeveloper, true, &IdentityService::UpdateIdentityPool},
};

}  // namespace

std::vector<OperationEntry> IdentityOperationTable(IdentityService& service) {
  std::vector<OperationEntry> table;
  for (const Row& row : kRows) {
    const model::Operation* op = model::IdentityModel().FindOperation(row.name);
    if (op == nullptr) {
      // A misspelt row is a programming error caught by the operation-table test.
      throw std::logic_error("operation not in the Cognito Identity model: " + std::string(row.name));
    }
    Method method = row.method;
    table.push_back(OperationEntry{
        Service::kIdentity, op, row.access, row.writes,
        [&service, method](auth::RequestContext& ctx, const boost::json::object& in) {
          return (service.*method)(ctx, in);
        }});
  }
  return table;
}

}  // namespace cogsync::protocol
