#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cmath>
#include <optional>

#include "common/encoding.h"
#include "common/json.h"

namespace cogsync::auth {

namespace {

namespace bj = boost::json;

constexpr std::string_view kPrefix = "Invalid login token. ";
constexpr std::string_view kMalformed = "Not a valid OpenId Connect identity token.";
constexpr std::string_view kBadSignature = "Couldn't verify signed token.";

ApiError Invalid(std::string_view detail) {
  std::string message(kPrefix);
  message += detail;
  return ApiError::NotAuthorized(std::move(message));
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// What a JWS "alg" asks of the key and the digest.
struct Algorithm {
  Jwks::KeyType key_type;
  const EVP_MD* (*digest)();
  size_t ec_coordinate_bytes;  // ES*: length of r and of s in the raw signature; 0 for RSA
};

std::optional<Algorithm> LookUpAlgorithm(std::string_view alg) {
  if (alg == "RS256") return Algorithm{Jwks::KeyType::kRsa, EVP_sha256, 0};
  if (alg == "RS384") return Algorithm{Jwks::KeyType::kRsa, EVP_sha384, 0};
  if (alg == "RS512") return Algorithm{Jwks::KeyType::kRsa, EVP_sha512, 0};
  if (alg == "ES256") return Algorithm{Jwks::KeyType::kEcP256, EVP_sha256, 32};
  if (alg == "ES384") return Algorithm{Jwks::KeyType::kEcP384, EVP_sha384, 48};
  // "none", HS* (which would let anyone holding the public key forge tokens) and the rest.
  return std::nullopt;
}

// JWS carries ECDSA signatures as fixed-length r || s (RFC 7518 §3.4); OpenSSL wants DER.
std::optional<std::string> EcRawToDer(std::string_view raw, size_t coordinate_bytes) {
  if (raw.size() != 2 * coordinate_bytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, int(coordinate_bytes), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + coordinate_bytes, int(coordinate_bytes), nullptr);
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

bool VerifySignature(const Algorithm& alg, const EVP_PKEY* key, std::string_view input,
                     std::string_view signature) {
  std::string der;
  if (alg.ec_coordinate_bytes != 0) {
    auto converted = EcRawToDer(signature, alg.ec_coordinate_bytes);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  // EVP_DigestVerifyInit takes a non-const key but does not modify it; concurrent verifies
  // with one key are safe in OpenSSL 3. RSA keys default to PKCS#1 v1.5 padding (RS*).
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, alg.digest(), nullptr,
                              const_cast<EVP_PKEY*>(key)) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

std::optional<bj::object> ParseObject(std::string_view segment) {
  auto bytes = encoding::Base64UrlDecode(segment);
  if (!bytes) return std::nullopt;
  auto value = json::Parse(*bytes);
  if (!value || !value->is_object()) return std::nullopt;
  return std::move(value->as_object());
}

enum class TimeClaim { kAbsent, kPresent, kInvalid };

// A NumericDate (RFC 7519 §2): seconds, integer or not; fractions are dropped.
TimeClaim ReadTime(const bj::object& claims, std::string_view name, int64_t* out) {
  const bj::value* v = json::Find(claims, name);
  if (v == nullptr) return TimeClaim::kAbsent;
  if (v->is_int64()) {
    *out = v->get_int64();
  } else if (v->is_uint64()) {
    if (v->get_uint64() > uint64_t(INT64_MAX / 2)) return TimeClaim::kInvalid;
    *out = int64_t(v->get_uint64());
  } else if (v->is_double() && std::isfinite(v->get_double()) &&
             std::fabs(v->get_double()) < 1e15) {
    *out = int64_t(std::floor(v->get_double()));
  } else {
    return TimeClaim::kInvalid;
  }
  return TimeClaim::kPresent;
}

Status CheckTimes(const bj::object& claims, const VerifyOptions& options, int64_t now) {
  const int64_t skew = options.skew_seconds;
  int64_t exp = 0;
  switch (ReadTime(claims, "exp", &exp)) {
    case TimeClaim::kInvalid:
      return Invalid("Invalid claim: exp");
    case TimeClaim::kAbsent:
      if (options.require_exp) return Invalid("Missing a required claim: exp");
      break;
    case TimeClaim::kPresent:
      // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
      if (now >= exp + skew) return Invalid("Token is expired.");
      break;
  }
  int64_t nbf = 0;
  switch (ReadTime(claims, "nbf", &nbf)) {
    case TimeClaim::kInvalid:
      return Invalid("Invalid claim: nbf");
    case TimeClaim::kAbsent:
      break;
    case TimeClaim::kPresent:
      if (now + skew < nbf) return Invalid("Token is not yet valid.");
      break;
  }
  int64_t iat = 0;
  switch (ReadTime(claims, "iat", &iat)) {
    case TimeClaim::kInvalid:
      return Invalid("Invalid claim: iat");
    case TimeClaim::kAbsent:
      break;
    case TimeClaim::kPresent:
      if (iat > now + skew) return Invalid("Token was issued in the future.");
      break;
  }
  return OkStatus();
}

Status CheckIssuerAndAudience(const bj::object& claims, const VerifyOptions& options) {
  if (!options.issuer.empty()) {
    const bj::value* iss = json::Find(claims, "iss");
    if (iss == nullptr) return Invalid("Missing a required claim: iss");
    if (!iss->is_string() || iss->get_string() != options.issuer) {
      return Invalid("Issuer doesn't match providerName");
    }
  }
  if (!options.audiences.empty()) {
    std::vector<std::string> audiences = TokenAudiences(claims);
    if (audiences.empty()) return Invalid("Missing a required claim: aud");
    for (const auto& aud : audiences) {
      for (const auto& allowed : options.audiences) {
        if (aud == allowed) return OkStatus();
      }
    }
    return Invalid("Incorrect token audience.");
  }
  return OkStatus();
}

}  // namespace

std::string SignJwt(const RsaPrivateKey& key, const boost::json::object& claims) {
  bj::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key.Kid()}};
  std::string token = encoding::Base64Url(json::Write(header));
  token += '.';
  token += encoding::Base64Url(json::Write(claims));
  std::string signature = key.SignRs256(token);
  token += '.';
  token += encoding::Base64Url(signature);
  return token;
}

Result<DecodedJwt> DecodeJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Invalid(kMalformed);
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos ||
      first == 0 || second == first + 1) {
    return Invalid(kMalformed);
  }
  DecodedJwt jwt;
  auto header = ParseObject(token.substr(0, first));
  auto payload = ParseObject(token.substr(first + 1, second - first - 1));
  auto signature = encoding::Base64UrlDecode(token.substr(second + 1));
  if (!header || !payload || !signature) return Invalid(kMalformed);
  jwt.header = std::move(*header);
  jwt.payload = std::move(*payload);
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, second));

  auto alg = json::GetString(jwt.header, "alg");
  if (!alg) return Invalid(kMalformed);
  jwt.alg = std::move(*alg);
  if (const bj::value* kid = json::Find(jwt.header, "kid")) {
    if (!kid->is_string()) return Invalid(kMalformed);
    jwt.kid = std::string(kid->get_string());
  }
  return jwt;
}

