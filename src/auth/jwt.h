#pragma once
// JSON Web Tokens (RFC 7519) in compact JWS form: signing the server's OpenID tokens with RS256
// (docs/decisions.md D13) and verifying login tokens from OIDC providers against their JWKS (D12).
//
// Every verification failure is NotAuthorizedException with Cognito's wording,
// "Invalid login token. <detail>", so handlers can return the error as it is.

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "auth/rsa_key.h"
#include "common/error.h"

namespace cogsync::auth {

// Largest token accepted (Cognito's Logins values are at most 50000 characters).
inline constexpr size_t kMaxJwtBytes = 50000;

struct VerifyOptions {
  // Required value of "iss"; empty: not checked.
  std::string issuer;
  // The token must name one of these as audience; empty: not checked. The audience is "aud"
  // (a string or an array of strings), or "client_id" when there is no "aud" (Cognito user pool
  // access tokens).
  std::vector<std::string> audiences;
  // Grace for clocks that disagree: exp, nbf and iat are each given this much slack.
  int64_t skew_seconds = 300;
  // Refuse tokens with no "exp".
  bool require_exp = true;
};

// A token split into its parts, not verified.
struct DecodedJwt {
  boost::json::object header;
  boost::json::object payload;
  std::string alg;            // header "alg"
  std::string kid;            // header "kid"; empty if absent
  std::string signing_input;  // the first two segments with their dot, as received
  std::string signature;      // raw signature bytes
};

// A compact JWS with header {"alg":"RS256","typ":"JWT","kid":key.Kid()} and these claims.
std::string SignJwt(const RsaPrivateKey& key, const boost::json::object& claims);

// Splits and decodes without verifying. Malformed (not three base64url segments, header or
// payload not a JSON object, "alg" missing or not a string, "kid" not a string, too long):
// NotAuthorized "Invalid login token. Not a valid OpenId Connect identity token."
Result<DecodedJwt> DecodeJwt(std::string_view token);

// Verifies the signature with the key of the token's kid (or the only key of a one-key set when
// the token has no kid), then the time claims at now_seconds, then issuer and audience.
// Accepts RS256, RS384, RS512, ES256 and ES384; refuses "none", HMAC and everything else.
// Returns the verified claims.
Result<boost::json::object> VerifyJwt(std::string_view token, const Jwks& keys,
                                      const VerifyOptions& options, int64_t now_seconds);

// The audiences a token names: "aud" as a string or array of strings, else "client_id".
std::vector<std::string> TokenAudiences(const boost::json::object& claims);

}  // namespace cogsync::auth
