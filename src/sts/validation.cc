#include "sts/validation.h"

#include <charconv>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"
#include "sts/errors.h"

namespace cogsync::sts {
namespace {

constexpr size_t kMaxEchoBytes = 256;

std::string LowerCamel(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

std::string Echo(std::string_view value) {
  if (value.size() <= kMaxEchoBytes) return std::string(value);
  size_t cut = kMaxEchoBytes;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return std::string(value.substr(0, cut)) + "...";
}

bool IsSessionNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

// Code points of valid UTF-8: C0 controls other than tab, LF and CR, DEL and the C1 controls
// other than U+0085 are outside the model's text pattern.
bool IsText(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9F && next != 0x85) return false;
    }
  }
  return true;
}

bool PatternHolds(ParamRule::Pattern pattern, std::string_view value) {
  switch (pattern) {
    case ParamRule::Pattern::kNone:
      return true;
    case ParamRule::Pattern::kText:
      return IsText(value);
    case ParamRule::Pattern::kSessionName:
      for (char c : value) {
        if (!IsSessionNameChar(c)) return false;
      }
      return true;
  }
  return true;
}

std::string_view PatternText(ParamRule::Pattern pattern) {
  switch (pattern) {
    case ParamRule::Pattern::kText:
      return "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-"
             "\\u10FFFF]+";
    case ParamRule::Pattern::kSessionName:
      return "[\\w+=,.@-]*";
    case ParamRule::Pattern::kNone:
      break;
  }
  return "";
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

Status ValidateParams(std::span<const ParamRule> rules, const boost::json::object& params) {
  std::vector<std::string> violations;
  for (const auto& rule : rules) {
    const std::string at = "' at '" + LowerCamel(rule.name) + "' failed to satisfy constraint: ";
    auto value = json::GetString(params, rule.name);
    if (!value) {
      if (rule.required) {
        violations.push_back("Value null at '" + LowerCamel(rule.name) +
                             "' failed to satisfy constraint: Member must not be null");
      }
      continue;
    }
    const std::string prefix =
        rule.sensitive ? "Value at '" + LowerCamel(rule.name) + "' failed to satisfy constraint: "
                       : "Value '" + Echo(*value) + at;
    if (rule.kind == ParamRule::Kind::kInteger) {
      auto n = ParseInteger(*value);
      if (!n) {
        violations.push_back(prefix + "Member must be a number");
      } else if (*n < rule.min) {
        violations.push_back(prefix + "Member must have value greater than or equal to " +
                             std::to_string(rule.min));
      } else if (*n > rule.max) {
        violations.push_back(prefix + "Member must have value less than or equal to " +
                             std::to_string(rule.max));
      }
      continue;
    }
    const auto length = static_cast<int64_t>(encoding::Utf8Length(*value));
    if (!PatternHolds(rule.pattern, *value)) {
      violations.push_back(prefix + "Member must satisfy regular expression pattern: " +
                           std::string(PatternText(rule.pattern)));
    }
    if (length < rule.min) {
      violations.push_back(prefix + "Member must have length greater than or equal to " +
                           std::to_string(rule.min));
    }
    if (length > rule.max) {
      violations.push_back(prefix + "Member must have length less than or equal to " +
                           std::to_string(rule.max));
    }
  }
  if (violations.empty()) return OkStatus();
  std::string message =
      std::to_string(violations.size()) +
      (violations.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) message += "; ";
    message += violations[i];
  }
  return ValidationError(std::move(message));
}

std::optional<int64_t> IntegerParam(const boost::json::object& params, std::string_view name) {
  auto value = json::GetString(params, name);
  if (!value) return std::nullopt;
  return ParseInteger(*value);
}

}  // namespace cogsync::sts
