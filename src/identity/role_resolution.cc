#include "identity/role_resolution.h"

#include <algorithm>

#include "common/json.h"

namespace cogsync::identity {
namespace bj = boost::json;
namespace {

ApiError NoRole() {
  return ApiError::InvalidIdentityPoolConfiguration(
      "Invalid identity pool configuration. Check assigned IAM roles for this pool.");
}

std::optional<std::string> PoolRole(const store::Pool& pool, std::string_view which) {
  return json::GetString(pool.roles, which);
}

// The claim as strings: a string claim is one value, an array claim its string elements.
std::vector<std::string> ClaimValues(const bj::object& claims, std::string_view claim) {
  std::vector<std::string> out;
  const bj::value* v = json::Find(claims, claim);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.emplace_back(v->get_string());
  } else if (v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  } else {
    out.push_back(json::Write(*v));
  }
  return out;
}

bool RuleMatches(const bj::object& rule, const bj::object& claims) {
  auto claim = json::GetString(rule, "Claim").value_or("");
  auto match = json::GetString(rule, "MatchType").value_or("");
  auto value = json::GetString(rule, "Value").value_or("");
  auto values = ClaimValues(claims, claim);
  if (values.empty()) return false;  // also for NotEqual: a missing claim skips the rule
  for (const auto& v : values) {
    if (match == "Equals" && v == value) return true;
    if (match == "Contains" && v.find(value) != std::string::npos) return true;
    if (match == "StartsWith" && v.rfind(value, 0) == 0) return true;
    if (match == "NotEqual" && v != value) return true;
  }
  return false;
}

// The mapping that applies to a login: keyed by provider, or "provider:clientId" for user pools.
const bj::object* MappingFor(const store::Pool& pool, const VerifiedLogin& login) {
  if (const bj::object* m = json::GetObject(pool.role_mappings, login.provider)) return m;
  for (const auto& aud : ClaimValues(login.claims, "aud")) {
    if (const bj::object* m = json::GetObject(pool.role_mappings, login.provider + ":" + aud)) {
      return m;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::string> ResolveRole(const store::Pool& pool, bool authenticated,
                                const std::vector<VerifiedLogin>& logins,
                                const std::optional<std::string>& custom_role_arn) {
  if (!authenticated) {
    auto role = PoolRole(pool, "unauthenticated");
    if (!role) return NoRole();
    return *role;
  }
  for (const auto& login : logins) {
    const bj::object* mapping = MappingFor(pool, login);
    if (mapping == nullptr) continue;
    std::optional<std::string> chosen;
    if (json::GetString(*mapping, "Type") == "Token") {
      auto roles = ClaimValues(login.claims, "cognito:roles");
      if (custom_role_arn) {
        if (std::find(roles.begin(), roles.end(), *custom_role_arn) == roles.end()) {
          return ApiError::NotAuthorized("Access to Role '" + *custom_role_arn + "' is forbidden.");
        }
        chosen = custom_role_arn;
      } else if (auto preferred = json::GetString(login.claims, "cognito:preferred_role")) {
        chosen = preferred;
      } else if (roles.size() == 1) {
        chosen = roles.front();
      }
    } else if (const bj::object* config = json::GetObject(*mapping, "RulesConfiguration")) {
      if (const bj::array* rules = json::GetArray(*config, "Rules")) {
        for (const auto& rule : *rules) {
          if (rule.is_object() && RuleMatches(rule.get_object(), login.claims)) {
            chosen = json::GetString(rule.get_object(), "RoleARN");
            break;
          }
        }
      }
    }
    if (chosen) return *chosen;
    if (json::GetString(*mapping, "AmbiguousRoleResolution") == "Deny") {
      return ApiError::NotAuthorized("Ambiguous role mapping rules for: " + login.provider +
                                     " were found.");
    }
    break;  // AuthenticatedRole: fall back to the pool's authenticated role
  }
  auto role = PoolRole(pool, "authenticated");
  if (!role) return NoRole();
  return *role;
}

}  // namespace cogsync::identity
