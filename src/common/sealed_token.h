#pragma once
// Opaque, tamper-evident tokens: NextTokens (D20), SyncSessionTokens (D18) and identity session
// credentials (D8) are a payload sealed with an HMAC-SHA256 under a key that every node shares
// (kept in the Store). The payload is readable by whoever holds the token but cannot be forged
// or altered; each kind of token has its own purpose string, so one kind never passes for another.

#include <optional>
#include <string>
#include <string_view>

namespace cogsync {

class TokenSealer {
 public:
  explicit TokenSealer(std::string key) : key_(std::move(key)) {}

  // base64url(payload) "." base64url(HMAC(key, purpose || 0 || payload)), truncated MAC of 16
  // bytes.
  std::string Seal(std::string_view purpose, std::string_view payload) const;
  // The payload if the token was sealed by Seal(purpose, ...) with this key; nullopt otherwise.
  std::optional<std::string> Open(std::string_view purpose, std::string_view token) const;
  // A keyed derivation, e.g. the secret key of minted credentials from their access key id.
  std::string Derive(std::string_view purpose, std::string_view input) const;

 private:
  std::string Mac(std::string_view purpose, std::string_view payload) const;
  std::string key_;
};

}  // namespace cogsync
