#pragma once
// JSON Web Key Sets (RFC 7517): the public keys a login provider signs its tokens with
// (docs/decisions.md D12), parsed into OpenSSL keys, and JwksSource, which loads them from a file
// or an http(s) URL and keeps them fresh.

#include <openssl/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/rsa_key.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/mutex.h"
#include "common/outbound_limiter.h"

namespace cogsync::auth {

struct VerifyOptions;  // jwt.h

// An immutable set of verification keys. Thread-safe to read from any number of threads.
class Jwks {
 public:
  // What a key can verify: RSA keys take RS256/384/512; EC keys the ES algorithm of their curve.
  enum class KeyType { kRsa, kEcP256, kEcP384 };
  struct Key {
    std::string kid;  // may be empty
    KeyType type;
    std::string alg;  // the JWK's "alg" if it names one; a token must then use exactly it
    EvpPkeyPtr pkey;
  };

  Jwks() = default;
  Jwks(Jwks&&) noexcept = default;
  Jwks& operator=(Jwks&&) noexcept = default;

  // A JWKS document {"keys":[...]}. Keys that cannot verify signatures are skipped rather than
  // failing the set, as providers publish keys of several kinds: unknown kty or crv, "use" other
  // than "sig", RSA moduli below kMinRsaBits (private members are ignored). A document that is not
  // JSON, has no "keys" array, or has a malformed supported key fails (InvalidParameter, with
  // the reason; callers map it to their own error).
  static Result<Jwks> Parse(std::string_view text);
  static Result<Jwks> FromJson(const boost::json::value& document);
  // The set that verifies tokens signed by these keys (the server's own, D12/D13).
  static Result<Jwks> FromPrivateKeys(const std::vector<const RsaPrivateKey*>& keys);

  // The key with this kid, or nullptr.
  const EVP_PKEY* Find(std::string_view kid) const;
  const Key* FindKey(std::string_view kid) const;
  const std::vector<Key>& keys() const { return keys_; }
  size_t size() const { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

struct JwksSourceOptions {
  // How long a loaded set is used before it is fetched again.
  std::chrono::seconds refresh_interval{3600};
  // Least time between two fetches caused by an unknown kid or by a failed fetch, so a flood
  // of tokens with made-up kids, or a provider that is down, cannot make us hammer its URL.
  std::chrono::seconds min_refetch_interval{60};
  // Whole-request limit of one URL fetch (resolve, connect, TLS, request, response).
  std::chrono::milliseconds fetch_timeout{5000};
  // Largest JWKS document accepted.
  size_t max_document_bytes = 1 << 20;
};

// Who waits for a fetch, and the bound on that (OutboundLimiter): a call that would wait on
// the network (fetching, or waiting for another thread's fetch) first takes a permit for
// `pool_id`; without one it does not wait: it goes on with the stale set if there is one,
// else fails with TooManyRequests. A null limiter waits unbounded.
struct JwksWaiter {
  OutboundLimiter* limiter = nullptr;
  std::string_view pool_id;
};

// A provider's keys, from a file path or an http:// or https:// URL. Thread-safe: request
// threads read an immutable snapshot (shared_ptr); one thread at a time fetches, and while it
// does others keep using the previous snapshot. When a refresh fails, the previous set stays in
// use. Errors: a URL that cannot be fetched or serves a bad document gives ExternalService; an
// unreadable or bad file gives InternalError (operator configuration).
class JwksSource {
 public:
  JwksSource(std::string location, const Clock& clock, JwksSourceOptions options = {});
  JwksSource(const JwksSource&) = delete;
  JwksSource& operator=(const JwksSource&) = delete;

  using Waiter = JwksWaiter;

  // The current set, loading it first if it was never loaded or is older than refresh_interval.
  Result<std::shared_ptr<const Jwks>> Keys(const Waiter& waiter = {})
      EXCLUDES(fetch_mu_, state_mu_);
  // As Keys(), but if `kid` is not in the set (the provider rotated its keys), fetches again,
  // at most once per min_refetch_interval.
  Result<std::shared_ptr<const Jwks>> KeysFor(std::string_view kid, const Waiter& waiter = {})
      EXCLUDES(fetch_mu_, state_mu_);
  // VerifyJwt (jwt.h) against this source's keys at the clock's current time.
  Result<boost::json::object> Verify(std::string_view token, const VerifyOptions& options,
                                     OutboundLimiter* limiter = nullptr,
                                     std::string_view pool_id = {});

  const std::string& location() const { return location_; }
  // Number of loads attempted so far (tests and metrics).
  int64_t fetch_count() const;

 private:
  bool IsUrl() const;
  Result<std::shared_ptr<const Jwks>> Load() const;
  // Loads now and installs the result.
  Result<std::shared_ptr<const Jwks>> RefreshLocked(int64_t now_ms) REQUIRES(fetch_mu_)
      EXCLUDES(state_mu_);

  const std::string location_;
  const Clock& clock_;
  const JwksSourceOptions options_;

  Mutex fetch_mu_ ACQUIRED_BEFORE(state_mu_);  // one fetch at a time
  mutable Mutex state_mu_;
  std::shared_ptr<const Jwks> keys_ GUARDED_BY(state_mu_);
  int64_t next_refresh_ms_ GUARDED_BY(state_mu_) = 0;
  int64_t last_attempt_ms_ GUARDED_BY(state_mu_) = 0;         // 0: never
  std::optional<ApiError> last_error_ GUARDED_BY(state_mu_);  // of the last failed attempt
  int64_t fetch_count_ GUARDED_BY(state_mu_) = 0;
};

}  // namespace cogsync::auth
