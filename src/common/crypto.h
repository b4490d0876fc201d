#pragma once
// Thin, safe wrappers over OpenSSL: digests, HMAC, randomness and constant-time comparison.

#include <cstdint>
#include <string>
#include <string_view>

namespace cogsync::crypto {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex of the digest.
std::string Sha256Hex(std::string_view data);
// SHA-256 over data given in pieces (an archive's checksum over a stream of lines).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // Lower-case hex of the digest of everything given so far; the stream can continue.
  std::string HexDigest() const;

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Cryptographically secure random bytes (aborts if the system RNG fails).
std::string RandomBytes(size_t n);
uint64_t RandomU64();
// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cogsync::crypto
