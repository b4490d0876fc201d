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

std::string RandomAlnumUpper(size_t n) { return FromAlphabet(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"); }
std::string RandomSecret(size_t n) {
  return FromAlphabet(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

}  // namespace cogsync::ids
