// Tokens and credentials: GetOpenIdToken and GetCredentialsForIdentity (public operations, D11).

#include "common/json.h"
#include "identity/linking.h"
#include "identity/lookup.h"
#include "identity/role_resolution.h"
#include "identity/service.h"

namespace cogsync::identity {
namespace {

// The result of proving an identity: the identity to answer for, whether it is authenticated,
// the providers for `amr`, and the pool.
struct Proof {
  store::Identity identity;
  store::Pool pool;
  bool authenticated = false;
  std::vector<std::string> amr;
  std::vector<VerifiedLogin> logins;
};

// Shared by both operations: verifies the logins, links and merges as AuthorizeIdentity says,
// and works out `amr`. `check_pool`, when given, may refuse the identity's pool before any login
// is verified or linked.
Result<Proof> Prove(store::Store& store, const LoginVerifier& verifier, LoginBinder& binder,
                    const Config& config, RequestContext& ctx, const bj::object& in, int64_t now,
                    Status (*check_pool)(const store::Pool&) = nullptr) {
  const std::string identity_id(in.at("IdentityId").as_string());
  Proof proof;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(proof.identity, LoadIdentity(txn, identity_id));
    COGSYNC_ASSIGN_OR_RETURN(proof.pool, LoadPool(txn, proof.identity.pool_id));
    return OkStatus();
  }));
  if (check_pool != nullptr) COGSYNC_RETURN_IF_ERROR(check_pool(proof.pool));
  if (const bj::object* logins = json::GetObject(in, "Logins"); logins && !logins->empty()) {
    COGSYNC_ASSIGN_OR_RETURN(proof.logins, verifier.Verify(proof.pool, *logins, now));
    COGSYNC_RETURN_IF_ERROR(binder.Bind(proof.pool, *logins, proof.logins, now));  // D29
  }
  auto authorize = [&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, proof.pool.id));
    COGSYNC_ASSIGN_OR_RETURN(auto identity, LoadIdentity(txn, identity_id));
    LinkContext link{txn, pool, now, ctx.principal.modifier(), config.limits};
    COGSYNC_ASSIGN_OR_RETURN(proof.identity, AuthorizeIdentity(link, identity, proof.logins));
    COGSYNC_ASSIGN_OR_RETURN(auto linked, txn.ListLogins(proof.identity.id));
    proof.pool = std::move(pool);
    proof.authenticated = !linked.empty();
    proof.amr.clear();
    for (const auto& l : linked) {
      if (std::find(proof.amr.begin(), proof.amr.end(), l.provider) == proof.amr.end()) {
        proof.amr.push_back(l.provider);
      }
    }
    return OkStatus();
  };
  // Nothing to link without logins: a read is enough.
  COGSYNC_RETURN_IF_ERROR(proof.logins.empty() ? store.Read(authorize) : store.Write(authorize));
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
  std::string token = openid_.Issue(proof.pool.id, proof.identity.id, proof.amr,
                                    OpenIdTokens::kDefaultLifetimeSeconds, nullptr, now / 1000);
  return bj::value(bj::object{{"IdentityId", proof.identity.id}, {"Token", std::move(token)}});
}

IdentityService::Output IdentityService::GetCredentialsForIdentity(RequestContext& ctx,
                                                                   const bj::object& in) {
  const int64_t now = now_ms();
  COGSYNC_ASSIGN_OR_RETURN(auto proof, Prove(store_, logins_, binder_, config_, ctx, in, now));
  COGSYNC_ASSIGN_OR_RETURN(auto role, ResolveRole(proof.pool, proof.authenticated, proof.logins,
                                                  json::GetString(in, "CustomRoleArn")));
  auto minted = credentials_.Mint(proof.pool.id, proof.identity.id, proof.authenticated, role, now);
  return bj::value(
      bj::object{{"IdentityId", proof.identity.id},
                 {"Credentials", bj::object{{"AccessKeyId", minted.access_key_id},
                                            {"SecretKey", minted.secret_key},
                                            {"SessionToken", minted.session_token},
                                            {"Expiration", json::Timestamp(minted.expires_ms)}}}});
}

}  // namespace cogsync::identity
