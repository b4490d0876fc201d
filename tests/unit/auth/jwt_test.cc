#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/jwks.h"
#include "auth/rsa_key.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json.h"

namespace cogsync::auth {
namespace {

namespace bj = boost::json;

constexpr int64_t kNow = 1700000000;
constexpr std::string_view kIssuer = "https://cognito-identity.amazonaws.com";

// Key generation is slow; every test shares two keys.
const RsaPrivateKey& KeyA() {
  static const RsaPrivateKey* key = new RsaPrivateKey(RsaPrivateKey::Generate().value());
  return *key;
}
const RsaPrivateKey& KeyB() {
  static const RsaPrivateKey* key = new RsaPrivateKey(RsaPrivateKey::Generate().value());
  return *key;
}

Jwks JwksOf(std::vector<const RsaPrivateKey*> keys) { return Jwks::FromPrivateKeys(keys).value(); }

bj::object Claims() {
  return bj::object{{"iss", kIssuer},        {"aud", "us-east-1:pool"},
                    {"sub", "us-east-1:id"}, {"iat", kNow - 10},
                    {"exp", kNow + 600},     {"amr", bj::array{"unauthenticated"}}};
}

// Builds a token with any header and claims, signed with `md` by `key` (nullptr: no signature).
std::string MakeToken(const bj::object& header, const bj::object& claims,
                      const RsaPrivateKey* key = nullptr, const EVP_MD* md = nullptr) {
  std::string input =
      encoding::Base64Url(json::Write(header)) + "." + encoding::Base64Url(json::Write(claims));
  std::string sig;
  if (key != nullptr) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, const_cast<EVP_PKEY*>(key->pkey()));
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    sig.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
  }
  return input + "." + encoding::Base64Url(sig);
}

std::string ErrorOf(const Result<bj::object>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code(), "NotAuthorizedException");
  return r.error().message();
}

// ---- RsaKey ----

TEST(RsaKey, PemRoundTripKeepsTheKey) {
  std::string pem = KeyA().ToPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem.substr(0, 40);
  auto loaded = RsaPrivateKey::FromPem(pem);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->Kid(), KeyA().Kid());
  EXPECT_EQ(json::Write(loaded->PublicJwk()), json::Write(KeyA().PublicJwk()));
  EXPECT_EQ(loaded->ToPem(), pem);
  EXPECT_EQ(loaded->Bits(), 2048);
  // A token the reloaded key signs verifies against the original's JWKS.
  auto verified = VerifyJwt(SignJwt(*loaded, Claims()), JwksOf({&KeyA()}), {}, kNow);
  EXPECT_TRUE(verified.ok()) << verified.error().ToString();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string text = len > 0 ? std::string(data, size_t(len)) : std::string();
  BIO_free(bio);
  return text;
}

