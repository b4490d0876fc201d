#pragma once
// A login provider's token verifier hook (issue 15, Scope 3): for providers whose tokens are not
// JWTs (Facebook-style access tokens), an HTTP endpoint the operator configures answers who the
// token belongs to. Typically the provider's own token-introspection (RFC 7662) or debug
// endpoint, or a small adapter in front of it; docs/configuration.md "Token verifier hooks".
//
// The token goes out as a form body `token=<token>` (POST) or in place of `{token}` in the URL
// (GET, percent-encoded), with the configured headers. A 200 JSON answer is read with JSON
// pointers: the active flag (must be true, when configured), the audience (must be one of the
// pool's client ids for the provider, when configured) and the subject (a non-empty string or
// an integer). A 400, 401 or 403, or a 200 that fails those checks, refuses the token
// (NotAuthorizedException); anything else (timeout, 5xx, a malformed body) is
// ExternalServiceException, as AWS answers when a provider does not respond.
//
// Answers, both ways, are cached by SHA-256 of the token for verifier_cache_seconds, at most
// verifier_cache_entries (when full, expired entries go, then the oldest half). A revoked token
// keeps working until its entry expires.
//
// Thread safety: Verify may be called concurrently from any thread.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/mutex.h"

namespace cogsync::identity {

class TokenHook {
 public:
  TokenHook(const LoginProviderConfig& config, const Clock& clock)
      : config_(config), clock_(clock) {}
  TokenHook(const TokenHook&) = delete;
  TokenHook& operator=(const TokenHook&) = delete;

  // The token's subject. `audiences`: accepted values at the audience pointer (empty: any).
  Result<std::string> Verify(const std::string& token, const std::vector<std::string>& audiences);

  // Calls made to the hook since start (cache misses), for tests and metrics.
  uint64_t calls() const EXCLUDES(mutex_);

 private:
  // What the hook said about one token.
  struct Answer {
    bool accepted = false;
    std::string subject;   // accepted
    std::string audience;  // the value at the audience pointer, if configured
    std::string refusal;   // !accepted: why
    int64_t expires_ms = 0;
    int64_t stored_ms = 0;
  };
  Result<Answer> Ask(const std::string& token) const;
  void Remember(const std::string& key, const Answer& answer) EXCLUDES(mutex_);

  const LoginProviderConfig& config_;
  const Clock& clock_;
  mutable Mutex mutex_;
  std::map<std::string, Answer> cache_ GUARDED_BY(mutex_);  // key: SHA-256 of the token
  uint64_t calls_ GUARDED_BY(mutex_) = 0;
};

}  // namespace cogsync::identity
