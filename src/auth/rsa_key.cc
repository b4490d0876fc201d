#include "auth/rsa_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/json.h"

namespace cogsync::auth {

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Refuses to prompt for a passphrase: an encrypted PEM simply fails to load. Without this
// callback OpenSSL would read one from the controlling terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

// Big-endian bytes of an RSA key parameter, base64url-encoded; BN_bn2bin already omits
// leading zeros, which is what RFC 7518 asks of n and e.
std::optional<std::string> BnParamB64(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  std::unique_ptr<BIGNUM, BnDeleter> bn(raw);
  std::string bytes(size_t(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return encoding::Base64Url(bytes);
}

}  // namespace

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

std::string RsaJwkThumbprint(std::string_view n_b64url, std::string_view e_b64url) {
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
  std::string canonical = "{\"e\":";
  json::AppendString(canonical, e_b64url);
  canonical += ",\"kty\":\"RSA\",\"n\":";
  json::AppendString(canonical, n_b64url);
  canonical += '}';
  return encoding::Base64Url(crypto::Sha256(canonical));
}

RsaPrivateKey::RsaPrivateKey(EvpPkeyPtr key, std::string n_b64, std::string e_b64)
    : key_(std::move(key)),
      n_b64_(std::move(n_b64)),
      e_b64_(std::move(e_b64)),
      kid_(RsaJwkThumbprint(n_b64_, e_b64_)) {}

Result<RsaPrivateKey> RsaPrivateKey::Adopt(EvpPkeyPtr key) {
  if (key == nullptr || EVP_PKEY_is_a(key.get(), "RSA") != 1) {
    return ApiError::InternalError("The signing key is not an RSA key.");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return ApiError::InternalError("The signing key is shorter than 2048 bits.");
  }
  auto n = BnParamB64(key.get(), OSSL_PKEY_PARAM_RSA_N);
  auto e = BnParamB64(key.get(), OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e) return ApiError::InternalError("Cannot read the RSA public key.");
  return RsaPrivateKey(std::move(key), std::move(*n), std::move(*e));
}

Result<RsaPrivateKey> RsaPrivateKey::Generate(int bits) {
  if (bits < kMinRsaBits || bits > 16384) {
    return ApiError::InternalError("RSA key size must be between 2048 and 16384 bits.");
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ApiError::InternalError("RSA key generation failed.");
  }
  return Adopt(EvpPkeyPtr(raw));
}

Result<RsaPrivateKey> RsaPrivateKey::FromPem(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (bio == nullptr) return ApiError::InternalError("Out of memory reading a PEM key.");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (raw == nullptr) return ApiError::InternalError("Not an unencrypted PEM private key.");
  return Adopt(EvpPkeyPtr(raw));
}

std::string RsaPrivateKey::ToPem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3.
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, size_t(len)) : std::string();
}

boost::json::object RsaPrivateKey::PublicJwk() const {
  return boost::json::object{{"kty", "RSA"}, {"alg", "RS256"}, {"use", "sig"},
                             {"kid", kid_},  {"n", n_b64_},    {"e", e_b64_}};
}

int RsaPrivateKey::Bits() const { return EVP_PKEY_get_bits(key_.get()); }

std::string RsaPrivateKey::SignRs256(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  // DigestSignInit takes a non-const key but only reads it; signing concurrently with one key
  // is safe in OpenSSL 3.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return {};
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return {};
  }
  sig.resize(len);
  return sig;
}

}  // namespace cogsync::auth