TEST(RsaKey, RejectsGarbageShortAndEncryptedKeys) {
  EXPECT_EQ(RsaPrivateKey::FromPem("not a key").error().code(), "InternalErrorException");
  EXPECT_FALSE(RsaPrivateKey::Generate(1024).ok());

  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
  ASSERT_NE(small, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, small, nullptr, nullptr, 0, nullptr, nullptr);
  EVP_PKEY_free(small);
  std::string small_pem = BioText(bio);
  EXPECT_TRUE(small_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_FALSE(RsaPrivateKey::FromPem(small_pem).ok());

  // PKCS#1 ("BEGIN RSA PRIVATE KEY") of a good key loads as the same key.
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(bio, const_cast<EVP_PKEY*>(KeyA().pkey()), nullptr, nullptr,
                                       0, nullptr, nullptr);
  std::string pkcs1 = BioText(bio);
  EXPECT_TRUE(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
  auto from_pkcs1 = RsaPrivateKey::FromPem(pkcs1);
  ASSERT_TRUE(from_pkcs1.ok());
  EXPECT_EQ(from_pkcs1->Kid(), KeyA().Kid());

  // Encrypted PEM: must fail without prompting for a passphrase.
  bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  PEM_write_bio_PKCS8PrivateKey(bio, const_cast<EVP_PKEY*>(KeyA().pkey()), EVP_aes_128_cbc(),
                                nullptr, 0, nullptr, pass);
  std::string encrypted = BioText(bio);
  EXPECT_TRUE(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  EXPECT_FALSE(RsaPrivateKey::FromPem(encrypted).ok());
}

TEST(RsaKey, PublicJwkHasMinimalBigEndianMembers) {
  bj::object jwk = KeyA().PublicJwk();
  EXPECT_EQ(jwk.at("kty"), "RSA");
  EXPECT_EQ(jwk.at("alg"), "RS256");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(jwk.at("e"), "AQAB");  // 65537 = 0x01 0x00 0x01
  EXPECT_EQ(jwk.at("kid").as_string(), KeyA().Kid());
  auto n = encoding::Base64UrlDecode(jwk.at("n").as_string());
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->size(), 256u);
  EXPECT_NE(static_cast<unsigned char>((*n)[0]), 0);
  EXPECT_EQ(KeyA().Kid(), RsaJwkThumbprint(jwk.at("n").as_string(), "AQAB"));
  EXPECT_EQ(KeyA().Kid().size(), 43u);
  EXPECT_NE(KeyA().Kid(), KeyB().Kid());
}

TEST(RsaKey, ThumbprintMatchesRfc7638Example) {
  // RFC 7638 §3.1.
  constexpr std::string_view kN =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
      "BJECPe"
      "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY3"
      "68QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"
      "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  EXPECT_EQ(RsaJwkThumbprint(kN, "AQAB"), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(RsaKey, SignRs256IsDeterministicPkcs1) {
  std::string a = KeyA().SignRs256("hello");
  EXPECT_EQ(a.size(), 256u);
  EXPECT_EQ(a, KeyA().SignRs256("hello"));
  EXPECT_NE(a, KeyA().SignRs256("hellp"));
  EXPECT_NE(a, KeyB().SignRs256("hello"));
}

// ---- Jwt: signing and decoding ----

TEST(Jwt, SignedTokenHasHeaderWithKidAndVerifies) {
  std::string token = SignJwt(KeyA(), Claims());
  auto decoded = DecodeJwt(token);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(json::Write(decoded->header),
            R"({"alg":"RS256","typ":"JWT","kid":")" + KeyA().Kid() + R"("})");
  EXPECT_EQ(decoded->alg, "RS256");
  EXPECT_EQ(decoded->kid, KeyA().Kid());
  EXPECT_EQ(decoded->payload.at("sub"), "us-east-1:id");
  EXPECT_EQ(decoded->signature.size(), 256u);

  VerifyOptions options{std::string(kIssuer), {"us-east-1:pool"}};
  auto claims = VerifyJwt(token, JwksOf({&KeyB(), &KeyA()}), options, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(json::Write(*claims), json::Write(Claims()));
}

TEST(Jwt, VerifiesAgainstJwksParsedFromPublishedJwkText) {
  // What a third-party verifier does: fetch the JSON text, parse n and e, verify.
  std::string text = json::Write(bj::object{{"keys", bj::array{KeyA().PublicJwk()}}});
  auto jwks = Jwks::Parse(text);
  ASSERT_TRUE(jwks.ok()) << jwks.error().ToString();
  ASSERT_EQ(jwks->size(), 1u);
  auto claims = VerifyJwt(SignJwt(KeyA(), Claims()), *jwks, {}, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(claims->at("aud"), "us-east-1:pool");
}

TEST(Jwt, DecodeRejectsMalformedTokens) {
  std::string good = SignJwt(KeyA(), Claims());
  std::string header = good.substr(0, good.find('.'));
  std::string body = encoding::Base64Url(json::Write(Claims()));
  for (const std::string& bad : {
           std::string(""),
           std::string("abc"),
           header + "." + body,
           header + "." + body + ".sig.extra",
           "." + body + ".",
           header + "..",
           header + ".!!!." + "AAAA",
           encoding::Base64Url("[1]") + "." + body + ".",
           header + "." + encoding::Base64Url("not json") + ".",
           encoding::Base64Url(R"({"alg":7})") + "." + body + ".",
           encoding::Base64Url(R"({"typ":"JWT"})") + "." + body + ".",
           encoding::Base64Url(R"({"alg":"RS256","kid":1})") + "." + body + ".",
           header + "." + body + "." + std::string(kMaxJwtBytes, 'A'),
       }) {
    auto decoded = DecodeJwt(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code(), "NotAuthorizedException");
    EXPECT_EQ(decoded.error().message(),
              "Invalid login token. Not a valid OpenId Connect identity token.");
    EXPECT_EQ(ErrorOf(VerifyJwt(bad, JwksOf({&KeyA()}), {}, kNow)),
              "Invalid login token. Not a valid OpenId Connect identity token.");
  }
}

// ---- Jwt: external vectors ----

constexpr std::string_view kRfc7515Payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

// RFC 7515 Appendix A.2: RS256 with the key given there as a JWK (no kid).
TEST(Jwt, VerifiesRfc7515AppendixA2Rs256Vector) {
  const std::string jwks_text =
      R"({"keys":[{"kty":"RSA","e":"AQAB","n":")"
      "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
      "4qPCJrcS2mJPMEzP1Pt0Bm4d4"
      "QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
      "bSf63kpaSHSXndS5z5rexMdbBY"
      "UsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
      "DWNmo"
      "udF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
      R"("}]})";
  const std::string token = "eyJhbGciOiJSUzI1NiJ9." + std::string(kRfc7515Payload) +
                            ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__"
                            "dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5j"
                            "ujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
                            "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Q"
                            "e7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
                            "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8"
                            "np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
  auto jwks = Jwks::Parse(jwks_text);
  ASSERT_TRUE(jwks.ok()) << jwks.error().ToString();
  VerifyOptions options{"joe"};
  auto claims = VerifyJwt(token, *jwks, options, 1300819380 - 60);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(claims->at("iss"), "joe");
  EXPECT_EQ(claims->at("http://example.com/is_root"), true);

  EXPECT_EQ(ErrorOf(VerifyJwt(token, *jwks, options, kNow)),
            "Invalid login token. Token is expired.");
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ErrorOf(VerifyJwt(tampered, *jwks, options, 1300819380 - 60)),
            "Invalid login token. Couldn't verify signed token.");
}

