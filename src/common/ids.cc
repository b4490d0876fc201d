#include "common/ids.h"

#include "common/crypto.h"
#include "common/encoding.h"

namespace cogsync::ids {

std::string Uuid() {
  std::string b = crypto::RandomBytes(16);
  b[6] = char((uint8_t(b[6]) & 0x0f) | 0x40);
  b[8] = char((uint8_t(b[8]) & 0x3f) | 0x80);
  std::string h = encoding::Hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string RequestId() {
  thread_local uint64_t seed = crypto::RandomU64();
  thread_local uint64_t counter = 0;
  const uint64_t hi = SplitMix64(seed ^ ++counter);
  const uint64_t lo = SplitMix64(hi ^ seed);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  uint64_t words[2] = {hi, lo};
  size_t pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const uint64_t word = words[i / 16];
    unsigned nibble = unsigned(word >> (60 - 4 * (i % 16))) & 0xf;
    if (i == 12) nibble = 4;                 // version 4
    if (i == 16) nibble = (nibble & 3) | 8;  // RFC 4122 variant
    out[pos++] = kHex[nibble];
  }
  return out;
}

std::string RegionalId(std::string_view region) { return std::string(region) + ":" + Uuid(); }

namespace {
std::string FromAlphabet(size_t n, std::string_view alphabet) {
  std::string b = crypto::RandomBytes(n);
  std::string out(n, ' ');
  for (size_t i = 0; i < n; ++i) {
    // 256 is not a multiple of every alphabet size; the bias is irrelevant for identifiers
    // whose strength comes from their length.
    out[i] = alphabet[uint8_t(b[i]) % alphabet.size()];
  }
  return out;
}
}  // namespace

std::string RandomAlnumUpper(size_t n) {
  return FromAlphabet(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}
std::string RandomSecret(size_t n) {
  return FromAlphabet(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

}  // namespace cogsync::ids
