#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

#include "common/encoding.h"

namespace cogsync::crypto {

namespace {

// OpenSSL 3 looks an algorithm up by name on every EVP_sha256()/HMAC() one-shot call, which costs
// more than hashing a request. The algorithms are fetched once and each thread keeps its own
// context, so a hash or MAC is only init/update/final (SigV4 runs six HMACs per request).
EVP_MD* FetchedSha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

struct MacContext {
  EVP_MAC_CTX* ctx = nullptr;
  MacContext() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return;
    ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      ctx = nullptr;
    }
  }
  ~MacContext() { EVP_MAC_CTX_free(ctx); }
};

}  // namespace

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr ||
      EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), FetchedSha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256Stream::HexDigest() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, static_cast<EVP_MD_CTX*>(ctx_)) != 1 ||
      EVP_DigestFinal_ex(copy, out, &len) != 1) {
    std::abort();
  }
  EVP_MD_CTX_free(copy);
  return encoding::Hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string Sha256(std::string_view data) {
  thread_local DigestContext context;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD* md = FetchedSha256();
  if (md == nullptr || context.ctx == nullptr ||
      EVP_DigestInit_ex2(context.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, out, &len) != 1) {
    std::abort();  // SHA-256 missing from the crypto library: nothing can be verified
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local MacContext context;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  // A zero-length key is legal for HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* key_bytes =
      key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (context.ctx == nullptr || EVP_MAC_init(context.ctx, key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(context.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(context.ctx, out, &len, sizeof(out)) != 1) {
    std::abort();  // HMAC-SHA256 missing from the crypto library: nothing can be verified
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256Hex(std::string_view data) { return encoding::Hex(Sha256(data)); }

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // No randomness means no safe identifiers or keys: stop rather than guess.
  }
  return out;
}

uint64_t RandomU64() {
  std::string b = RandomBytes(sizeof(uint64_t));
  uint64_t v = 0;
  std::memcpy(&v, b.data(), sizeof v);
  return v;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cogsync::crypto
