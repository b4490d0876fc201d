#include "common/encoding.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace cogsync::encoding {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode64(std::string_view in, const char* alphabet, bool pad) {
  // Written through a pointer into a buffer of the padded size, cut at the end.
  std::string out((in.size() + 2) / 3 * 4, '\0');
  char* next = out.data();
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    *next++ = alphabet[(n >> 18) & 63];
    *next++ = alphabet[(n >> 12) & 63];
    *next++ = alphabet[(n >> 6) & 63];
    *next++ = alphabet[n & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t n = uint8_t(in[i]) << 16;
    if (rest == 2) n |= uint8_t(in[i + 1]) << 8;
    *next++ = alphabet[(n >> 18) & 63];
    *next++ = alphabet[(n >> 12) & 63];
    if (rest == 2) {
      *next++ = alphabet[(n >> 6) & 63];
    } else if (pad) {
      *next++ = '=';
    }
    if (pad) *next++ = '=';
  }
  out.resize(size_t(next - out.data()));
  return out;
}

std::optional<std::string> Decode64(std::string_view in, const char* alphabet, bool padded) {
  std::array<int, 256> rev;
  rev.fill(-1);
  for (int i = 0; i < 64; ++i) rev[uint8_t(alphabet[i])] = i;
  if (padded) {
    if (in.size() % 4 != 0) return std::nullopt;
    size_t pads = 0;
    while (pads < 2 && in.size() > pads && in[in.size() - 1 - pads] == '=') ++pads;
    in.remove_suffix(pads);
  }
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = rev[uint8_t(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero so that each text has exactly one decoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hex(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  char* next = out.data();
  for (unsigned char c : bytes) {
    *next++ = kHexDigits[c >> 4];
    *next++ = kHexDigits[c & 15];
  }
  return out;
}

std::string Base64(std::string_view bytes) { return Encode64(bytes, kB64, true); }
std::optional<std::string> Base64Decode(std::string_view text) {
  return Decode64(text, kB64, true);
}
std::string Base64Url(std::string_view bytes) { return Encode64(bytes, kB64Url, false); }
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return Decode64(text, kB64Url, false);
}

// Both below write through a pointer into a buffer sized for the worst case and cut it to size
// at the end: appending a character at a time costs a capacity check per character.
std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out(text.size() * 3, '\0');
  char* next = out.data();
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      *next++ = char(c);
    } else {
      *next++ = '%';
      *next++ = kHexUpper[c >> 4];
      *next++ = kHexUpper[c & 15];
    }
  }
  out.resize(size_t(next - out.data()));
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out(text.size(), '\0');
  char* next = out.data();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      *next++ = char(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      *next++ = ' ';
    } else {
      *next++ = c;
    }
  }
  out.resize(size_t(next - out.data()));
  return out;
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    uint8_t c = uint8_t(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + size_t(n) >= text.size()) return false;
    for (int k = 1; k <= n; ++k) {
      uint8_t cc = uint8_t(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xc0) != 0x80) ++n;
  }
  return n;
}

std::string OneLine(std::string_view text, size_t max_bytes) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  for (char ch : text) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
      continue;
    }
    out += '\\';
    if (c == '\n') {
      out += 'n';
    } else if (c == '\r') {
      out += 'r';
    } else if (c == '\t') {
      out += 't';
    } else {
      out += 'x';
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 0xf];
    }
  }
  return out;
}

}  // namespace cogsync::encoding
