#pragma once
// Who is calling: established once per request by the Authenticator, before any handler runs.

#include <cstdint>
#include <string>

namespace cogsync::auth {

struct Principal {
  enum class Kind { kAnonymous, kDeveloper, kIdentity };
  Kind kind = Kind::kAnonymous;
  std::string access_key_id;
  // Developer: the access key's name (LastModifiedBy, D21).
  std::string key_name;
  // Identity credentials (D8): the identity they were minted for.
  std::string pool_id;
  std::string identity_id;
  bool authenticated = false;
  std::string role_arn;
  // The role session name: RoleSessionName for credentials from STS AssumeRoleWithWebIdentity
  // (D27), "CognitoIdentityCredentials" for those of GetCredentialsForIdentity, as AWS names them.
  std::string session_name;
  int64_t expires_ms = 0;

  bool is_developer() const { return kind == Kind::kDeveloper; }
  bool is_identity() const { return kind == Kind::kIdentity; }
  // What LastModifiedBy records for changes this caller makes (D21).
  const std::string& modifier() const { return is_identity() ? identity_id : key_name; }
};

}  // namespace cogsync::auth
