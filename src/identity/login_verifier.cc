#include "identity/login_verifier.h"

#include <algorithm>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "common/json.h"

namespace cogsync::identity {

namespace bj = boost::json;

namespace {

ApiError InvalidLogin(const std::string& detail) {
  return ApiError::NotAuthorized("Invalid login token. " + detail);
}

// What the pool says about a provider: whether it supports it, and the audiences (client ids)
// its tokens must carry.
struct PoolProvider {
  bool supported = false;
  std::vector<std::string> audiences;
};

PoolProvider FindInPool(const store::Pool& pool, std::string_view provider) {
  PoolProvider out;
  const bj::object& d = pool.description;
  if (const bj::object* supported = json::GetObject(d, "SupportedLoginProviders")) {
    if (auto v = json::GetString(*supported, provider)) {
      out.supported = true;
      out.audiences.push_back(*v);
    }
  }
  if (const bj::array* cips = json::GetArray(d, "CognitoIdentityProviders")) {
    for (const auto& p : *cips) {
      if (!p.is_object() || json::GetString(p.get_object(), "ProviderName") != provider) continue;
      out.supported = true;
      if (auto client = json::GetString(p.get_object(), "ClientId"))
        out.audiences.push_back(*client);
    }
  }
  if (const bj::array* oidc = json::GetArray(d, "OpenIdConnectProviderARNs")) {
    for (const auto& arn : *oidc) {
      std::string_view a = arn.is_string() ? std::string_view(arn.get_string()) : "";
      size_t at = a.find(":oidc-provider/");
      if (at != std::string_view::npos && a.substr(at + 15) == provider) out.supported = true;
    }
  }
  if (const bj::array* saml = json::GetArray(d, "SamlProviderARNs")) {
    for (const auto& arn : *saml) {
      if (arn.is_string() && arn.get_string() == provider) out.supported = true;
    }
  }
  return out;
}

bool PoolHasProviders(const store::Pool& pool) {
  const bj::object& d = pool.description;
  auto non_empty_object = [&](std::string_view k) {
    const bj::object* o = json::GetObject(d, k);
    return o != nullptr && !o->empty();
  };
  auto non_empty_array = [&](std::string_view k) {
    const bj::array* a = json::GetArray(d, k);
    return a != nullptr && !a->empty();
  };
  return non_empty_object("SupportedLoginProviders") ||
         non_empty_array("CognitoIdentityProviders") ||
         non_empty_array("OpenIdConnectProviderARNs") || non_empty_array("SamlProviderARNs") ||
         !pool.developer_provider_name.empty();
}

}  // namespace

LoginVerifier::LoginVerifier(const Config& config, const OpenIdTokens& openid, const Clock& clock,
                             OutboundLimiter* limiter)
    : config_(config), openid_(openid), limiter_(limiter) {
  for (const auto& p : config.login_providers) {
    if (!p.verifier_url.empty()) hooks_.emplace(p.name, std::make_unique<TokenHook>(p, clock));
    std::string location = !p.jwks_file.empty() ? p.jwks_file : p.jwks_url;
    if (location.empty()) continue;
    sources_.emplace(p.name, std::make_unique<auth::JwksSource>(location, clock));
  }
}

LoginVerifier::~LoginVerifier() = default;

Result<VerifiedLogin> LoginVerifier::VerifyOne(const store::Pool& pool, const std::string& provider,
                                               const std::string& token, int64_t now_ms) const {
  VerifiedLogin login;
  login.provider = provider;
  if (provider == kCognitoProvider) {
    COGSYNC_ASSIGN_OR_RETURN(login.claims, openid_.Verify(token, now_ms / 1000));
    if (json::GetString(login.claims, "aud") != pool.id) {
      return InvalidLogin("Token audience does not match the identity pool.");
    }
    login.subject = json::GetString(login.claims, "sub").value_or("");
    return login;
  }
  if (!pool.developer_provider_name.empty() && provider == pool.developer_provider_name) {
    return ApiError::NotAuthorized("The developer provider " + provider +
                                   " can only be used with GetOpenIdTokenForDeveloperIdentity.");
  }
  PoolProvider in_pool = FindInPool(pool, provider);
  if (!in_pool.supported) {
    if (!PoolHasProviders(pool)) {
      return ApiError::NotAuthorized("Identity pool - " + pool.id +
                                     " does not have identity providers configured.");
    }
    return ApiError::NotAuthorized("Token is not from a supported provider of this identity pool.");
  }
  const LoginProviderConfig* configured = nullptr;
  for (const auto& p : config_.login_providers) {
    if (p.name == provider) configured = &p;
  }
  if (auto hook = hooks_.find(provider); configured != nullptr && hook != hooks_.end()) {
    COGSYNC_ASSIGN_OR_RETURN(
        login.subject,
        hook->second->Verify(
            token, !in_pool.audiences.empty() ? in_pool.audiences : configured->audiences));
    return login;
  }
  auto source = sources_.find(provider);
  if (configured != nullptr && source != sources_.end()) {
    auth::VerifyOptions options;
    options.issuer = configured->issuer.empty() ? "https://" + provider : configured->issuer;
    options.audiences = !in_pool.audiences.empty() ? in_pool.audiences : configured->audiences;
    if (options.audiences.empty()) {
      // Without an audience any token the provider issued to any other app would pass.
      return InvalidLogin("No audience is configured for " + provider +
                          ": set the provider's ClientId in the identity pool's "
                          "CognitoIdentityProviders, or \"audiences\" in its login_providers "
                          "entry of the server configuration.");
    }
    COGSYNC_ASSIGN_OR_RETURN(login.claims,
                             source->second->Verify(token, options, limiter_, pool.id));
  } else if (config_.insecure_trust_login_tokens) {
    // Insecure test mode (D12): a JWT's claims are trusted as they stand; any other token is
    // itself the user's id at the provider.
    if (auto decoded = auth::DecodeJwt(token); decoded.ok()) {
      login.claims = decoded->payload;
    } else {
      login.subject = token;
      return login;
    }
  } else {
    return InvalidLogin("No key set (JWKS) is configured to verify tokens of " + provider + ".");
  }
  auto sub = json::GetString(login.claims, "sub");
  if (!sub || sub->empty()) return InvalidLogin("Missing a required claim: sub");
  login.subject = *sub;
  return login;
}

Result<std::vector<VerifiedLogin>> LoginVerifier::Verify(const store::Pool& pool,
                                                         const bj::object& logins,
                                                         int64_t now_ms) const {
  std::vector<VerifiedLogin> out;
  for (const auto& kv : logins) {
    if (!kv.value().is_string()) return InvalidLogin("Login tokens must be strings.");
    COGSYNC_ASSIGN_OR_RETURN(auto login, VerifyOne(pool, std::string(kv.key()),
                                                   std::string(kv.value().get_string()), now_ms));
    out.push_back(std::move(login));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.provider < b.provider; });
  return out;
}

}  // namespace cogsync::identity
