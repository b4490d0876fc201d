#include "protocol/query_decoder.h"

#include <string>

#include "common/ascii.h"
#include "common/encoding.h"

namespace cogsync::protocol {
namespace {

ApiError Malformed(std::string message) {
  return ApiError("MalformedQueryString", HttpStatus::kBadRequest, std::move(message),
                  /*transport=*/true);
}

Result<std::string> DecodePart(std::string_view raw) {
  auto decoded = encoding::PercentDecode(raw, /*plus_as_space=*/true);
  if (!decoded) return Malformed("The query string contains a malformed percent-encoding.");
  if (!encoding::IsValidUtf8(*decoded)) {
    return Malformed("The query string is not valid UTF-8 after decoding.");
  }
  return std::move(*decoded);
}

}  // namespace

Result<boost::json::object> DecodeQueryParameters(std::string_view form) {
  boost::json::object out;
  size_t start = 0;
  while (start <= form.size()) {
    size_t end = form.find('&', start);
    if (end == std::string_view::npos) end = form.size();
    std::string_view pair = form.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    COGSYNC_ASSIGN_OR_RETURN(std::string name, DecodePart(raw_name));
    if (name.empty()) return Malformed("The query string has a parameter without a name.");
    COGSYNC_ASSIGN_OR_RETURN(std::string value, DecodePart(raw_value));
    if (out.contains(name)) {
      return Malformed("The query string names the parameter '" + name.substr(0, 64) +
                       "' more than once.");
    }
    if (out.size() >= kMaxQueryParameters) {
      return Malformed("The query string has more than " + std::to_string(kMaxQueryParameters) +
                       " parameters.");
    }
    out.emplace(name, value);
  }
  return out;
}

bool IsFormContentType(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return ascii::EqualsIgnoreCase(type, kForm);
}

}  // namespace cogsync::protocol
