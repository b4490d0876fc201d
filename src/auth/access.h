#pragma once
// Who may call what (docs/decisions.md D9, operations.tsv's last column), decided once per request
// in the dispatcher before the handler runs.

#include <boost/json.hpp>
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

// OK, or NotAuthorizedException with an AWS-style message naming the operation and the resource
// ARN. `input` is the validated operation input; identity credentials must match its
// IdentityPoolId (when present) and IdentityId (when present).
Status Authorize(const Principal& principal, Access access, Service service,
                 std::string_view operation, const boost::json::object& input,
                 const ArnContext& arn);

}  // namespace cogsync::auth
