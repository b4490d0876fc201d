#pragma once
// cogsync's own OpenID tokens (docs/decisions.md D13): RS256 JWTs with iss = the configured public
// URL, aud = the pool, sub = the identity, amr as AWS writes it. The signing key lives in the Store
// (shared by every node) and is published at /.well-known/jwks.json.

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace cogsync::auth {
class RsaPrivateKey;
class Jwks;
}  // namespace cogsync::auth

namespace cogsync::identity {

class OpenIdTokens {
 public:
  static constexpr int64_t kDefaultLifetimeSeconds = 600;           // GetOpenIdToken: 10 minutes
  static constexpr int64_t kDefaultDeveloperLifetimeSeconds = 900;  // developer tokens: 15 minutes

  // pem: the PKCS#8 private key kept in the Store.
  static Result<std::unique_ptr<OpenIdTokens>> Create(std::string_view pem, std::string issuer);
  ~OpenIdTokens();

  std::string Issue(std::string_view pool_id, std::string_view identity_id,
                    const std::vector<std::string>& amr, int64_t lifetime_seconds,
                    const boost::json::object* principal_tags, int64_t now_seconds) const;
  // The claims of a token this server issued and that has not expired, else
  // NotAuthorizedException "Invalid login token. ...". Time claims get `skew_seconds` of grace
  // (D12's five minutes for logins; STS checks expiry itself, D27).
  static constexpr int64_t kLoginSkewSeconds = 300;
  Result<boost::json::object> Verify(std::string_view token, int64_t now_seconds,
                                     int64_t skew_seconds = kLoginSkewSeconds) const;

  const std::string& issuer() const { return issuer_; }
  boost::json::object JwksDocument() const;
  // The OpenID discovery document. jwks_uri is under the issuer when the issuer is this server's
  // own public URL (--public-url); with the default issuer (AWS's URL, D13) it points at this
  // server through the Host the client used, but only when that Host is a loopback name
  // (localhost, 127.0.0.1, [::1], any port) or one of `allowed_hosts`: a Host header is the
  // client's to choose, and a document naming an attacker's host must never reach a cache.
  // Any other Host: ResourceNotFound naming the settings to configure.
  Result<boost::json::object> DiscoveryDocument(
      std::string_view request_host, const std::vector<std::string>& allowed_hosts) const;

 private:
  OpenIdTokens(std::unique_ptr<auth::RsaPrivateKey> key, std::unique_ptr<auth::Jwks> jwks,
               std::string issuer);
  std::unique_ptr<auth::RsaPrivateKey> key_;
  std::unique_ptr<auth::Jwks> jwks_;
  std::string issuer_;
};

}  // namespace cogsync::identity
