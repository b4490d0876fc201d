// Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity,
// LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity. The developer
// provider's logins are (pool, DeveloperProviderName, developer user identifier).

#include "common/json.h"
#include "common/next_token.h"
#include "identity/linking.h"
#include "identity/lookup.h"
#include "identity/service.h"

namespace cogsync::identity {
namespace {

Result<std::string> DeveloperProvider(const store::Pool& pool) {
  if (pool.developer_provider_name.empty()) {
    return ApiError::NotAuthorized("Identity pool - " + pool.id +
                                   " does not have a developer provider name configured.");
  }
  return pool.developer_provider_name;
}

Status CheckProviderName(const store::Pool& pool, std::string_view given) {
  if (given != pool.developer_provider_name) {
    return ApiError::NotAuthorized("Developer provider name '" + std::string(given) +
                                   "' does not match the identity pool's developer provider.");
  }
  return OkStatus();
}

}  // namespace

IdentityService::Output IdentityService::GetOpenIdTokenForDeveloperIdentity(RequestContext& ctx,
                                                                            const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const auto given_identity = json::GetString(in, "IdentityId");
  const int64_t now = now_ms();
  store::PoolPtr pool;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(pool, LoadPool(txn, pool_id));
    return OkStatus();
  }));
  COGSYNC_ASSIGN_OR_RETURN(auto provider, DeveloperProvider(*pool));
  // Exactly one developer login; every other entry is a public-provider token to link.
  std::optional<std::string> user;
  bj::object public_logins;
  for (const auto& kv : in.at("Logins").as_object()) {
    if (kv.key() == provider) {
      user = std::string(kv.value().as_string());
    } else {
      public_logins[kv.key()] = kv.value();
    }
  }
  if (!user) {
    return ApiError::InvalidParameter("Logins must contain the developer provider name " +
                                      provider + " of this identity pool.");
  }
  std::vector<VerifiedLogin> verified;
  if (!public_logins.empty()) {
    COGSYNC_ASSIGN_OR_RETURN(verified, logins_.Verify(*pool, public_logins, now));
    COGSYNC_RETURN_IF_ERROR(binder_.Bind(*pool, public_logins, verified, now));  // D29
  }
  std::string identity_id;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, pool_id));
    LinkContext link{txn, *current, now, ctx.principal.modifier(), config_.limits};
    COGSYNC_ASSIGN_OR_RETURN(auto owner, txn.FindLogin(pool_id, provider, *user));
    std::optional<store::Identity> identity;
    if (given_identity) {
      COGSYNC_ASSIGN_OR_RETURN(identity, LoadIdentityInPool(txn, pool_id, *given_identity));
      if (owner && owner->identity_id != identity->id) {
        return ApiError::DeveloperUserAlreadyRegistered("Developer user identifier '" + *user +
                                                        "' is already registered to identity '" +
                                                        owner->identity_id + "'.");
      }
    } else if (owner) {
      COGSYNC_ASSIGN_OR_RETURN(identity, LoadIdentity(txn, owner->identity_id));
    } else {
      COGSYNC_ASSIGN_OR_RETURN(identity, CreateIdentity(link));
    }
    if (identity->disabled) return IdentityForbidden(identity->id);
    COGSYNC_RETURN_IF_ERROR(LinkLogin(link, *identity, provider, *user));
    // Public logins: linked to this identity; one owned by another identity merges it in.
    for (const auto& login : verified) {
      if (login.provider == kCognitoProvider) continue;
      COGSYNC_ASSIGN_OR_RETURN(auto other, txn.FindLogin(pool_id, login.provider, login.subject));
      if (other && other->identity_id != identity->id) {
        COGSYNC_ASSIGN_OR_RETURN(auto merged, LoadIdentity(txn, other->identity_id));
        COGSYNC_RETURN_IF_ERROR(MergeInto(link, *identity, merged));
      } else {
        COGSYNC_RETURN_IF_ERROR(LinkLogin(link, *identity, login.provider, login.subject));
      }
    }
    identity_id = identity->id;
    return OkStatus();
  }));
  const int64_t duration =
      json::GetInt(in, "TokenDuration").value_or(OpenIdTokens::kDefaultDeveloperLifetimeSeconds);
  std::string token = openid_.Issue(pool_id, identity_id, {"authenticated", provider}, duration,
                                    json::GetObject(in, "PrincipalTags"), now / 1000);
  return bj::value(bj::object{{"IdentityId", identity_id}, {"Token", std::move(token)}});
}

