#pragma once
// The server's RSA signing key (docs/decisions.md D13): generated once, kept in the store as PKCS#8
// PEM, used to sign OpenID tokens with RS256, and published as a JWK at /.well-known/jwks.json.

#include <openssl/types.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace cogsync::auth {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
// Owns one reference to an OpenSSL key.
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// Smallest RSA modulus cogsync signs with or trusts; shorter keys are not secure today.
inline constexpr int kMinRsaBits = 2048;

// RFC 7638 thumbprint of an RSA public key given as its JWK members (base64url n and e):
// base64url(SHA-256('{"e":...,"kty":"RSA","n":...}')), 43 characters.
std::string RsaJwkThumbprint(std::string_view n_b64url, std::string_view e_b64url);

class RsaPrivateKey {
 public:
  // A fresh key; bits below kMinRsaBits are refused (InternalError).
  static Result<RsaPrivateKey> Generate(int bits = 2048);
  // PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM of an unencrypted RSA
  // key of at least kMinRsaBits. Anything else is an InternalError (the PEM comes from the store
  // or the operator, never from a client).
  static Result<RsaPrivateKey> FromPem(std::string_view pem);

  RsaPrivateKey(RsaPrivateKey&&) noexcept = default;
  RsaPrivateKey& operator=(RsaPrivateKey&&) noexcept = default;
  RsaPrivateKey(const RsaPrivateKey&) = delete;
  RsaPrivateKey& operator=(const RsaPrivateKey&) = delete;

  // Unencrypted PKCS#8 PEM.
  std::string ToPem() const;
  // Stable key id: the RFC 7638 thumbprint of the public key, so the same key always gets the
  // same kid on every node without storing it.
  const std::string& Kid() const { return kid_; }
  // {"kty":"RSA","alg":"RS256","use":"sig","kid","n","e"}; n and e are base64url big-endian
  // with no leading zero bytes (RFC 7518 §6.3.1).
  boost::json::object PublicJwk() const;
  int Bits() const;
  // RSASSA-PKCS1-v1_5 with SHA-256 over data; the raw signature bytes (modulus length).
  std::string SignRs256(std::string_view data) const;

  // The underlying key, for callers that verify with it directly.
  const EVP_PKEY* pkey() const { return key_.get(); }

 private:
  RsaPrivateKey(EvpPkeyPtr key, std::string n_b64, std::string e_b64);
  static Result<RsaPrivateKey> Adopt(EvpPkeyPtr key);

  EvpPkeyPtr key_;
  std::string n_b64_;
  std::string e_b64_;
  std::string kid_;
};

}  // namespace cogsync::auth
