// Tokens and credentials: GetOpenIdToken and GetCredentialsForIdentity (public operations, D11).

#include "common/json.h"
#include "identity/linking.h"
#include "identity/lookup.h"
#include "identity/role_resolution.h"
#include "identity/service.h"

namespace cogsync::identity {
namespace {

// The result of proving an identity: the identity to answer for, whether it is authenticated,
// the providers for `amr`, and the pool (its shared snapshot).
struct Proof {
  store::Identity identity;
  store::PoolPtr pool;
  bool authenticated = false;
  std::vector<std::string> amr;
  std::vector<VerifiedLogin> logins;
};

// Shared by both operations: verifies the logins, links and merges as AuthorizeIdentity says,
// and works out `amr`. `check_pool`, when given, may refuse the identity's pool before any login
// is verified or linked. Without logins there is nothing to verify or link: one read transaction
// loads the identity and its pool once and decides. With logins, the tokens are verified outside
// any transaction (that may call out), then one write transaction links them against the
// identity and pool as they are by then.
Result<Proof> Prove(store::Store& store, const LoginVerifier& verifier, LoginBinder& binder,
                    const Config& config, RequestContext& ctx, const bj::object& in, int64_t now,
                    Status (*check_pool)(const store::Pool&) = nullptr) {
  const std::string identity_id(in.at("IdentityId").as_string());
  const bj::object* logins = json::GetObject(in, "Logins");
  const bool with_logins = logins != nullptr && !logins->empty();
  Proof proof;
  auto authorize = [&](store::Txn& txn, store::Identity identity, store::PoolPtr pool) -> Status {
    LinkContext link{txn, *pool, now, ctx.principal.modifier(), config.limits};
    COGSYNC_ASSIGN_OR_RETURN(proof.identity,
                             AuthorizeIdentity(link, std::move(identity), proof.logins));
    proof.pool = std::move(pool);
    proof.authenticated = false;
    proof.amr.clear();
    // Without logins AuthorizeIdentity admits only an identity that has none linked.
    if (proof.logins.empty()) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto linked, txn.ListLogins(proof.identity.id));
    proof.authenticated = !linked.empty();
    for (const auto& l : linked) {
      if (std::find(proof.amr.begin(), proof.amr.end(), l.provider) == proof.amr.end()) {
        proof.amr.push_back(l.provider);
      }
    }
    return OkStatus();
  };
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, identity.pool_id));
    if (check_pool != nullptr) COGSYNC_RETURN_IF_ERROR(check_pool(*pool));
    if (!with_logins) return authorize(txn, std::move(identity), std::move(pool));
    proof.identity = std::move(identity);
    proof.pool = std::move(pool);
    return OkStatus();
  }));
  if (with_logins) {
    COGSYNC_ASSIGN_OR_RETURN(proof.logins, verifier.Verify(*proof.pool, *logins, now));
    COGSYNC_RETURN_IF_ERROR(binder.Bind(*proof.pool, *logins, proof.logins, now));  // D29
    COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, proof.pool->id));
      COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
      return authorize(txn, std::move(identity), std::move(pool));
    }));
  }
  for (const auto& l : proof.logins) {
    if (l.provider == kCognitoProvider) {
      // A developer-authenticated identity proven with one of our tokens: its amr says how.
      for (const auto& v : l.claims.contains("amr") && l.claims.at("amr").is_array()
                               ? l.claims.at("amr").get_array()
                               : bj::array()) {
        if (v.is_string() && v.get_string() == "authenticated") proof.authenticated = true;
      }
    }
  }
  if (proof.authenticated) {
    proof.amr.insert(proof.amr.begin(), "authenticated");
  } else {
    proof.amr = {"unauthenticated"};
  }
  return proof;
}

}  // namespace

IdentityService::Output IdentityService::GetOpenIdToken(RequestContext& ctx, const bj::object& in) {
  const int64_t now = now_ms();
  // D27: GetOpenIdToken is the classic flow's first step; the pool may forbid that flow.
  COGSYNC_ASSIGN_OR_RETURN(
      auto proof, Prove(store_, logins_, binder_, config_, ctx, in, now, &CheckClassicFlow));
  std::string token = openid_.Issue(proof.pool->id, proof.identity.id, proof.amr,
                                    OpenIdTokens::kDefaultLifetimeSeconds, nullptr, now / 1000);
  return bj::value(bj::object{{"IdentityId", proof.identity.id}, {"Token", std::move(token)}});
}

IdentityService::Output IdentityService::GetCredentialsForIdentity(RequestContext& ctx,
                                                                   const bj::object& in) {
  const int64_t now = now_ms();
  COGSYNC_ASSIGN_OR_RETURN(auto proof, Prove(store_, logins_, binder_, config_, ctx, in, now));
  COGSYNC_ASSIGN_OR_RETURN(auto role, ResolveRole(*proof.pool, proof.authenticated, proof.logins,
                                                  json::GetString(in, "CustomRoleArn")));
  auto minted =
      credentials_.Mint(proof.pool->id, proof.identity.id, proof.authenticated, role, now);
  return bj::value(
      bj::object{{"IdentityId", proof.identity.id},
                 {"Credentials", bj::object{{"AccessKeyId", minted.access_key_id},
                                            {"SecretKey", minted.secret_key},
                                            {"SessionToken", minted.session_token},
                                            {"Expiration", json::Timestamp(minted.expires_ms)}}}});
}

}  // namespace cogsync::identity