IdentityService::Output IdentityService::LookupDeveloperIdentity(RequestContext&,
                                                                 const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const auto identity_id = json::GetString(in, "IdentityId");
  const auto user = json::GetString(in, "DeveloperUserIdentifier");
  if (!identity_id && !user) {
    return ApiError::InvalidParameter(
        "Either IdentityId or DeveloperUserIdentifier must be given.");
  }
  const int limit = static_cast<int>(json::GetInt(in, "MaxResults").value_or(60));
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(auto provider, DeveloperProvider(*pool));
    std::string resolved;
    if (user) {
      COGSYNC_ASSIGN_OR_RETURN(auto login, txn.FindLogin(pool_id, provider, *user));
      if (!login) {
        return ApiError::ResourceNotFound("Developer user identifier '" + *user + "' not found.");
      }
      if (identity_id && *identity_id != login->identity_id) {
        return ApiError::ResourceConflict("Developer user identifier '" + *user +
                                          "' does not belong to identity '" + *identity_id + "'.");
      }
      resolved = login->identity_id;
    } else {
      COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentityInPool(txn, pool_id, *identity_id));
      resolved = identity.id;
    }
    const std::string scope = "LookupDeveloperIdentity/" + resolved;
    std::string after;
    if (auto token = json::GetString(in, "NextToken")) {
      COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, scope, *token));
    }
    COGSYNC_ASSIGN_OR_RETURN(auto logins, txn.ListLogins(resolved));
    bj::array users;
    std::string last;
    bool more = false;
    for (const auto& l : logins) {
      if (l.provider != provider || (!after.empty() && l.subject <= after)) continue;
      if (users.size() == size_t(limit)) {
        more = true;
        break;
      }
      users.emplace_back(l.subject);
      last = l.subject;
    }
    out["IdentityId"] = resolved;
    out["DeveloperUserIdentifierList"] = std::move(users);
    if (more) out["NextToken"] = MakeNextToken(sealer_, scope, last);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

IdentityService::Output IdentityService::MergeDeveloperIdentities(RequestContext& ctx,
                                                                  const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string source(in.at("SourceUserIdentifier").as_string());
  const std::string destination(in.at("DestinationUserIdentifier").as_string());
  const int64_t now = now_ms();
  std::string identity_id;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(auto provider, DeveloperProvider(*pool));
    COGSYNC_RETURN_IF_ERROR(CheckProviderName(*pool, in.at("DeveloperProviderName").as_string()));
    COGSYNC_ASSIGN_OR_RETURN(auto from, txn.FindLogin(pool_id, provider, source));
    COGSYNC_ASSIGN_OR_RETURN(auto to, txn.FindLogin(pool_id, provider, destination));
    if (!from)
      return ApiError::ResourceNotFound("Developer user identifier '" + source + "' not found.");
    if (!to)
      return ApiError::ResourceNotFound("Developer user identifier '" + destination +
                                        "' not found.");
    COGSYNC_ASSIGN_OR_RETURN(auto survivor, LoadIdentity(txn, to->identity_id));
    COGSYNC_ASSIGN_OR_RETURN(auto merged, LoadIdentity(txn, from->identity_id));
    LinkContext link{txn, *pool, now, ctx.principal.modifier(), config_.limits};
    COGSYNC_RETURN_IF_ERROR(MergeInto(link, survivor, merged));
    identity_id = survivor.id;
    return OkStatus();
  }));
  return bj::value(bj::object{{"IdentityId", identity_id}});
}

IdentityService::Output IdentityService::UnlinkDeveloperIdentity(RequestContext&,
                                                                 const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  const std::string user(in.at("DeveloperUserIdentifier").as_string());
  const int64_t now = now_ms();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(auto provider, DeveloperProvider(*pool));
    COGSYNC_RETURN_IF_ERROR(CheckProviderName(*pool, in.at("DeveloperProviderName").as_string()));
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentityInPool(txn, pool_id, identity_id));
    COGSYNC_ASSIGN_OR_RETURN(auto login, txn.FindLogin(pool_id, provider, user));
    if (!login)
      return ApiError::ResourceNotFound("Developer user identifier '" + user + "' not found.");
    if (login->identity_id != identity.id) {
      return ApiError::ResourceConflict("Developer user identifier '" + user +
                                        "' is not linked to identity '" + identity.id + "'.");
    }
    COGSYNC_RETURN_IF_ERROR(txn.DeleteLogin(pool_id, provider, user));
    identity.modified_ms = now;
    return txn.PutIdentity(identity);
  }));
  return bj::value(nullptr);
}

}  // namespace cogsync::identity