// RFC 7515 Appendix A.3: ES256 with the P-256 key given there.
TEST(Jwt, VerifiesRfc7515AppendixA3Es256Vector) {
  auto jwks = Jwks::Parse(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec",)"
                          R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                          R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})");
  ASSERT_TRUE(jwks.ok()) << jwks.error().ToString();
  const std::string token =
      "eyJhbGciOiJFUzI1NiJ9." + std::string(kRfc7515Payload) +
      ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  auto claims = VerifyJwt(token, *jwks, {}, 1300819380 - 60);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(claims->at("iss"), "joe");
  std::string tampered = token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ErrorOf(VerifyJwt(tampered, *jwks, {}, 1300819380 - 60)),
            "Invalid login token. Couldn't verify signed token.");
  // The same EC key must not verify an RS256 token.
  EXPECT_EQ(ErrorOf(VerifyJwt(MakeToken({{"alg", "RS256"}}, Claims(), &KeyA(), EVP_sha256()), *jwks,
                              {}, kNow)),
            "Invalid login token. Couldn't verify signed token. Key doesn't match the algorithm.");
}

// ---- Jwt: algorithms and keys ----

TEST(Jwt, AcceptsRs384AndRs512) {
  Jwks jwks = JwksOf({&KeyA()});
  // FromPrivateKeys publishes alg RS256, which pins the key; use a JWK without alg here.
  bj::object jwk = KeyA().PublicJwk();
  jwk.erase("alg");
  Jwks unpinned = Jwks::FromJson(bj::object{{"keys", bj::array{jwk}}}).value();
  for (auto [alg, md] : {std::pair{"RS384", EVP_sha384()}, std::pair{"RS512", EVP_sha512()}}) {
    bj::object header{{"alg", alg}, {"kid", KeyA().Kid()}};
    std::string token = MakeToken(header, Claims(), &KeyA(), md);
    EXPECT_TRUE(VerifyJwt(token, unpinned, {}, kNow).ok()) << alg;
    EXPECT_EQ(
        ErrorOf(VerifyJwt(token, jwks, {}, kNow)),
        "Invalid login token. Couldn't verify signed token. Key doesn't match the algorithm.");
    // A digest other than the header's fails.
    std::string wrong = MakeToken(header, Claims(), &KeyA(), EVP_sha256());
    EXPECT_EQ(ErrorOf(VerifyJwt(wrong, unpinned, {}, kNow)),
              "Invalid login token. Couldn't verify signed token.");
  }
}

