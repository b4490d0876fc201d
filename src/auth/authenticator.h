#pragma once
// The front door: turns a request's SigV4 signature into a Principal (docs/decisions.md D7, D8,
// D10). Developer keys are looked up in the Store (cached for a few seconds, so a key created or
// deleted with `cogsync keys` takes effect everywhere within kKeyCacheMillis); identity
// credentials are resolved without any lookup (auth/session_credentials.h).

#include <string>
#include <unordered_map>

#include "auth/principal.h"
#include "auth/session_credentials.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/mutex.h"
#include "http/message.h"
#include "store/store.h"

namespace cogsync::auth {

class Authenticator {
 public:
  static constexpr int64_t kKeyCacheMillis = 5000;

  Authenticator(store::Store& store, const SessionCredentials& credentials, const Clock& clock)
      : store_(store), credentials_(credentials), clock_(clock) {}
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // `service` is the SigV4 service name the request must be scoped to ("cognito-identity" or
  // "cognito-sync").
  Result<Principal> Authenticate(const http::Request& request, std::string_view service);

  // Forgets cached developer keys (tests, and `moto-api/reset-auth`).
  void ClearCache();

 private:
  Result<store::AccessKey> DeveloperKey(const std::string& access_key_id);

  struct CachedKey {
    store::AccessKey key;
    int64_t expires_ms;
  };
  store::Store& store_;
  const SessionCredentials& credentials_;
  const Clock& clock_;
  Mutex mu_;
  std::unordered_map<std::string, CachedKey> cache_ GUARDED_BY(mu_);
};

}  // namespace cogsync::auth
