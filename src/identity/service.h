#pragma once
// Cognito Identity: the 23 operations. Each handler takes the request context and the validated
// input (the operation's input shape as JSON) and returns the output shape as JSON.
//
// Entry points by file:
//   pools.cc        CreateIdentityPool, DescribeIdentityPool, UpdateIdentityPool,
//                   DeleteIdentityPool, ListIdentityPools
//   tags.cc         TagResource, UntagResource, ListTagsForResource
//   identities.cc   GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity
//   tokens.cc       GetOpenIdToken, GetCredentialsForIdentity (with role resolution)
//   developer.cc    GetOpenIdTokenForDeveloperIdentity, LookupDeveloperIdentity,
//                   MergeDeveloperIdentities, UnlinkDeveloperIdentity
//   roles.cc        SetIdentityPoolRoles, GetIdentityPoolRoles, Set/GetPrincipalTagAttributeMap
// Shared steps (loading a pool, verifying logins, linking and merging) live in linking.cc.

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/request_context.h"
#include "auth/session_credentials.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/sealed_token.h"
#include "identity/login_binding.h"
#include "identity/login_verifier.h"
#include "identity/openid_tokens.h"
#include "store/store.h"

namespace cogsync::identity {

namespace bj = boost::json;
using auth::RequestContext;

class IdentityService {
 public:
  IdentityService(store::Store& store, const Clock& clock, const Config& config,
                  const TokenSealer& sealer, const auth::SessionCredentials& credentials,
                  const OpenIdTokens& openid, const LoginVerifier& logins, LoginBinder& binder)
      : store_(store),
        clock_(clock),
        config_(config),
        sealer_(sealer),
        credentials_(credentials),
        openid_(openid),
        logins_(logins),
        binder_(binder) {}
  IdentityService(const IdentityService&) = delete;
  IdentityService& operator=(const IdentityService&) = delete;

  using Output = Result<bj::value>;
  // pools.cc
  Output CreateIdentityPool(RequestContext& ctx, const bj::object& in);
  Output DescribeIdentityPool(RequestContext& ctx, const bj::object& in);
  Output UpdateIdentityPool(RequestContext& ctx, const bj::object& in);
  Output DeleteIdentityPool(RequestContext& ctx, const bj::object& in);
  Output ListIdentityPools(RequestContext& ctx, const bj::object& in);
  // tags.cc
  Output TagResource(RequestContext& ctx, const bj::object& in);
  Output UntagResource(RequestContext& ctx, const bj::object& in);
  Output ListTagsForResource(RequestContext& ctx, const bj::object& in);
  // identities.cc
  Output GetId(RequestContext& ctx, const bj::object& in);
  Output DescribeIdentity(RequestContext& ctx, const bj::object& in);
  Output ListIdentities(RequestContext& ctx, const bj::object& in);
  Output DeleteIdentities(RequestContext& ctx, const bj::object& in);
  Output UnlinkIdentity(RequestContext& ctx, const bj::object& in);
  // tokens.cc
  Output GetOpenIdToken(RequestContext& ctx, const bj::object& in);
  Output GetCredentialsForIdentity(RequestContext& ctx, const bj::object& in);
  // developer.cc
  Output GetOpenIdTokenForDeveloperIdentity(RequestContext& ctx, const bj::object& in);
  Output LookupDeveloperIdentity(RequestContext& ctx, const bj::object& in);
  Output MergeDeveloperIdentities(RequestContext& ctx, const bj::object& in);
  Output UnlinkDeveloperIdentity(RequestContext& ctx, const bj::object& in);
  // roles.cc
  Output SetIdentityPoolRoles(RequestContext& ctx, const bj::object& in);
  Output GetIdentityPoolRoles(RequestContext& ctx, const bj::object& in);
  Output SetPrincipalTagAttributeMap(RequestContext& ctx, const bj::object& in);
  Output GetPrincipalTagAttributeMap(RequestContext& ctx, const bj::object& in);

 private:
  friend class Linker;
  int64_t now_ms() const { return clock_.NowMillis(); }

  store::Store& store_;
  const Clock& clock_;
  const Config& config_;
  const TokenSealer& sealer_;
  const auth::SessionCredentials& credentials_;
  const OpenIdTokens& openid_;
  const LoginVerifier& logins_;
  LoginBinder& binder_;  // D29: logins the migration source may know
};

}  // namespace cogsync::identity
