#pragma once
// Who may call what (docs/decisions.md D9, operations.tsv's last column), decided once per request
// in the dispatcher before the handler runs.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "common/error.h"

namespace cogsync::auth {

enum class Access {
  kPublic,        // unsigned Cognito Identity operations (D11)
  kDeveloper,     // developer (IAM) credentials only
  kEither,        // developer credentials, or identity credentials for their own identity
  kIdentityOnly,  // identity credentials for their own identity only
};

struct ArnContext {
  std::string_view region;
  std::string_view account_id;
};

// The caller as AWS names it: for identity credentials the assumed-role session,
// arn:aws:sts::<account>:assumed-role/<role name>/<session name> (the account of the role ARN,
// or arn.account_id when the role ARN names none); for developer keys
// arn:aws:iam::<account>:user/<key name>. Used in denials and by STS GetCallerIdentity.
std::string CallerArn(const Principal& principal, const ArnContext& arn);
// The parts of a role ARN arn:<partition>:iam::<account>:role[/<path>]/<name>: nullopt when
// `role_arn` is not of that form.
struct RoleArnParts {
  std::string_view account;
  std::string_view name;  // the last path segment
};
std::optional<RoleArnParts> ParseRoleArn(std::string_view role_arn);
std::string AssumedRoleArn(std::string_view role_arn, std::string_view session_name,
                           std::string_view default_account);

// OK, or NotAuthorizedException with an AWS-style message naming the operation and the resource
// ARN. `input` is the validated operation input; identity credentials must match its
// IdentityPoolId (when present) and IdentityId (when present).
Status Authorize(const Principal& principal, Access access, Service service,
                 std::string_view operation, const boost::json::object& input,
                 const ArnContext& arn);

}  // namespace cogsync::auth