TEST(Jwt, RejectsAlgNone) {
  std::string token = MakeToken({{"alg", "none"}, {"kid", KeyA().Kid()}}, Claims());
  EXPECT_EQ(ErrorOf(VerifyJwt(token, JwksOf({&KeyA()}), {}, kNow)),
            "Invalid login token. Unsupported token signing algorithm: none");
  std::string no_kid = MakeToken({{"alg", "none"}}, Claims());
  EXPECT_FALSE(VerifyJwt(no_kid, JwksOf({&KeyA()}), {}, kNow).ok());
}

TEST(Jwt, RejectsHs256SignedWithThePublicKey) {
  // The classic confusion attack: HMAC keyed with the published key material.
  std::string input =
      encoding::Base64Url(json::Write(bj::object{{"alg", "HS256"}, {"kid", KeyA().Kid()}})) + "." +
      encoding::Base64Url(json::Write(Claims()));
  for (const std::string& secret : {json::Write(KeyA().PublicJwk()), KeyA().ToPem()}) {
    std::string token = input + "." + encoding::Base64Url(crypto::HmacSha256(secret, input));
    EXPECT_EQ(ErrorOf(VerifyJwt(token, JwksOf({&KeyA()}), {}, kNow)),
              "Invalid login token. Unsupported token signing algorithm: HS256");
  }
}

TEST(Jwt, RejectsCriticalHeaderExtensions) {
  std::string token =
      MakeToken({{"alg", "RS256"}, {"kid", KeyA().Kid()}, {"crit", bj::array{"exp"}}}, Claims(),
                &KeyA(), EVP_sha256());
  EXPECT_EQ(ErrorOf(VerifyJwt(token, JwksOf({&KeyA()}), {}, kNow)),
            "Invalid login token. Not a valid OpenId Connect identity token.");
}

TEST(Jwt, KidSelectsTheKey) {
  std::string token = SignJwt(KeyA(), Claims());
  EXPECT_EQ(ErrorOf(VerifyJwt(token, JwksOf({&KeyB()}), {}, kNow)),
            "Invalid login token. Couldn't verify signed token. Unknown key id.");
  // No kid: fine with a one-key set, refused when the set has several keys.
  std::string no_kid = MakeToken({{"alg", "RS256"}}, Claims(), &KeyA(), EVP_sha256());
  EXPECT_TRUE(VerifyJwt(no_kid, JwksOf({&KeyA()}), {}, kNow).ok());
  EXPECT_EQ(ErrorOf(VerifyJwt(no_kid, JwksOf({&KeyA(), &KeyB()}), {}, kNow)),
            "Invalid login token. Couldn't verify signed token. Unknown key id.");
  EXPECT_EQ(ErrorOf(VerifyJwt(no_kid, JwksOf({&KeyB()}), {}, kNow)),
            "Invalid login token. Couldn't verify signed token.");
  EXPECT_FALSE(VerifyJwt(token, Jwks(), {}, kNow).ok());
}

TEST(Jwt, RejectsBadSignatures) {
  Jwks jwks = JwksOf({&KeyA(), &KeyB()});
  // Signed by B but claiming A's kid.
  std::string forged =
      MakeToken({{"alg", "RS256"}, {"kid", KeyA().Kid()}}, Claims(), &KeyB(), EVP_sha256());
  EXPECT_EQ(ErrorOf(VerifyJwt(forged, jwks, {}, kNow)),
            "Invalid login token. Couldn't verify signed token.");
  // Claims changed after signing.
  std::string token = SignJwt(KeyA(), Claims());
  bj::object changed = Claims();
  changed["sub"] = "us-east-1:someone-else";
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string swapped =
      token.substr(0, first + 1) + encoding::Base64Url(json::Write(changed)) + token.substr(second);
  EXPECT_EQ(ErrorOf(VerifyJwt(swapped, jwks, {}, kNow)),
            "Invalid login token. Couldn't verify signed token.");
  // Truncated and empty signatures.
  EXPECT_FALSE(VerifyJwt(token.substr(0, token.size() - 4), jwks, {}, kNow).ok());
  EXPECT_EQ(ErrorOf(VerifyJwt(token.substr(0, second + 1), jwks, {}, kNow)),
            "Invalid login token. Couldn't verify signed token.");
}

