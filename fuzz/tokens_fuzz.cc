// Every token decoder: sealed tokens, NextTokens, identity session credentials,
// SyncSessionTokens and JWTs (decoding and verification against a fixed key set).

#include <cstdint>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/session_credentials.h"
#include "common/next_token.h"
#include "fuzz_input.h"
#include "sync/sync_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogsync;
  static const TokenSealer sealer("fuzz-key");
  static const auth::SessionCredentials credentials(sealer);
  static const sync::SyncSessionTokens sessions(sealer);
  static const auth::Jwks jwks = [] {
    auto key = auth::RsaPrivateKey::Generate(2048);
    auto set = auth::Jwks::FromPrivateKeys({&*key});
    return std::move(set).value();
  }();
  fuzz::FuzzInput in(data, size);
  std::string key_id = in.Field();
  std::string token = in.Rest();
  (void)sealer.Open("next-token-v1", token);
  (void)ReadNextToken(sealer, "ListIdentities/p", token);
  (void)credentials.Resolve(key_id, token, 1795460271000);
  (void)sessions.Verify(token, "us-east-1:p", "us-east-1:i", "d", 1795460271000);
  (void)auth::DecodeJwt(token);
  auth::VerifyOptions options;
  options.issuer = "https://cognito-identity.amazonaws.com";
  (void)auth::VerifyJwt(token, jwks, options, 1795460271);
  return 0;
}
