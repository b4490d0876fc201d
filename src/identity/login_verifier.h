#pragma once
// Verifies the Logins map of GetId, GetOpenIdToken, GetCredentialsForIdentity,
// GetOpenIdTokenForDeveloperIdentity and UnlinkIdentity (docs/decisions.md D12):
//  - "cognito-identity.amazonaws.com": one of cogsync's own OpenID tokens (checked with its key);
//  - the pool's developer provider: refused here (only GetOpenIdTokenForDeveloperIdentity,
//    which developer credentials call, names developer users);
//  - any other provider the pool supports: a JWT checked against the JWKS the operator
//    configured for that provider (issuer, audience, expiry, 5 minutes of skew), or, only in the
//    explicitly named insecure test mode, trusted as it stands;
//  - a provider configured with a token verifier hook instead of a JWKS: the subject its
//    endpoint answers (opaque tokens; identity/token_hook.h).

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/outbound_limiter.h"
#include "identity/openid_tokens.h"
#include "identity/token_hook.h"
#include "store/types.h"

namespace cogsync::auth {
class JwksSource;
}

namespace cogsync::identity {

inline constexpr std::string_view kCognitoProvider = "cognito-identity.amazonaws.com";

struct VerifiedLogin {
  std::string provider;
  std::string subject;  // the user's id at the provider (`sub`); for kCognitoProvider, the identity
  boost::json::object claims;
};

class LoginVerifier {
 public:
  // `limiter` (may be null: unbounded) bounds the JWKS fetches logins of one pool wait for.
  LoginVerifier(const Config& config, const OpenIdTokens& openid, const Clock& clock,
                OutboundLimiter* limiter = nullptr);
  ~LoginVerifier();
  LoginVerifier(const LoginVerifier&) = delete;
  LoginVerifier& operator=(const LoginVerifier&) = delete;

  // Every entry must verify, else NotAuthorizedException; the result is ordered by provider.
  Result<std::vector<VerifiedLogin>> Verify(const store::Pool& pool,
                                            const boost::json::object& logins,
                                            int64_t now_ms) const;

 private:
  Result<VerifiedLogin> VerifyOne(const store::Pool& pool, const std::string& provider,
                                  const std::string& token, int64_t now_ms) const;
  const Config& config_;
  const OpenIdTokens& openid_;
  OutboundLimiter* const limiter_;
  std::map<std::string, std::unique_ptr<auth::JwksSource>, std::less<>> sources_;
  std::map<std::string, std::unique_ptr<TokenHook>, std::less<>> hooks_;
};

}  // namespace cogsync::identity
