#include "auth/access.h"

#include <string>

#include "common/json.h"

namespace cogsync::auth {
namespace {

std::string CallerArn(const Principal& p, const ArnContext& arn) {
  if (p.is_identity()) {
    std::string_view role = p.role_arn;
    size_t slash = role.rfind('/');
    std::string_view role_name = slash == std::string_view::npos ? role : role.substr(slash + 1);
    return "arn:aws:sts::" + std::string(arn.account_id) + ":assumed-role/" +
           std::string(role_name) + "/CognitoIdentityCredentials";
  }
  return "arn:aws:iam::" + std::string(arn.account_id) + ":user/" + p.key_name;
}

std::string ResourceArn(Service service, const boost::json::object& input, const ArnContext& arn) {
  auto part = [&](std::string_view key) {
    auto v = json::GetString(input, key);
    return v ? *v : std::string("null");
  };
  if (service == Service::kIdentity) {
    return "arn:aws:cognito-identity:" + std::string(arn.region) + ":" +
           std::string(arn.account_id) + ":identitypool/" + part("IdentityPoolId");
  }
  std::string out = "arn:aws:cognito-sync:" + std::string(arn.region) + ":" +
                    std::string(arn.account_id) + ":identitypool/" + part("IdentityPoolId");
  if (input.contains("IdentityId")) {
    out += "/identity/" + part("IdentityId") + "/dataset/" + part("DatasetName");
  }
  return out;
}

ApiError Denied(const Principal& p, Service service, std::string_view operation,
                const boost::json::object& input, const ArnContext& arn) {
  std::string prefix = service == Service::kIdentity ? "cognito-identity:" : "cognito-sync:";
  return ApiError::NotAuthorized(
      "User: " + CallerArn(p, arn) + " is not authorized to perform: " + prefix +
      std::string(operation) + " on resource: " + ResourceArn(service, input, arn));
}

bool OwnsResource(const Principal& p, const boost::json::object& input) {
  auto pool = json::GetString(input, "IdentityPoolId");
  auto identity = json::GetString(input, "IdentityId");
  if (pool && *pool != p.pool_id) return false;
  if (identity && *identity != p.identity_id) return false;
  // An identity-scoped operation must name the identity.
  return identity.has_value();
}

}  // namespace

Status Authorize(const Principal& principal, Access access, Service service,
                 std::string_view operation, const boost::json::object& input,
                 const ArnContext& arn) {
  switch (access) {
    case Access::kPublic:
      return OkStatus();
    case Access::kDeveloper:
      if (principal.is_developer()) return OkStatus();
      break;
    case Access::kEither:
      if (principal.is_developer()) return OkStatus();
      if (principal.is_identity() && OwnsResource(principal, input)) return OkStatus();
      break;
    case Access::kIdentityOnly:
      if (principal.is_identity() && OwnsResource(principal, input)) return OkStatus();
      break;
  }
  return Denied(principal, service, operation, input, arn);
}

}  // namespace cogsync::auth
