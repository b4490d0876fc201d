#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

#include "auth/jwt.h"
#include "common/encoding.h"
#include "common/http_client.h"
#include "common/json.h"

namespace cogsync::auth {

namespace {

namespace bj = boost::json;

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

ApiError BadKey(std::string_view why) {
  return ApiError::InvalidParameter("Invalid JWKS: " + std::string(why));
}

// Builds a public key of `type` ("RSA" or "EC") from OpenSSL parameters.
EvpPkeyPtr PublicKeyFromParams(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

std::optional<std::string> DecodeMember(const bj::object& jwk, std::string_view name) {
  auto text = json::GetString(jwk, name);
  if (!text) return std::nullopt;
  return encoding::Base64UrlDecode(*text);
}

// Outcome of reading one JWK: a key, a key to skip, or an error.
struct Parsed {
  std::optional<Jwks::Key> key;
  std::optional<ApiError> error;
};

Parsed RsaKey(const bj::object& jwk) {
  auto n = DecodeMember(jwk, "n");
  auto e = DecodeMember(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return {std::nullopt, BadKey("RSA key without n or e")};
  const auto* n_bytes = reinterpret_cast<const unsigned char*>(n->data());
  const auto* e_bytes = reinterpret_cast<const unsigned char*>(e->data());
  BnPtr bn_n(BN_bin2bn(n_bytes, int(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(e_bytes, int(e->size()), nullptr));
  if (bn_n == nullptr || bn_e == nullptr) return {std::nullopt, BadKey("out of memory")};
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return {};  // too weak to trust: skipped
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return {std::nullopt, BadKey("out of memory")};
  }
  std::unique_ptr<OSSL_PARAM, ParamsDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyPtr pkey = params ? PublicKeyFromParams("RSA", params.get()) : nullptr;
  if (pkey == nullptr) return {std::nullopt, BadKey("unusable RSA key")};
  return {Jwks::Key{"", Jwks::KeyType::kRsa, "", std::move(pkey)}, std::nullopt};
}

Parsed EcKey(const bj::object& jwk) {
  auto crv = json::GetString(jwk, "crv");
  Jwks::KeyType type;
  const char* group;
  size_t coordinate_bytes;
  if (crv == "P-256") {
    type = Jwks::KeyType::kEcP256;
    group = "prime256v1";
    coordinate_bytes = 32;
  } else if (crv == "P-384") {
    type = Jwks::KeyType::kEcP384;
    group = "secp384r1";
    coordinate_bytes = 48;
  } else {
    return {};  // another curve: skipped
  }
  auto x = DecodeMember(jwk, "x");
  auto y = DecodeMember(jwk, "y");
  if (!x || !y || x->size() != coordinate_bytes || y->size() != coordinate_bytes) {
    return {std::nullopt, BadKey("EC key with bad x or y")};
  }
  // Uncompressed point encoding (SEC 1 §2.3.3): 0x04 || x || y.
  std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return {std::nullopt, BadKey("out of memory")};
  }
  std::unique_ptr<OSSL_PARAM, ParamsDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  // fromdata decodes the point, which fails for a point not on the curve.
  EvpPkeyPtr pkey = params ? PublicKeyFromParams("EC", params.get()) : nullptr;
  if (pkey == nullptr) return {std::nullopt, BadKey("unusable EC key")};
  return {Jwks::Key{"", type, "", std::move(pkey)}, std::nullopt};
}

Parsed ParseKey(const bj::value& value) {
  if (!value.is_object()) return {std::nullopt, BadKey("a key is not an object")};
  const bj::object& jwk = value.get_object();
  auto kty = json::GetString(jwk, "kty");
  if (!kty) return {std::nullopt, BadKey("a key has no kty")};
  const bj::value* use = json::Find(jwk, "use");
  if (use != nullptr && !(use->is_string() && use->get_string() == "sig")) return {};  // enc keys
  const bj::value* kid = json::Find(jwk, "kid");
  if (kid != nullptr && !kid->is_string()) return {std::nullopt, BadKey("a kid is not a string")};
  const bj::value* alg = json::Find(jwk, "alg");
  if (alg != nullptr && !alg->is_string()) return {std::nullopt, BadKey("an alg is not a string")};

  Parsed parsed;
  if (*kty == "RSA") {
    parsed = RsaKey(jwk);
  } else if (*kty == "EC") {
    parsed = EcKey(jwk);
  } else {
    return {};  // "oct", "OKP", ...: skipped
  }
  if (parsed.key) {
    if (kid != nullptr) parsed.key->kid = std::string(kid->get_string());
    if (alg != nullptr) parsed.key->alg = std::string(alg->get_string());
  }
  return parsed;
}

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ApiError::InternalError("Cannot read JWKS file " + path);
  std::string data;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    data.append(buffer, size_t(in.gcount()));
    if (data.size() > max_bytes) return ApiError::InternalError("JWKS file too large: " + path);
  }
  if (in.bad()) return ApiError::InternalError("Cannot read JWKS file " + path);
  return data;
}

}  // namespace

Result<Jwks> Jwks::Parse(std::string_view text) {
  std::string why;
  auto value = json::Parse(text, &why);
  if (!value) return BadKey("not JSON (" + why + ")");
  return FromJson(*value);
}

Result<Jwks> Jwks::FromJson(const boost::json::value& document) {
  if (!document.is_object()) return BadKey("not a JSON object");
  const bj::array* keys = json::GetArray(document.get_object(), "keys");
  if (keys == nullptr) return BadKey("no \"keys\" array");
  Jwks out;
  for (const bj::value& value : *keys) {
    Parsed parsed = ParseKey(value);
    if (parsed.error) return *parsed.error;
    if (parsed.key) out.keys_.push_back(std::move(*parsed.key));
  }
  return out;
}

Result<Jwks> Jwks::FromPrivateKeys(const std::vector<const RsaPrivateKey*>& keys) {
  bj::array jwks;
  for (const RsaPrivateKey* key : keys) jwks.push_back(key->PublicJwk());
  return FromJson(bj::object{{"keys", std::move(jwks)}});
}

const Jwks::Key* Jwks::FindKey(std::string_view kid) const {
  for (const Key& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

const EVP_PKEY* Jwks::Find(std::string_view kid) const {
  const Key* key = FindKey(kid);
  return key != nullptr ? key->pkey.get() : nullptr;
}

// ---- JwksSource ----

JwksSource::JwksSource(std::string location, const Clock& clock, JwksSourceOptions options)
    : location_(std::move(location)), clock_(clock), options_(options) {}

bool JwksSource::IsUrl() const {
  return location_.starts_with("http://") || location_.starts_with("https://");
}

int64_t JwksSource::fetch_count() const {
  MutexLock lock(state_mu_);
  return fetch_count_;
}

// The URL or path and what went wrong go to the log only (ApiError::detail): GetId callers are
// anonymous, and neither the operator's file layout nor the provider's URL is theirs to see.
Result<std::shared_ptr<const Jwks>> JwksSource::Load() const {
  if (IsUrl()) {
    auto unavailable = [&](const std::string& why) {
      return ApiError::ExternalService("The login provider's keys could not be fetched.")
          .WithDetail("JWKS " + location_ + ": " + why);
    };
    http_client::Options fetch;
    fetch.timeout = options_.fetch_timeout;
    fetch.max_body_bytes = options_.max_document_bytes;
    Result<std::string> body = http_client::Get(location_, fetch);
    if (!body.ok()) return unavailable(body.error().message());
    Result<Jwks> parsed = Jwks::Parse(body.value());
    if (!parsed.ok()) return unavailable(parsed.error().message());
    return std::make_shared<const Jwks>(std::move(parsed).value());
  }
  auto unreadable = [&](const std::string& why) {
    return ApiError::InternalError("The login provider's keys could not be read.")
        .WithDetail("JWKS file " + location_ + ": " + why);
  };
  Result<std::string> body = ReadFile(location_, options_.max_document_bytes);
  if (!body.ok()) return unreadable(body.error().message());
  Result<Jwks> parsed = Jwks::Parse(body.value());
  if (!parsed.ok()) return unreadable(parsed.error().message());
  return std::make_shared<const Jwks>(std::move(parsed).value());
}

Result<std::shared_ptr<const Jwks>> JwksSource::RefreshLocked(int64_t now_ms) {
  Result<std::shared_ptr<const Jwks>> loaded = Load();
  MutexLock lock(state_mu_);
  ++fetch_count_;
  last_attempt_ms_ = now_ms;
  if (loaded.ok()) {
    keys_ = loaded.value();
    next_refresh_ms_ = now_ms + options_.refresh_interval.count() * 1000;
    last_error_.reset();
    return keys_;
  }
  last_error_ = loaded.error();
  if (keys_ != nullptr) {
    // Keep serving the previous set; try again after the back-off rather than on every call.
    next_refresh_ms_ = now_ms + options_.min_refetch_interval.count() * 1000;
    return keys_;
  }
  return loaded.error();
}

namespace {

// A permit to wait on the network for `waiter`'s pool; an empty optional inside an ok Result
// when there is no limiter; TooManyRequests when the pool is at its bound.
Result<std::optional<OutboundLimiter::Permit>> AdmitWaiter(const JwksSource::Waiter& waiter) {
  using Admitted = Result<std::optional<OutboundLimiter::Permit>>;
  if (waiter.limiter == nullptr) return Admitted(std::nullopt);
  std::optional<OutboundLimiter::Permit> permit = waiter.limiter->TryAcquire(waiter.pool_id);
  if (!permit) {
    return ApiError::TooManyRequests(
        "Too many logins of this identity pool are waiting for the login provider's keys; "
        "retry later.");
  }
  return Admitted(std::move(permit));
}

}  // namespace

Result<std::shared_ptr<const Jwks>> JwksSource::Keys(const Waiter& waiter) {
  int64_t now = clock_.NowMillis();
  std::shared_ptr<const Jwks> snapshot;
  {
    MutexLock lock(state_mu_);
    if (keys_ != nullptr && now < next_refresh_ms_) return keys_;
    snapshot = keys_;
  }
  if (snapshot != nullptr) {
    // Stale: one caller refreshes, if its pool may wait; the others go on with the stale set.
    auto permit = AdmitWaiter(waiter);
    if (!permit.ok()) return snapshot;
    if (!fetch_mu_.TryLock()) return snapshot;
    MutexLock fetch(fetch_mu_, std::adopt_lock);
    {
      MutexLock lock(state_mu_);
      if (now < next_refresh_ms_) return keys_;  // refreshed while we waited
    }
    return RefreshLocked(now);
  }
  {
    // A failed first load is not retried before the back-off, so a dead URL costs one timeout
    // per minute, not one per request.
    MutexLock lock(state_mu_);
    if (keys_ == nullptr && last_error_ &&
        now < last_attempt_ms_ + options_.min_refetch_interval.count() * 1000) {
      return *last_error_;
    }
  }
  // Never loaded: callers wait for the first load, at most the waiter's bound of them per pool.
  COGSYNC_ASSIGN_OR_RETURN(auto permit, AdmitWaiter(waiter));
  MutexLock fetch(fetch_mu_);
  {
    MutexLock lock(state_mu_);
    if (keys_ != nullptr) return keys_;
    if (last_error_ && now < last_attempt_ms_ + options_.min_refetch_interval.count() * 1000) {
      return *last_error_;
    }
  }
  return RefreshLocked(now);
}

Result<std::shared_ptr<const Jwks>> JwksSource::KeysFor(std::string_view kid,
                                                        const Waiter& waiter) {
  COGSYNC_ASSIGN_OR_RETURN(std::shared_ptr<const Jwks> keys, Keys(waiter));
  if (kid.empty() || keys->FindKey(kid) != nullptr) return keys;
  int64_t now = clock_.NowMillis();
  {
    // Within the back-off nobody fetches: answer without waiting for a fetch in progress.
    MutexLock lock(state_mu_);
    if (now < last_attempt_ms_ + options_.min_refetch_interval.count() * 1000) return keys_;
  }
  COGSYNC_ASSIGN_OR_RETURN(auto permit, AdmitWaiter(waiter));
  MutexLock fetch(fetch_mu_);
  {
    MutexLock lock(state_mu_);
    if (keys_ != nullptr && keys_->FindKey(kid) != nullptr) return keys_;  // another thread did it
    if (now < last_attempt_ms_ + options_.min_refetch_interval.count() * 1000) return keys_;
  }
  return RefreshLocked(now);
}

Result<boost::json::object> JwksSource::Verify(std::string_view token, const VerifyOptions& options,
                                               OutboundLimiter* limiter, std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(DecodedJwt decoded, DecodeJwt(token));
  COGSYNC_ASSIGN_OR_RETURN(std::shared_ptr<const Jwks> keys,
                           KeysFor(decoded.kid, Waiter{limiter, pool_id}));
  return VerifyJwt(token, *keys, options, clock_.NowSeconds());
}

}  // namespace cogsync::auth
