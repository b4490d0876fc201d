#include "auth/session_credentials.h"

#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"

namespace cogsync::auth {
namespace {
constexpr std::string_view kTokenPurpose = "session-token-v1";
constexpr std::string_view kSecretPurpose = "session-secret-v1";

ApiError InvalidToken() {
  return ApiError::UnrecognizedClient("The security token included in the request is invalid.");
}
}  // namespace

std::string SessionCredentials::SecretFor(std::string_view access_key_id) const {
  return encoding::Base64(sealer_.Derive(kSecretPurpose, access_key_id)).substr(0, 40);
}

MintedCredentials SessionCredentials::Mint(std::string_view pool_id, std::string_view identity_id,
                                           bool authenticated, std::string_view role_arn,
                                           int64_t now_ms) const {
  return Mint(pool_id, identity_id, authenticated, role_arn, kDefaultSessionName,
              now_ms + kLifetimeMs);
}

MintedCredentials SessionCredentials::Mint(std::string_view pool_id, std::string_view identity_id,
                                           bool authenticated, std::string_view role_arn,
                                           std::string_view session_name,
                                           int64_t expires_ms) const {
  MintedCredentials c;
  c.access_key_id = "ASIA" + ids::RandomAlnumUpper(16);
  c.secret_key = SecretFor(c.access_key_id);
  c.expires_ms = expires_ms;
  boost::json::object payload{{"k", c.access_key_id}, {"p", pool_id},  {"i", identity_id},
                              {"a", authenticated},   {"r", role_arn}, {"x", c.expires_ms}};
  // Tokens minted before session names existed have no "s": they read as the default.
  if (session_name != kDefaultSessionName) payload["s"] = session_name;
  c.session_token = sealer_.Seal(kTokenPurpose, json::Write(payload));
  return c;
}

Result<std::pair<Principal, std::string>> SessionCredentials::Resolve(
    std::string_view access_key_id, std::string_view session_token, int64_t now_ms) const {
  std::optional<Opened> opened;
  {
    MutexLock lock(mu_);
    // Keys compare whole: a look-up is a hash, then equality with a token this server sealed.
    auto it = opened_.find(session_token);
    if (it != opened_.end()) opened = it->second;
  }
  if (!opened) {
    COGSYNC_ASSIGN_OR_RETURN(Opened fresh, Open(access_key_id, session_token));
    MutexLock lock(mu_);
    if (opened_.size() >= kMaxRemembered) opened_.clear();
    opened = opened_.try_emplace(std::string(session_token), std::move(fresh)).first->second;
  }
  // The token names its key id: signing with another key id is not this token's use.
  if (opened->principal.access_key_id != access_key_id) return InvalidToken();
  if (now_ms >= opened->principal.expires_ms) {
    return ApiError::ExpiredToken("The security token included in the request is expired");
  }
  return std::make_pair(std::move(opened->principal), std::move(opened->secret));
}

Result<SessionCredentials::Opened> SessionCredentials::Open(std::string_view access_key_id,
                                                            std::string_view session_token) const {
  auto payload = sealer_.Open(kTokenPurpose, session_token);
  if (!payload) return InvalidToken();
  auto parsed = json::Parse(*payload);
  if (!parsed || !parsed->is_object()) return InvalidToken();
  const auto& o = parsed->get_object();
  auto key = json::GetString(o, "k");
  auto pool = json::GetString(o, "p");
  auto identity = json::GetString(o, "i");
  auto authenticated = json::GetBool(o, "a");
  auto role = json::GetString(o, "r");
  auto expires = json::GetInt(o, "x");
  if (!key || !pool || !identity || !authenticated || !role || !expires || *key != access_key_id) {
    return InvalidToken();
  }
  Principal p;
  p.kind = Principal::Kind::kIdentity;
  p.access_key_id = *key;
  p.pool_id = *pool;
  p.identity_id = *identity;
  p.authenticated = *authenticated;
  p.role_arn = *role;
  p.session_name = json::GetString(o, "s").value_or(std::string(kDefaultSessionName));
  p.expires_ms = *expires;
  return Opened{std::move(p), SecretFor(access_key_id)};
}

}  // namespace cogsync::auth
