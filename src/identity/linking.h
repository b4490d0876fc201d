#pragma once
// Identities, their logins, and merges (AWS's identity merging, docs/decisions.md D23). All of
// it runs inside one write transaction of the calling operation.

#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "identity/login_verifier.h"
#include "store/store.h"

namespace cogsync::identity {

struct LinkContext {
  store::Txn& txn;
  const store::Pool& pool;
  int64_t now_ms;
  std::string modifier;  // LastModifiedBy for datasets rewritten by a merge
  const Limits& limits;
};

// A new identity of the pool.
Result<store::Identity> CreateIdentity(LinkContext& ctx);

// Links a login to an identity. One login per provider, except the developer provider (an
// identity may hold several developer user identifiers); at most limits.linked_logins logins.
Status LinkLogin(LinkContext& ctx, const store::Identity& identity, const std::string& provider,
                 const std::string& subject);

// Merges `loser` into `survivor` (D23): the loser's logins and datasets move to the survivor and
// the loser is disabled. Fails (changing nothing, the caller's transaction rolls back) when both
// hold different logins of one provider or together exceed the linked-login limit.
Status MergeInto(LinkContext& ctx, const store::Identity& survivor, store::Identity loser);

// GetId with logins: the identity that owns one of them (merging other owners into it), else a
// new identity; logins not linked yet are linked to it.
Result<store::Identity> ResolveLogins(LinkContext& ctx, const std::vector<VerifiedLogin>& logins);

// GetOpenIdToken / GetCredentialsForIdentity: checks that the logins entitle the caller to
// `identity` (none for an unauthenticated identity; otherwise at least one linked to it, or one
// of cogsync's own tokens for it), links new logins and merges identities that own presented
// logins. Returns the identity to answer with, which differs from the input after a merge.
Result<store::Identity> AuthorizeIdentity(LinkContext& ctx, store::Identity identity,
                                          const std::vector<VerifiedLogin>& logins);

}  // namespace cogsync::identity
