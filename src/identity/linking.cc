#include "identity/linking.h"

#include <algorithm>

#include "common/ids.h"
#include "identity/lookup.h"
#include "sync/merge.h"

namespace cogsync::identity {
namespace {

ApiError LoginsDontMatch() {
  return ApiError::NotAuthorized(
      "Logins don't match. Please include at least one valid login for this identity or identity "
      "pool.");
}

bool IsDeveloperProvider(const LinkContext& ctx, std::string_view provider) {
  return !ctx.pool.developer_provider_name.empty() && provider == ctx.pool.developer_provider_name;
}

Status Touch(LinkContext& ctx, store::Identity identity) {
  identity.modified_ms = ctx.now_ms;
  return ctx.txn.PutIdentity(identity);
}

}  // namespace

Result<store::Identity> CreateIdentity(LinkContext& ctx) {
  store::Identity identity;
  identity.id = ids::RegionalId(ctx.pool.id.substr(0, ctx.pool.id.find(':')));
  identity.pool_id = ctx.pool.id;
  identity.created_ms = ctx.now_ms;
  identity.modified_ms = ctx.now_ms;
  COGSYNC_RETURN_IF_ERROR(ctx.txn.PutIdentity(identity));
  return identity;
}

Status LinkLogin(LinkContext& ctx, const store::Identity& identity, const std::string& provider,
                 const std::string& subject) {
  COGSYNC_ASSIGN_OR_RETURN(auto existing, ctx.txn.ListLogins(identity.id));
  for (const auto& login : existing) {
    if (login.provider == provider && login.subject == subject) return OkStatus();
  }
  if (!IsDeveloperProvider(ctx, provider)) {
    for (const auto& login : existing) {
      if (login.provider == provider) {
        return ApiError::ResourceConflict("Identity '" + identity.id +
                                          "' is already linked to a different login of " +
                                          provider + ".");
      }
    }
  }
  if (existing.size() + 1 > size_t(ctx.limits.linked_logins)) {
    return ApiError::LimitExceeded("An identity can be linked to at most " +
                                   std::to_string(ctx.limits.linked_logins) + " logins.");
  }
  store::Login login{ctx.pool.id, provider, subject, identity.id, ctx.now_ms};
  COGSYNC_RETURN_IF_ERROR(ctx.txn.PutLogin(login));
  return Touch(ctx, identity);
}

Status MergeInto(LinkContext& ctx, const store::Identity& survivor, store::Identity loser) {
  if (survivor.id == loser.id) return OkStatus();
  COGSYNC_ASSIGN_OR_RETURN(auto survivor_logins, ctx.txn.ListLogins(survivor.id));
  COGSYNC_ASSIGN_OR_RETURN(auto loser_logins, ctx.txn.ListLogins(loser.id));
  for (const auto& l : loser_logins) {
    if (IsDeveloperProvider(ctx, l.provider)) continue;
    for (const auto& s : survivor_logins) {
      if (s.provider == l.provider && s.subject != l.subject) {
        return ApiError::ResourceConflict(
            "The identities are linked to different users of the same provider " + l.provider +
            " and cannot be merged.");
      }
    }
  }
  if (survivor_logins.size() + loser_logins.size() > size_t(ctx.limits.linked_logins)) {
    return ApiError::LimitExceeded("The merged identity would have more than " +
                                   std::to_string(ctx.limits.linked_logins) + " linked logins.");
  }
  for (auto login : loser_logins) {
    login.identity_id = survivor.id;
    login.linked_ms = ctx.now_ms;
    COGSYNC_RETURN_IF_ERROR(ctx.txn.PutLogin(login));
  }
  COGSYNC_RETURN_IF_ERROR(
      sync::MoveDatasetsOnMerge(ctx.txn, loser.id, survivor.id, ctx.now_ms, ctx.modifier));
  loser.disabled = true;
  loser.merged_into = survivor.id;
  COGSYNC_RETURN_IF_ERROR(Touch(ctx, loser));
  return Touch(ctx, survivor);
}

Result<store::Identity> ResolveLogins(LinkContext& ctx, const std::vector<VerifiedLogin>& logins) {
  std::optional<store::Identity> owner;
  for (const auto& login : logins) {
    if (login.provider == kCognitoProvider) {
      // One of our own tokens names its identity directly.
      COGSYNC_ASSIGN_OR_RETURN(auto named, LoadIdentityInPool(ctx.txn, ctx.pool.id, login.subject));
      if (named.disabled) return IdentityForbidden(named.id);
      if (!owner) owner = named;
      continue;
    }
    COGSYNC_ASSIGN_OR_RETURN(auto linked,
                             ctx.txn.FindLogin(ctx.pool.id, login.provider, login.subject));
    if (!linked) continue;
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(ctx.txn, linked->identity_id));
    if (!owner) {
      owner = identity;
    } else if (owner->id != identity.id) {
      COGSYNC_RETURN_IF_ERROR(MergeInto(ctx, *owner, identity));
    }
  }
  if (!owner) {
    COGSYNC_ASSIGN_OR_RETURN(owner, CreateIdentity(ctx));
  }
  for (const auto& login : logins) {
    if (login.provider == kCognitoProvider) continue;
    COGSYNC_RETURN_IF_ERROR(LinkLogin(ctx, *owner, login.provider, login.subject));
  }
  return LoadIdentity(ctx.txn, owner->id);
}

