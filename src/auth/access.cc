#include "auth/access.h"

#include <string>

#include "common/json.h"

namespace cogsync::auth {
namespace {

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

std::optional<RoleArnParts> ParseRoleArn(std::string_view role_arn) {
  // arn : partition : iam : (empty region) : account : role/...
  std::string_view fields[6];
  std::string_view rest = role_arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    fields[i] = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  fields[5] = rest;
  if (fields[0] != "arn" || fields[1].empty() || fields[2] != "iam" || !fields[3].empty() ||
      fields[4].size() != 12 || fields[5].substr(0, 5) != "role/") {
    return std::nullopt;
  }
  for (char c : fields[4]) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::string_view name = fields[5].substr(fields[5].rfind('/') + 1);
  if (name.empty()) return std::nullopt;
  return RoleArnParts{fields[4], name};
}

std::string AssumedRoleArn(std::string_view role_arn, std::string_view session_name,
                           std::string_view default_account) {
  std::string_view account = default_account;
  std::string_view name = role_arn.substr(role_arn.rfind('/') + 1);
  if (auto parts = ParseRoleArn(role_arn)) {
    account = parts->account;
    name = parts->name;
  }
  return "arn:aws:sts::" + std::string(account) + ":assumed-role/" + std::string(name) + "/" +
         std::string(session_name);
}

std::string CallerArn(const Principal& p, const ArnContext& arn) {
  if (p.is_identity()) {
    return AssumedRoleArn(
        p.role_arn,
        p.session_name.empty() ? "CognitoIdentityCredentials" : std::string_view(p.session_name),
        arn.account_id);
  }
  return "arn:aws:iam::" + std::string(arn.account_id) + ":user/" + p.key_name;
}

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
