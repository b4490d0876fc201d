#include "identity/openid_tokens.h"

#include <algorithm>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/rsa_key.h"
#include "common/ascii.h"

namespace cogsync::identity {

namespace bj = boost::json;

namespace {

constexpr std::string_view kAwsIssuer = "https://cognito-identity.amazonaws.com";

// localhost, 127.0.0.1 or [::1], with or without a port of digits.
bool IsLoopbackHost(std::string_view host) {
  std::string_view name = host;
  if (size_t colon = host.rfind(':');
      colon != std::string_view::npos && (host.front() != '[' || host[colon - 1] == ']')) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    name = host.substr(0, colon);
  }
  return ascii::EqualsIgnoreCase(name, "localhost") || name == "127.0.0.1" || name == "[::1]";
}

}  // namespace

OpenIdTokens::OpenIdTokens(std::unique_ptr<auth::RsaPrivateKey> key,
                           std::unique_ptr<auth::Jwks> jwks, std::string issuer)
    : key_(std::move(key)), jwks_(std::move(jwks)), issuer_(std::move(issuer)) {}

OpenIdTokens::~OpenIdTokens() = default;

Result<std::unique_ptr<OpenIdTokens>> OpenIdTokens::Create(std::string_view pem,
                                                           std::string issuer) {
  COGSYNC_ASSIGN_OR_RETURN(auto key, auth::RsaPrivateKey::FromPem(pem));
  auto owned = std::make_unique<auth::RsaPrivateKey>(std::move(key));
  COGSYNC_ASSIGN_OR_RETURN(auto jwks, auth::Jwks::FromPrivateKeys({owned.get()}));
  return std::unique_ptr<OpenIdTokens>(new OpenIdTokens(
      std::move(owned), std::make_unique<auth::Jwks>(std::move(jwks)), std::move(issuer)));
}

std::string OpenIdTokens::Issue(std::string_view pool_id, std::string_view identity_id,
                                const std::vector<std::string>& amr, int64_t lifetime_seconds,
                                const bj::object* principal_tags, int64_t now_seconds) const {
  bj::array amr_claim;
  for (const auto& a : amr) amr_claim.emplace_back(a);
  bj::object claims{{"iss", issuer_},     {"sub", identity_id},
                    {"aud", pool_id},     {"amr", std::move(amr_claim)},
                    {"iat", now_seconds}, {"exp", now_seconds + lifetime_seconds}};
  if (principal_tags != nullptr && !principal_tags->empty()) {
    // Session tags as AWS STS reads them from a web identity token.
    bj::object tags;
    for (const auto& kv : *principal_tags) tags[kv.key()] = bj::array{kv.value()};
    claims["https://aws.amazon.com/tags"] = bj::object{{"principal_tags", std::move(tags)}};
  }
  return auth::SignJwt(*key_, claims);
}

Result<bj::object> OpenIdTokens::Verify(std::string_view token, int64_t now_seconds,
                                        int64_t skew_seconds) const {
  auth::VerifyOptions options;
  options.issuer = issuer_;
  options.skew_seconds = skew_seconds;
  return auth::VerifyJwt(token, *jwks_, options, now_seconds);
}

bj::object OpenIdTokens::JwksDocument() const {
  return bj::object{{"keys", bj::array{key_->PublicJwk()}}};
}

Result<bj::object> OpenIdTokens::DiscoveryDocument(
    std::string_view request_host, const std::vector<std::string>& allowed_hosts) const {
  std::string base = issuer_;
  if (issuer_ == kAwsIssuer) {
    const bool allowed =
        IsLoopbackHost(request_host) ||
        std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                    [&](const std::string& h) { return ascii::EqualsIgnoreCase(h, request_host); });
    if (!allowed) {
      return ApiError::ResourceNotFound(
          "The OpenID discovery document is served only under public_url (--public-url) or for "
          "a Host listed in discovery_hosts.");
    }
    base = "http://" + std::string(request_host);
  }
  return bj::object{{"issuer", issuer_},
                    {"jwks_uri", base + "/.well-known/jwks.json"},
                    {"response_types_supported", bj::array{"id_token"}},
                    {"subject_types_supported", bj::array{"public"}},
                    {"id_token_signing_alg_values_supported", bj::array{"RS256"}},
                    {"claims_supported", bj::array{"iss", "sub", "aud", "exp", "iat", "amr"}}};
}

}  // namespace cogsync::identity
