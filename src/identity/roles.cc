// Roles and principal tags: SetIdentityPoolRoles, GetIdentityPoolRoles,
// SetPrincipalTagAttributeMap, GetPrincipalTagAttributeMap.

#include "common/json.h"
#include "identity/lookup.h"
#include "identity/service.h"

namespace cogsync::identity {
namespace {

// The service allows 25 rules per provider although the model's list allows 400
// (an AWS quota).
constexpr size_t kMaxRulesPerMapping = 25;

Status CheckRoleMappings(const bj::object& mappings) {
  for (const auto& kv : mappings) {
    const bj::object& m = kv.value().as_object();
    const std::string provider(kv.key());
    if (!json::GetString(m, "AmbiguousRoleResolution")) {
      return ApiError::InvalidParameter(
          "AmbiguousRoleResolution must be specified for the role "
          "mapping of " +
          provider + ".");
    }
    if (json::GetString(m, "Type") == "Rules") {
      const bj::object* config = json::GetObject(m, "RulesConfiguration");
      const bj::array* rules = config != nullptr ? json::GetArray(*config, "Rules") : nullptr;
      if (rules == nullptr || rules->empty()) {
        return ApiError::InvalidParameter(
            "RulesConfiguration must be specified for the Rules role "
            "mapping of " +
            provider + ".");
      }
      if (rules->size() > kMaxRulesPerMapping) {
        return ApiError::InvalidParameter("A role mapping can have at most 25 rules.");
      }
    }
  }
  return OkStatus();
}

bj::object TagMapOutput(const std::string& pool_id, const std::string& provider,
                        const std::optional<bj::object>& stored) {
  bj::object out{{"IdentityPoolId", pool_id}, {"IdentityProviderName", provider}};
  out["UseDefaults"] = stored ? json::GetBool(*stored, "UseDefaults").value_or(false) : false;
  const bj::object* tags = stored ? json::GetObject(*stored, "PrincipalTags") : nullptr;
  out["PrincipalTags"] = tags != nullptr ? *tags : bj::object();
  return out;
}

}  // namespace

IdentityService::Output IdentityService::SetIdentityPoolRoles(RequestContext&,
                                                              const bj::object& in) {
  const bj::object* mappings = json::GetObject(in, "RoleMappings");
  if (mappings != nullptr) COGSYNC_RETURN_IF_ERROR(CheckRoleMappings(*mappings));
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    store::Pool pool = *current;
    pool.roles = in.at("Roles").as_object();
    pool.role_mappings = mappings != nullptr ? *mappings : bj::object();
    return txn.PutPool(pool);
  }));
  return bj::value(nullptr);
}

IdentityService::Output IdentityService::GetIdentityPoolRoles(RequestContext&,
                                                              const bj::object& in) {
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    out = bj::object{{"IdentityPoolId", pool->id},
                     {"Roles", pool->roles},
                     {"RoleMappings", pool->role_mappings}};
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

IdentityService::Output IdentityService::SetPrincipalTagAttributeMap(RequestContext&,
                                                                     const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string provider(in.at("IdentityProviderName").as_string());
  bj::object stored;
  stored["UseDefaults"] = json::GetBool(in, "UseDefaults").value_or(false);
  const bj::object* tags = json::GetObject(in, "PrincipalTags");
  stored["PrincipalTags"] = tags != nullptr ? *tags : bj::object();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    return txn.PutPrincipalTagMap(pool->id, provider, stored);
  }));
  return bj::value(TagMapOutput(pool_id, provider, stored));
}

IdentityService::Output IdentityService::GetPrincipalTagAttributeMap(RequestContext&,
                                                                     const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string provider(in.at("IdentityProviderName").as_string());
  std::optional<bj::object> stored;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(stored, txn.GetPrincipalTagMap(pool->id, provider));
    return OkStatus();
  }));
  return bj::value(TagMapOutput(pool_id, provider, stored));
}

}  // namespace cogsync::identity
