#pragma once
// STS, as far as the classic (basic) Cognito flow needs it (docs/decisions.md D27):
// AssumeRoleWithWebIdentity exchanges an OpenID token that cogsync issued (GetOpenIdToken,
// GetOpenIdTokenForDeveloperIdentity) for D8's identity-scoped credentials, for the one role the
// pool gives that identity; GetCallerIdentity names the caller of a signed request.
//
// Handlers take the Query protocol's parameters (protocol/query_decoder.h: every value a string)
// and return the Result element's members in order, for protocol/query_wire.h to write as XML.
// Errors are STS's codes and statuses (sts/errors.h). Nothing here writes to the store: a
// refused request changes nothing, an accepted one only mints sealed credentials.
// Thread-safe: no mutable state.

#include <boost/json/object.hpp>

#include "auth/request_context.h"
#include "auth/session_credentials.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/sealed_token.h"
#include "identity/openid_tokens.h"
#include "store/store.h"

namespace cogsync::sts {

class StsService {
 public:
  StsService(store::Store& store, const Clock& clock, const Config& config,
             const TokenSealer& sealer, const auth::SessionCredentials& credentials,
             const identity::OpenIdTokens& openid)
      : store_(store),
        clock_(clock),
        config_(config),
        sealer_(sealer),
        credentials_(credentials),
        openid_(openid) {}
  StsService(const StsService&) = delete;
  StsService& operator=(const StsService&) = delete;

  using Output = Result<boost::json::object>;
  // Unsigned, as at AWS.
  Output AssumeRoleWithWebIdentity(auth::RequestContext& ctx, const boost::json::object& in);
  // Signed with developer keys or identity credentials (SigV4 service "sts").
  Output GetCallerIdentity(auth::RequestContext& ctx, const boost::json::object& in);

 private:
  // A stable AWS-style unique id ("AROA" + 17 for roles, "AIDA" + 17 for users) for `name`,
  // derived with the shared key so every node answers the same.
  std::string UniqueId(std::string_view prefix, std::string_view name) const;

  store::Store& store_;
  const Clock& clock_;
  const Config& config_;
  const TokenSealer& sealer_;
  const auth::SessionCredentials& credentials_;
  const identity::OpenIdTokens& openid_;
};

}  // namespace cogsync::sts