Result<store::Identity> AuthorizeIdentity(LinkContext& ctx, store::Identity identity,
                                          const std::vector<VerifiedLogin>& logins) {
  if (identity.disabled) return IdentityForbidden(identity.id);
  COGSYNC_ASSIGN_OR_RETURN(auto linked, ctx.txn.ListLogins(identity.id));
  // A migrated identity whose logins are not bound yet (D29) is authenticated all the same: it
  // is reached only through its own logins, never upgraded or merged by someone else's.
  COGSYNC_ASSIGN_OR_RETURN(auto unbound, ctx.txn.ListUnboundLogins(identity.id));
  const bool authenticated = !linked.empty() || !unbound.empty();
  if (logins.empty()) {
    if (authenticated) return LoginsDontMatch();
    if (!ctx.pool.description.at("AllowUnauthenticatedIdentities").as_bool()) {
      return ApiError::NotAuthorized(
          "Unauthenticated access is not supported for this identity pool.");
    }
    return identity;
  }
  // Which presented logins prove this identity, and which belong to other identities.
  bool proven = false;
  std::vector<store::Identity> owners;
  for (const auto& login : logins) {
    if (login.provider == kCognitoProvider) {
      if (login.subject != identity.id) return LoginsDontMatch();
      proven = true;
      continue;
    }
    COGSYNC_ASSIGN_OR_RETURN(auto owner,
                             ctx.txn.FindLogin(ctx.pool.id, login.provider, login.subject));
    if (!owner) continue;
    if (owner->identity_id == identity.id) {
      proven = true;
    } else if (std::none_of(owners.begin(), owners.end(),
                            [&](const auto& o) { return o.id == owner->identity_id; })) {
      COGSYNC_ASSIGN_OR_RETURN(auto other, LoadIdentity(ctx.txn, owner->identity_id));
      owners.push_back(std::move(other));
    }
  }
  // An authenticated identity is reached only with one of its own logins; an unauthenticated one
  // (no logins yet) may be upgraded by any valid login.
  if (authenticated && !proven) return LoginsDontMatch();
  store::Identity result = identity;
  if (!owners.empty()) {
    // D23: the identity that already owned the presented login survives.
    result = owners.front();
    if (result.disabled) return IdentityForbidden(result.id);
    for (size_t i = 1; i < owners.size(); ++i) {
      COGSYNC_RETURN_IF_ERROR(MergeInto(ctx, result, owners[i]));
    }
    COGSYNC_RETURN_IF_ERROR(MergeInto(ctx, result, identity));
  }
  for (const auto& login : logins) {
    if (login.provider == kCognitoProvider) continue;
    COGSYNC_RETURN_IF_ERROR(LinkLogin(ctx, result, login.provider, login.subject));
  }
  return LoadIdentity(ctx.txn, result.id);
}

}  // namespace cogsync::identity