Result<boost::json::object> VerifyJwt(std::string_view token, const Jwks& keys,
                                      const VerifyOptions& options, int64_t now_seconds) {
  COGSYNC_ASSIGN_OR_RETURN(DecodedJwt jwt, DecodeJwt(token));
  auto alg = LookUpAlgorithm(jwt.alg);
  if (!alg) return Invalid("Unsupported token signing algorithm: " + jwt.alg.substr(0, 32));
  // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
  if (json::Find(jwt.header, "crit") != nullptr) return Invalid(kMalformed);

  const Jwks::Key* key = nullptr;
  if (!jwt.kid.empty()) {
    key = keys.FindKey(jwt.kid);
  } else if (keys.size() == 1) {
    // Some providers publish a single key and omit kid; there is nothing to confuse it with.
    key = &keys.keys().front();
  }
  if (key == nullptr) return Invalid("Couldn't verify signed token. Unknown key id.");
  if (key->type != alg->key_type || (!key->alg.empty() && key->alg != jwt.alg)) {
    return Invalid("Couldn't verify signed token. Key doesn't match the algorithm.");
  }
  if (!VerifySignature(*alg, key->pkey.get(), jwt.signing_input, jwt.signature)) {
    return Invalid(kBadSignature);
  }
  COGSYNC_RETURN_IF_ERROR(CheckTimes(jwt.payload, options, now_seconds));
  COGSYNC_RETURN_IF_ERROR(CheckIssuerAndAudience(jwt.payload, options));
  return std::move(jwt.payload);
}

std::vector<std::string> TokenAudiences(const boost::json::object& claims) {
  std::vector<std::string> out;
  if (const bj::value* aud = json::Find(claims, "aud")) {
    if (aud->is_string()) {
      out.emplace_back(aud->get_string());
    } else if (aud->is_array()) {
      for (const auto& v : aud->get_array()) {
        if (v.is_string()) out.emplace_back(v.get_string());
      }
    }
    return out;
  }
  if (auto client_id = json::GetString(claims, "client_id")) out.push_back(std::move(*client_id));
  return out;
}

}  // namespace cogsync::auth