// ---- Jwt: claims ----

std::string WithClaims(const bj::object& claims) { return SignJwt(KeyA(), claims); }

TEST(Jwt, ExpiryHasFiveMinutesOfGrace) {
  Jwks jwks = JwksOf({&KeyA()});
  bj::object claims = Claims();
  claims["exp"] = kNow - 299;
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, {}, kNow).ok());
  claims["exp"] = kNow - 300;
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, {}, kNow)),
            "Invalid login token. Token is expired.");
  VerifyOptions strict;
  strict.skew_seconds = 0;
  claims["exp"] = kNow;
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, strict, kNow)),
            "Invalid login token. Token is expired.");
  claims["exp"] = double(kNow) + 0.5;  // fractional NumericDate
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, strict, kNow)),
            "Invalid login token. Token is expired.");
  claims["exp"] = "tomorrow";
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, {}, kNow)),
            "Invalid login token. Invalid claim: exp");
  claims.erase("exp");
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, {}, kNow)),
            "Invalid login token. Missing a required claim: exp");
  VerifyOptions lax;
  lax.require_exp = false;
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, lax, kNow).ok());
}

TEST(Jwt, RejectsNotBeforeAndIssuedAtInTheFuture) {
  Jwks jwks = JwksOf({&KeyA()});
  bj::object claims = Claims();
  claims["nbf"] = kNow + 300;
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, {}, kNow).ok());
  claims["nbf"] = kNow + 301;
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, {}, kNow)),
            "Invalid login token. Token is not yet valid.");
  claims.erase("nbf");
  claims["iat"] = kNow + 300;
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, {}, kNow).ok());
  claims["iat"] = kNow + 301;
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, {}, kNow)),
            "Invalid login token. Token was issued in the future.");
}

TEST(Jwt, ChecksIssuer) {
  Jwks jwks = JwksOf({&KeyA()});
  VerifyOptions options{"https://accounts.google.com"};
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(Claims()), jwks, options, kNow)),
            "Invalid login token. Issuer doesn't match providerName");
  bj::object claims = Claims();
  claims["iss"] = "https://accounts.google.com";
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, options, kNow).ok());
  claims["iss"] = 5;
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, options, kNow)),
            "Invalid login token. Issuer doesn't match providerName");
  claims.erase("iss");
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, options, kNow)),
            "Invalid login token. Missing a required claim: iss");
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, {}, kNow).ok());  // not checked
}

TEST(Jwt, ChecksAudienceAsStringArrayOrClientId) {
  Jwks jwks = JwksOf({&KeyA()});
  VerifyOptions options;
  options.audiences = {"client-1", "client-2"};
  bj::object claims = Claims();
  claims["aud"] = "client-2";
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, options, kNow).ok());
  claims["aud"] = bj::array{"other", "client-1"};
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, options, kNow).ok());
  claims["aud"] = bj::array{"other"};
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, options, kNow)),
            "Invalid login token. Incorrect token audience.");
  claims["aud"] = "us-east-1:pool";
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, options, kNow)),
            "Invalid login token. Incorrect token audience.");
  // Cognito user pool access tokens: no aud, client_id instead.
  claims.erase("aud");
  claims["client_id"] = "client-1";
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, options, kNow).ok());
  claims.erase("client_id");
  EXPECT_EQ(ErrorOf(VerifyJwt(WithClaims(claims), jwks, options, kNow)),
            "Invalid login token. Missing a required claim: aud");
  EXPECT_TRUE(VerifyJwt(WithClaims(claims), jwks, {}, kNow).ok());  // not checked
}

TEST(Jwt, TokenAudiencesReadsAllForms) {
  EXPECT_EQ(TokenAudiences({{"aud", "a"}}), std::vector<std::string>{"a"});
  EXPECT_EQ(TokenAudiences({{"aud", bj::array{"a", 1, "b"}}}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(TokenAudiences({{"client_id", "c"}}), std::vector<std::string>{"c"});
  EXPECT_EQ(TokenAudiences({{"aud", "a"}, {"client_id", "c"}}), std::vector<std::string>{"a"});
  EXPECT_TRUE(TokenAudiences({}).empty());
}

}  // namespace
}  // namespace cogsync::auth
