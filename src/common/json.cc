#include "common/json.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace cogsync::json {

std::optional<bj::value> Parse(std::string_view text, std::string* error) {
  bj::parse_options opts;
  opts.max_depth = kMaxDepth;
  opts.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec, {}, opts);
  if (ec) {
    if (error != nullptr) *error = ec.message();
    return std::nullopt;
  }
  return v;
}

namespace {
// The bytes a JSON string cannot hold as they are: control characters, '"', '\\' and DEL.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[size_t(c)] = true;
  table['"'] = table['\\'] = table[0x7f] = true;
  return table;
}();

// Whether any of the 8 bytes of `w` needs an escape: below 0x20, '"', '\\' or 0x7f. Bytes of
// 0x80 and above (UTF-8) never match. A match may be spurious only in a word that also holds a
// real one, and the caller then looks at each byte.
inline bool WordNeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
  return (below_space | has_zero_byte(w ^ ('"' * kOnes)) | has_zero_byte(w ^ ('\\' * kOnes)) |
          has_zero_byte(w ^ (0x7f * kOnes))) != 0;
}
}  // namespace

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  // Runs of characters that need no escape are appended at once (most strings are one run).
  size_t run = 0;
  size_t i = 0;
  while (true) {
    // Eight bytes at a time while none of them needs an escape.
    uint64_t word;
    while (i + 8 <= s.size() && (std::memcpy(&word, s.data() + i, 8), !WordNeedsEscape(word))) {
      i += 8;
    }
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i++]);
    if (!kNeedsEscape[c]) continue;
    out.append(s.data() + run, i - 1 - run);
    run = i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

namespace {
void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  // Timestamps are whole milliseconds: print them from integers, without printf.
  // (Within a hundredth of a millisecond: ms / 1000.0 * 1000 is off by an ulp; %.3f rounds the
  // same way.)
  const double millis = d * 1000.0;
  const double whole = std::nearbyint(millis);
  if (std::fabs(millis) < 9e15 && std::fabs(millis - whole) < 0.01) {
    int64_t m = static_cast<int64_t>(whole);
    if (m < 0) {
      out += '-';
      m = -m;
    }
    out += std::to_string(m / 1000);
    int frac = static_cast<int>(m % 1000);
    if (frac != 0) {
      char digits[4] = {char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10),
                        0};
      size_t len = 3;
      while (len > 0 && digits[len - 1] == '0') --len;
      out += '.';
      out.append(digits, len);
    }
    return;
  }
  // %.3f of the largest double has 309 integer digits; the buffer holds any finite value, and
  // the length is clamped anyway (a fuzzer found the unclamped version).
  char buf[400];
  int n = std::snprintf(buf, sizeof buf, "%.3f", d);
  std::string_view sv(buf, n > 0 ? std::min(size_t(n), sizeof buf - 1) : 0);
  // Trim trailing zeros of the fraction, and the point itself if nothing remains.
  while (!sv.empty() && sv.back() == '0') sv.remove_suffix(1);
  if (!sv.empty() && sv.back() == '.') sv.remove_suffix(1);
  out.append(sv);
}
}  // namespace

void AppendTo(std::string& out, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      out += "null";
      break;
    case bj::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case bj::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case bj::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case bj::kind::double_:
      AppendDouble(out, v.get_double());
      break;
    case bj::kind::string:
      AppendString(out, v.get_string());
      break;
    case bj::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendTo(out, e);
      }
      out += ']';
      break;
    }
    case bj::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendString(out, kv.key());
        out += ':';
        AppendTo(out, kv.value());
      }
      out += '}';
      break;
    }
  }
}

std::string Write(const bj::value& value) {
  std::string out;
  AppendTo(out, value);
  return out;
}

const bj::value* Find(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::optional<std::string> GetString(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> GetInt(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) return int64_t(v->get_uint64());
  return std::nullopt;
}

std::optional<bool> GetBool(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::optional<int64_t> GetTimestampMillis(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  if (v == nullptr) return std::nullopt;
  double seconds;
  if (v->is_int64()) {
    seconds = double(v->get_int64());
  } else if (v->is_uint64()) {
    seconds = double(v->get_uint64());
  } else if (v->is_double()) {
    seconds = v->get_double();
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e13) return std::nullopt;
  return int64_t(std::llround(seconds * 1000.0));
}

const bj::object* GetObject(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const bj::array* GetArray(const bj::object& o, std::string_view key) {
  const bj::value* v = Find(o, key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

}  // namespace cogsync::json
