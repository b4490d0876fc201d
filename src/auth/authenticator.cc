#include "auth/authenticator.h"

#include "auth/sigv4.h"

namespace cogsync::auth {
namespace {
// Bounds the cache so that a stream of made-up key ids cannot grow it without limit.
constexpr size_t kMaxCachedKeys = 4096;

ApiError UnknownKey() {
  return ApiError::UnrecognizedClient("The security token included in the request is invalid.");
}
}  // namespace

void Authenticator::ClearCache() {
  MutexLock lock(mu_);
  cache_.clear();
}

Result<store::AccessKey> Authenticator::DeveloperKey(const std::string& access_key_id) {
  const int64_t now = clock_.NowMillis();
  {
    MutexLock lock(mu_);
    auto it = cache_.find(access_key_id);
    if (it != cache_.end() && it->second.expires_ms > now) return it->second.key;
  }
  std::optional<store::AccessKey> key;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(key, txn.GetAccessKey(access_key_id));
    return OkStatus();
  }));
  if (!key) return UnknownKey();
  MutexLock lock(mu_);
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();
  cache_[access_key_id] = CachedKey{*key, now + kKeyCacheMillis};
  return *key;
}

Result<Principal> Authenticator::Authenticate(const http::Request& request,
                                              std::string_view service) {
  Principal principal;
  auto lookup = [&](const sigv4::CredentialRequest& cred) -> Result<std::string> {
    if (!cred.session_token.empty() ||
        SessionCredentials::LooksLikeSessionKey(cred.access_key_id)) {
      if (cred.session_token.empty()) return UnknownKey();
      COGSYNC_ASSIGN_OR_RETURN(
          auto resolved,
          credentials_.Resolve(cred.access_key_id, cred.session_token, clock_.NowMillis()));
      principal = std::move(resolved.first);
      return std::move(resolved.second);
    }
    COGSYNC_ASSIGN_OR_RETURN(auto key, DeveloperKey(cred.access_key_id));
    principal.kind = Principal::Kind::kDeveloper;
    principal.access_key_id = key.access_key_id;
    principal.key_name = key.name;
    return key.secret_access_key;
  };
  COGSYNC_RETURN_IF_ERROR(sigv4::VerifyRequest(request, service, clock_.NowSeconds(), lookup));
  return principal;
}

}  // namespace cogsync::auth
