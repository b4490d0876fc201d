#pragma once
// Which role GetCredentialsForIdentity assumes for a caller (AWS's role resolution): the
// pool's unauthenticated role; for authenticated callers a RoleMapping of the login's provider
// (Token: cognito:roles / cognito:preferred_role / CustomRoleArn; Rules: first matching rule),
// falling back per AmbiguousRoleResolution; otherwise the pool's authenticated role.

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "identity/login_verifier.h"
#include "store/types.h"

namespace cogsync::identity {

Result<std::string> ResolveRole(const store::Pool& pool, bool authenticated,
                                const std::vector<VerifiedLogin>& logins,
                                const std::optional<std::string>& custom_role_arn);

}  // namespace cogsync::identity
