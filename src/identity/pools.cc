// Identity pools: CreateIdentityPool, DescribeIdentityPool, UpdateIdentityPool,
// DeleteIdentityPool, ListIdentityPools.

#include "common/ids.h"
#include "common/json.h"
#include "common/next_token.h"
#include "identity/lookup.h"
#include "identity/service.h"
#include "identity/tag_rules.h"

namespace cogsync::identity {
namespace {

// The IdentityPool shape from the input of Create/UpdateIdentityPool: every optional member
// takes its default when absent ("If you don't provide a value for a parameter, Amazon Cognito
// sets it to its default value"); lists and maps are always present (D4).
bj::object Describe(const std::string& pool_id, const bj::object& in) {
  bj::object d;
  d["IdentityPoolId"] = pool_id;
  d["IdentityPoolName"] = in.at("IdentityPoolName");
  d["AllowUnauthenticatedIdentities"] = in.at("AllowUnauthenticatedIdentities");
  const std::optional<bool> classic = json::GetBool(in, "AllowClassicFlow");
  d["AllowClassicFlow"] = classic.value_or(false);
  // Whether the member was given: AWS refuses GetOpenIdToken only where it was set to false, and
  // issues tokens for pools created without it (aws/aws-cli#7652). Stored, never returned.
  if (classic) d[kClassicFlowGivenKey] = true;
  const bj::object* providers = json::GetObject(in, "SupportedLoginProviders");
  d["SupportedLoginProviders"] = providers != nullptr ? *providers : bj::object();
  if (auto dev = json::GetString(in, "DeveloperProviderName")) d["DeveloperProviderName"] = *dev;
  const bj::array* oidc = json::GetArray(in, "OpenIdConnectProviderARNs");
  d["OpenIdConnectProviderARNs"] = oidc != nullptr ? *oidc : bj::array();
  bj::array cips;
  if (const bj::array* given = json::GetArray(in, "CognitoIdentityProviders")) {
    for (const auto& p : *given) {
      bj::object entry = p.as_object();
      if (!json::GetBool(entry, "ServerSideTokenCheck")) entry["ServerSideTokenCheck"] = false;
      cips.push_back(std::move(entry));
    }
  }
  d["CognitoIdentityProviders"] = std::move(cips);
  const bj::array* saml = json::GetArray(in, "SamlProviderARNs");
  d["SamlProviderARNs"] = saml != nullptr ? *saml : bj::array();
  return d;
}

// The IdentityPool shape from a pool (the stored description without cogsync's own key, plus
// the tags), built once from the snapshot: nothing else of the pool is copied.
bj::value PoolOutput(const store::Pool& pool) {
  bj::object out(pool.description.size() + 1);
  for (const auto& member : pool.description) {
    if (member.key() != kClassicFlowGivenKey) out.emplace(member.key(), member.value());
  }
  out.emplace("IdentityPoolTags", pool.tags);
  return out;
}

// The limit of 50 Cognito user-pool providers per identity pool (an AWS quota).
constexpr size_t kMaxCognitoIdentityProviders = 50;

Status CheckProviders(const bj::object& in) {
  const bj::array* cips = json::GetArray(in, "CognitoIdentityProviders");
  if (cips != nullptr && cips->size() > kMaxCognitoIdentityProviders) {
    return ApiError::LimitExceeded(
        "An identity pool can have at most 50 Cognito user pool providers.");
  }
  return OkStatus();
}

}  // namespace

IdentityService::Output IdentityService::CreateIdentityPool(RequestContext&, const bj::object& in) {
  COGSYNC_RETURN_IF_ERROR(CheckProviders(in));
  bj::object tags;
  if (const bj::object* given = json::GetObject(in, "IdentityPoolTags")) {
    COGSYNC_RETURN_IF_ERROR(CheckTags(*given, config_.limits.tags_per_pool));
    tags = *given;
  }
  store::Pool pool;
  pool.id = ids::RegionalId(config_.region);
  pool.name = std::string(in.at("IdentityPoolName").as_string());
  pool.developer_provider_name = json::GetString(in, "DeveloperProviderName").value_or("");
  pool.description = Describe(pool.id, in);
  pool.tags = std::move(tags);
  pool.created_ms = now_ms();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(int64_t count, txn.CountPools());
    if (count >= config_.limits.max_identity_pools) {
      return ApiError::LimitExceeded("The maximum number of identity pools (" +
                                     std::to_string(config_.limits.max_identity_pools) +
                                     ") has been reached.");
    }
    return txn.PutPool(pool);
  }));
  return PoolOutput(pool);
}

IdentityService::Output IdentityService::DescribeIdentityPool(RequestContext&,
                                                              const bj::object& in) {
  bj::value out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    out = PoolOutput(*pool);
    return OkStatus();
  }));
  return out;
}

// Replace semantics: the input is the whole IdentityPool. DeveloperProviderName cannot change
// once set (an absent value keeps it); tags change only when IdentityPoolTags is given.
IdentityService::Output IdentityService::UpdateIdentityPool(RequestContext&, const bj::object& in) {
  COGSYNC_RETURN_IF_ERROR(CheckProviders(in));
  if (const bj::object* tags = json::GetObject(in, "IdentityPoolTags")) {
    COGSYNC_RETURN_IF_ERROR(CheckTags(*tags, config_.limits.tags_per_pool));
  }
  bj::value out;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    store::Pool pool = *current;  // the new version; the snapshot stays as it was
    auto dev = json::GetString(in, "DeveloperProviderName");
    bj::object effective = in;
    if (!pool.developer_provider_name.empty()) {
      if (dev && *dev != pool.developer_provider_name) {
        return ApiError::InvalidParameter(
            "Cannot modify the DeveloperProviderName of an identity pool once it has been set.");
      }
      effective["DeveloperProviderName"] = pool.developer_provider_name;
    } else if (dev) {
      pool.developer_provider_name = *dev;
    }
    pool.name = std::string(in.at("IdentityPoolName").as_string());
    pool.description = Describe(pool.id, effective);
    if (const bj::object* tags = json::GetObject(in, "IdentityPoolTags")) pool.tags = *tags;
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
    out = PoolOutput(pool);
    return OkStatus();
  }));
  return out;
}

IdentityService::Output IdentityService::DeleteIdentityPool(RequestContext&, const bj::object& in) {
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, in.at("IdentityPoolId").as_string()));
    return txn.DeletePool(pool->id);  // identities, logins and all sync data go with it
  }));
  return bj::value(nullptr);
}

IdentityService::Output IdentityService::ListIdentityPools(RequestContext&, const bj::object& in) {
  const int limit = static_cast<int>(*json::GetInt(in, "MaxResults"));
  std::string after;
  if (auto token = json::GetString(in, "NextToken")) {
    COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, "ListIdentityPools", *token));
  }
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pools, txn.ListPoolNames(after, limit + 1));
    bj::array items;
    for (size_t i = 0; i < pools.size() && i < size_t(limit); ++i) {
      items.push_back(
          bj::object{{"IdentityPoolId", pools[i].id}, {"IdentityPoolName", pools[i].name}});
    }
    if (pools.size() > size_t(limit)) {
      out["NextToken"] = MakeNextToken(sealer_, "ListIdentityPools", pools[size_t(limit) - 1].id);
    }
    out["IdentityPools"] = std::move(items);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

}  // namespace cogsync::identity
