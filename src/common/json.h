#pragma once
// JSON in and out. Parsing is Boost.JSON with a depth limit and strict UTF-8; output goes through
// our own writer because timestamps must be written as plain decimals (docs/decisions.md D6): every
// double cogsync emits is a timestamp in epoch seconds and is written with at most 3 decimals.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace cogsync::json {

namespace bj = boost::json;

// Deepest nesting accepted in a request body (our choice: the deepest Cognito input is 6 levels).
inline constexpr unsigned kMaxDepth = 32;

// Parses text; nullopt (with *error set) on malformed JSON, invalid UTF-8 or nesting past
// kMaxDepth.
std::optional<bj::value> Parse(std::string_view text, std::string* error = nullptr);

// Serializes compactly, doubles as plain decimals.
std::string Write(const bj::value& value);
void AppendTo(std::string& out, const bj::value& value);
// Appends a JSON string literal.
void AppendString(std::string& out, std::string_view s);

// A timestamp (milliseconds since the epoch) as the JSON value cogsync emits for it.
inline bj::value Timestamp(int64_t millis) {
  return bj::value(static_cast<double>(millis) / 1000.0);
}

// Typed reads from an object; absent or null members give nullopt / the fallback.
const bj::value* Find(const bj::object& o, std::string_view key);
std::optional<std::string> GetString(const bj::object& o, std::string_view key);
std::optional<int64_t> GetInt(const bj::object& o, std::string_view key);
std::optional<bool> GetBool(const bj::object& o, std::string_view key);
// Epoch milliseconds from a JSON number of epoch seconds (integer, decimal or exponent form).
std::optional<int64_t> GetTimestampMillis(const bj::object& o, std::string_view key);
const bj::object* GetObject(const bj::object& o, std::string_view key);
const bj::array* GetArray(const bj::object& o, std::string_view key);

}  // namespace cogsync::json
