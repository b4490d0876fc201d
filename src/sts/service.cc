// STS AssumeRoleWithWebIdentity and GetCallerIdentity (D27).

#include "sts/service.h"

#include <string>

#include "auth/access.h"
#include "auth/jwt.h"
#include "common/json.h"
#include "common/time_format.h"
#include "sts/errors.h"
#include "sts/validation.h"

namespace cogsync::sts {
namespace {

namespace bj = boost::json;
using Kind = ParamRule::Kind;
using Pattern = ParamRule::Pattern;

constexpr int64_t kDefaultDurationSeconds = 3600;
// Signatures and issuers are checked by OpenIdTokens::Verify; the expiry is checked here, with
// no grace, so that it is told apart (ExpiredTokenException) from a token that is not ours.
constexpr int64_t kNoTimeCheckSeconds = int64_t{100} * 365 * 24 * 3600;
constexpr size_t kMaxEchoedIssuer = 256;

// The members of AssumeRoleWithWebIdentityRequest cogsync reads, in the model's order.
// PolicyArns (a list) is not read; Policy is checked for size only (see docs/compatibility.md).
constexpr ParamRule kAssumeRules[] = {
    {"RoleArn", true, Kind::kString, 20, 2048, Pattern::kText},
    {"RoleSessionName", true, Kind::kString, 2, 64, Pattern::kSessionName},
    {"WebIdentityToken", true, Kind::kString, 4, 20000, Pattern::kNone, /*sensitive=*/true},
    {"ProviderId", false, Kind::kString, 4, 2048},
    {"Policy", false, Kind::kString, 1, 2048, Pattern::kText},
    {"DurationSeconds", false, Kind::kInteger, 900, 43200},
};

ApiError NotAJwt() {
  return InvalidIdentityToken(
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access "
      "Token)");
}

std::string Provider(std::string_view issuer) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (issuer.substr(0, scheme.size()) == scheme) return std::string(issuer.substr(scheme.size()));
  }
  return std::string(issuer);
}

bool HasAuthenticatedAmr(const bj::object& claims) {
  const bj::array* amr = json::GetArray(claims, "amr");
  if (amr == nullptr) return false;
  for (const auto& v : *amr) {
    if (v.is_string() && v.get_string() == "authenticated") return true;
  }
  return false;
}

// The verified claims of one of cogsync's own OpenID tokens that has not expired.
Result<bj::object> VerifyWebIdentityToken(const identity::OpenIdTokens& openid,
                                          std::string_view token, int64_t now_seconds) {
  auto decoded = auth::DecodeJwt(token);
  if (!decoded.ok()) return NotAJwt();
  auto issuer = json::GetString(decoded->payload, "iss");
  if (!issuer) return NotAJwt();
  if (*issuer != openid.issuer()) {
    return InvalidIdentityToken("No OpenIDConnect provider found in your account for " +
                                issuer->substr(0, kMaxEchoedIssuer));
  }
  auto claims = openid.Verify(token, now_seconds, kNoTimeCheckSeconds);
  if (!claims.ok()) {
    return InvalidIdentityToken("The web identity token could not be verified: " +
                                claims.error().message());
  }
  auto exp = json::GetInt(*claims, "exp");
  if (!exp || now_seconds >= *exp) {
    return ExpiredWebIdentityToken(
        "Token expired: current date/time " + std::to_string(now_seconds) +
        " must be before the expiration date/time " + std::to_string(exp.value_or(0)));
  }
  return std::move(claims).value();
}

}  // namespace

std::string StsService::UniqueId(std::string_view prefix, std::string_view name) const {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const std::string digest = sealer_.Derive("sts-unique-id-v1", name);
  std::string out(prefix);
  for (size_t i = 0; i < 17; ++i) {
    out += kAlphabet[static_cast<unsigned char>(digest[i]) % kAlphabet.size()];
  }
  return out;
}

StsService::Output StsService::AssumeRoleWithWebIdentity(auth::RequestContext&,
                                                         const bj::object& in) {
  COGSYNC_RETURN_IF_ERROR(ValidateParams(kAssumeRules, in));
  const std::string role_arn = *json::GetString(in, "RoleArn");
  const std::string session_name = *json::GetString(in, "RoleSessionName");
  const auto role_parts = auth::ParseRoleArn(role_arn);
  if (!role_parts) return ValidationError("Request ARN is invalid");
  const int64_t now_ms = clock_.NowMillis();
  const int64_t now_seconds = now_ms / 1000;
  COGSYNC_ASSIGN_OR_RETURN(
      bj::object claims,
      VerifyWebIdentityToken(openid_, *json::GetString(in, "WebIdentityToken"), now_seconds));
  const std::string pool_id = json::GetString(claims, "aud").value_or("");
  const std::string identity_id = json::GetString(claims, "sub").value_or("");
  const bool authenticated = HasAuthenticatedAmr(claims);
  std::optional<std::string> pool_role;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
    if (!pool) return InvalidIdentityToken("Incorrect token audience");
    COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(identity_id));
    if (!identity || identity->pool_id != pool_id || identity->disabled) {
      return InvalidIdentityToken(
          "The identity of the web identity token was deleted, disabled or merged into another "
          "identity.");
    }
    pool_role = json::GetString(pool->roles, authenticated ? "authenticated" : "unauthenticated");
    return OkStatus();
  }));
  // D27: the stand-in for the role's trust policy.
  if (!pool_role || *pool_role != role_arn) {
    return AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  const int64_t duration = IntegerParam(in, "DurationSeconds").value_or(kDefaultDurationSeconds);
  const int64_t expires_seconds = now_seconds + duration;
  auto minted = credentials_.Mint(pool_id, identity_id, authenticated, role_arn, session_name,
                                  expires_seconds * 1000);
  const std::string assumed_arn = auth::AssumedRoleArn(role_arn, session_name, config_.account_id);
  return bj::object{
      {"Credentials", bj::object{{"AccessKeyId", minted.access_key_id},
                                 {"SecretAccessKey", minted.secret_key},
                                 {"SessionToken", minted.session_token},
                                 {"Expiration", timefmt::Iso8601Seconds(expires_seconds)}}},
      {"SubjectFromWebIdentityToken", identity_id},
      {"AssumedRoleUser",
       bj::object{{"Arn", assumed_arn},
                  {"AssumedRoleId", UniqueId("AROA", role_arn) + ":" + session_name}}},
      {"Provider", Provider(openid_.issuer())},
      {"Audience", pool_id},
  };
}

StsService::Output StsService::GetCallerIdentity(auth::RequestContext& ctx, const bj::object&) {
  const auth::Principal& p = ctx.principal;
  const auth::ArnContext arn{config_.region, config_.account_id};
  if (p.is_identity()) {
    auto parts = auth::ParseRoleArn(p.role_arn);
    return bj::object{
        {"UserId", UniqueId("AROA", p.role_arn) + ":" + p.session_name},
        {"Account", parts ? std::string(parts->account) : config_.account_id},
        {"Arn", auth::CallerArn(p, arn)},
    };
  }
  return bj::object{
      {"UserId", UniqueId("AIDA", p.access_key_id)},
      {"Account", config_.account_id},
      {"Arn", auth::CallerArn(p, arn)},
  };
}

}  // namespace cogsync::sts
