#pragma once
// Byte encodings used on the wire: hex, base64 (standard and URL-safe), percent-encoding, UTF-8.

#include <optional>
#include <string>
#include <string_view>

namespace cogsync::encoding {

std::string Hex(std::string_view bytes);
std::string Base64(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
// RFC 4648 §5 without padding (JWTs, opaque tokens).
std::string Base64Url(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// SigV4 URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex);
// '/' is kept when keep_slash.
std::string UriEncode(std::string_view text, bool keep_slash);
// Decodes %XX escapes; with plus_as_space, '+' becomes ' ' (query strings). nullopt on a
// malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

// Text from elsewhere (an upstream's answer, a library's message) made safe for one log line:
// trailing whitespace dropped, \n \r \t written as those escapes, other control bytes and DEL as
// \xNN, and cut to `max_bytes` (then ending in "..."), so it can never start a forged line.
// Idempotent (backslashes are kept as they are), so text escaped once may pass again.
std::string OneLine(std::string_view text, size_t max_bytes = 2048);
// True if text is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view text);
// Number of Unicode code points in valid UTF-8 text.
size_t Utf8Length(std::string_view text);

}  // namespace cogsync::encoding
