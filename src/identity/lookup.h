#pragma once
// Loading what an operation names, with AWS's not-found messages; shared by the handler files.

#include <string>
#include <string_view>

#include "common/error.h"
#include "store/store.h"
#include "sync/lookup.h"

namespace cogsync::identity {

// The pool's shared snapshot (never null), or ResourceNotFound: the Sync service's look-up.
using sync::LoadPool;

inline Result<store::Identity> LoadIdentity(store::Txn& txn, std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(identity_id));
  if (!identity) {
    return ApiError::ResourceNotFound("Identity '" + std::string(identity_id) + "' not found.");
  }
  return std::move(*identity);
}

// Kept in a pool's stored description when CreateIdentityPool or UpdateIdentityPool was given
// AllowClassicFlow (D27); DescribeIdentityPool never shows it.
inline constexpr std::string_view kClassicFlowGivenKey = "cogsync:AllowClassicFlowGiven";

// The classic (basic) flow's refusals, at GetOpenIdToken as AWS refuses it (D27): a pool whose
// AllowClassicFlow was set to false, or that has role mappings. A pool created without the
// member allows it.
inline Status CheckClassicFlow(const store::Pool& pool) {
  const auto given = pool.description.find(kClassicFlowGivenKey);
  const auto allowed = pool.description.find("AllowClassicFlow");
  if (given != pool.description.end() && allowed != pool.description.end() &&
      allowed->value().is_bool() && !allowed->value().get_bool()) {
    return ApiError::InvalidParameter(
        "Basic (classic) flow is not enabled, please use enhanced flow.");
  }
  if (!pool.role_mappings.empty()) {
    return ApiError::InvalidParameter(
        "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.");
  }
  return OkStatus();
}

inline ApiError IdentityForbidden(std::string_view identity_id) {
  return ApiError::NotAuthorized("Access to Identity '" + std::string(identity_id) +
                                 "' is forbidden.");
}

// An identity of the given pool (ResourceNotFound otherwise: ids of other pools are not leaked).
inline Result<store::Identity> LoadIdentityInPool(store::Txn& txn, std::string_view pool_id,
                                                  std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
  if (identity.pool_id != pool_id) {
    return ApiError::ResourceNotFound("Identity '" + std::string(identity_id) + "' not found.");
  }
  return identity;
}

}  // namespace cogsync::identity
