#pragma once
// Identity credentials (docs/decisions.md D8): what GetCredentialsForIdentity hands out and what
// the SigV4 verifier accepts afterwards. They are stateless: the session token carries the binding
// (pool, identity, authenticated, role, expiry) sealed under the shared key, and the secret key
// is derived from the access key id with the same key, so any node accepts them without a lookup.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "common/error.h"
#include "common/mutex.h"
#include "common/sealed_token.h"
#include "common/string_map.h"

namespace cogsync::auth {

struct MintedCredentials {
  std::string access_key_id;  // "ASIA" + 16 characters
  std::string secret_key;
  std::string session_token;
  int64_t expires_ms = 0;
};

class SessionCredentials {
 public:
  explicit SessionCredentials(const TokenSealer& sealer) : sealer_(sealer) {}

  static constexpr int64_t kLifetimeMs = 3600 * 1000;  // "valid for a maximum of one hour"
  // The session name of GetCredentialsForIdentity's credentials, as AWS's assumed-role ARNs show.
  static constexpr std::string_view kDefaultSessionName = "CognitoIdentityCredentials";

  // GetCredentialsForIdentity's credentials: kDefaultSessionName, kLifetimeMs.
  MintedCredentials Mint(std::string_view pool_id, std::string_view identity_id, bool authenticated,
                         std::string_view role_arn, int64_t now_ms) const;
  // STS AssumeRoleWithWebIdentity's (D27): the caller's RoleSessionName and DurationSeconds.
  // The same kind of credentials, accepted by Resolve() exactly like the others.
  MintedCredentials Mint(std::string_view pool_id, std::string_view identity_id, bool authenticated,
                         std::string_view role_arn, std::string_view session_name,
                         int64_t expires_ms) const;
  // The principal and secret for a request signed with minted credentials. Errors:
  // UnrecognizedClient for a token that is not ours or does not belong to the key id,
  // ExpiredToken past its expiry. Thread-safe. A device signs every request with the same token,
  // so tokens that opened are remembered (at most kMaxRemembered): opening one costs two HMACs,
  // a base64 decode and a JSON parse. Only tokens this server sealed get in, and the expiry is
  // checked on every use.
  Result<std::pair<Principal, std::string>> Resolve(std::string_view access_key_id,
                                                    std::string_view session_token,
                                                    int64_t now_ms) const;
  static bool LooksLikeSessionKey(std::string_view access_key_id) {
    return access_key_id.size() == 20 && access_key_id.substr(0, 4) == "ASIA";
  }

  static constexpr size_t kMaxRemembered = 1024;

 private:
  struct Opened {
    Principal principal;
    std::string secret;
  };

  std::string SecretFor(std::string_view access_key_id) const;
  Result<Opened> Open(std::string_view access_key_id, std::string_view session_token) const;

  const TokenSealer& sealer_;
  mutable Mutex mu_;
  mutable StringMap<Opened> opened_ GUARDED_BY(mu_);  // by session token
};

}  // namespace cogsync::auth
