// Identities: GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity.

#include <set>

#include "common/json.h"
#include "common/next_token.h"
#include "identity/linking.h"
#include "identity/lookup.h"
#include "identity/service.h"
#include "store/reclaim.h"

namespace cogsync::identity {
namespace {

// `unbound`: providers of a migrated identity whose users are not bound yet (D29); AWS listed
// them, so they are listed too.
bj::object DescribeOutput(const store::Identity& identity, const std::vector<store::Login>& logins,
                          const std::vector<std::string>& unbound) {
  std::set<std::string> providers(unbound.begin(), unbound.end());
  for (const auto& l : logins) providers.insert(l.provider);
  bj::array names;
  for (const auto& p : providers) names.emplace_back(p);
  return bj::object{{"IdentityId", identity.id},
                    {"Logins", std::move(names)},
                    {"CreationDate", json::Timestamp(identity.created_ms)},
                    {"LastModifiedDate", json::Timestamp(identity.modified_ms)}};
}

}  // namespace

IdentityService::Output IdentityService::GetId(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const bj::object* logins = json::GetObject(in, "Logins");
  const int64_t now = now_ms();
  // Logins are verified before the write transaction: verification may fetch keys.
  store::PoolPtr pool;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(pool, LoadPool(txn, pool_id));
    return OkStatus();
  }));
  std::vector<VerifiedLogin> verified;
  if (logins != nullptr && !logins->empty()) {
    COGSYNC_ASSIGN_OR_RETURN(verified, logins_.Verify(*pool, *logins, now));
    COGSYNC_RETURN_IF_ERROR(binder_.Bind(*pool, *logins, verified, now));  // D29
  } else if (!pool->description.at("AllowUnauthenticatedIdentities").as_bool()) {
    return ApiError::NotAuthorized(
        "Unauthenticated access is not supported for this identity pool.");
  }
  std::string identity_id;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, pool_id));
    LinkContext link{txn, *current, now, ctx.principal.modifier(), config_.limits};
    if (verified.empty()) {
      COGSYNC_ASSIGN_OR_RETURN(auto identity, CreateIdentity(link));
      identity_id = identity.id;
    } else {
      COGSYNC_ASSIGN_OR_RETURN(auto identity, ResolveLogins(link, verified));
      identity_id = identity.id;
    }
    return OkStatus();
  }));
  return bj::value(bj::object{{"IdentityId", identity_id}});
}

IdentityService::Output IdentityService::DescribeIdentity(RequestContext&, const bj::object& in) {
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, in.at("IdentityId").as_string()));
    COGSYNC_ASSIGN_OR_RETURN(auto logins, txn.ListLogins(identity.id));
    COGSYNC_ASSIGN_OR_RETURN(auto unbound, txn.ListUnboundLogins(identity.id));
    out = DescribeOutput(identity, logins, unbound);
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

IdentityService::Output IdentityService::ListIdentities(RequestContext&, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const int limit = static_cast<int>(*json::GetInt(in, "MaxResults"));
  const bool hide_disabled = json::GetBool(in, "HideDisabled").value_or(false);
  const std::string scope = "ListIdentities/" + pool_id + (hide_disabled ? "/h" : "/a");
  std::string after;
  if (auto token = json::GetString(in, "NextToken")) {
    COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, scope, *token));
  }
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(auto identities,
                             txn.ListIdentities(pool->id, after, limit + 1, hide_disabled));
    bj::array items;
    for (size_t i = 0; i < identities.size() && i < size_t(limit); ++i) {
      COGSYNC_ASSIGN_OR_RETURN(auto logins, txn.ListLogins(identities[i].id));
      COGSYNC_ASSIGN_OR_RETURN(auto unbound, txn.ListUnboundLogins(identities[i].id));
      items.push_back(DescribeOutput(identities[i], logins, unbound));
    }
    out["IdentityPoolId"] = pool->id;
    out["Identities"] = std::move(items);
    if (identities.size() > size_t(limit)) {
      out["NextToken"] = MakeNextToken(sealer_, scope, identities[size_t(limit) - 1].id);
    }
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

// Unknown identities are not an error (the operation's error list has no ResourceNotFound); an
// identity's sync data goes with it.
// The single writer is never held for long: each dataset goes in bounded steps (marked deleted,
// its rows reclaimed a batch per transaction, then its row: store::PurgeDatasetInBatches), then
// the identity with what is left. A failure part-way leaves the identity with fewer datasets, or
// a deleted dataset with fewer rows; the caller's retry finishes it.
IdentityService::Output IdentityService::DeleteIdentities(RequestContext&, const bj::object& in) {
  for (const auto& id : in.at("IdentityIdsToDelete").as_array()) {
    COGSYNC_RETURN_IF_ERROR(store::DeleteIdentityInBatches(store_, std::string(id.as_string())));
  }
  return bj::value(bj::object{{"UnprocessedIdentityIds", bj::array()}});
}

// Public: the caller proves the identity with current login tokens, then names the providers
// whose logins to remove.
IdentityService::Output IdentityService::UnlinkIdentity(RequestContext&, const bj::object& in) {
  const std::string identity_id(in.at("IdentityId").as_string());
  const int64_t now = now_ms();
  store::PoolPtr pool;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
    COGSYNC_ASSIGN_OR_RETURN(pool, LoadPool(txn, identity.pool_id));
    return OkStatus();
  }));
  COGSYNC_ASSIGN_OR_RETURN(auto verified, logins_.Verify(*pool, in.at("Logins").as_object(), now));
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
    if (identity.disabled) return IdentityForbidden(identity.id);
    COGSYNC_ASSIGN_OR_RETURN(auto linked, txn.ListLogins(identity.id));
    bool proven = false;
    for (const auto& v : verified) {
      for (const auto& l : linked) {
        if (l.provider == v.provider && l.subject == v.subject) proven = true;
      }
      if (v.provider == kCognitoProvider && v.subject == identity.id) proven = true;
    }
    if (!proven) {
      return ApiError::NotAuthorized(
          "Logins don't match. Please include at least one valid login for this identity or "
          "identity pool.");
    }
    for (const auto& provider : in.at("LoginsToRemove").as_array()) {
      for (const auto& l : linked) {
        if (l.provider == provider.as_string()) {
          COGSYNC_RETURN_IF_ERROR(txn.DeleteLogin(l.pool_id, l.provider, l.subject));
        }
      }
    }
    identity.modified_ms = now;
    return txn.PutIdentity(identity);
  }));
  return bj::value(nullptr);
}

}  // namespace cogsync::identity
