#pragma once
// STS parameter constraints (the botocore sts model's, for the members cogsync reads) checked
// with AWS's message format (D3), code ValidationError:
//   "2 validation errors detected: Value 'a' at 'roleSessionName' failed to satisfy constraint:
//    Member must have length greater than or equal to 2; Value null at 'roleArn' failed to
//    satisfy constraint: Member must not be null"
// Members are reported in the model's order, named in lowerCamelCase; sensitive values are
// never echoed ("Value at 'webIdentityToken' ..."); echoed values are cut at 256 bytes.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/error.h"

namespace cogsync::sts {

struct ParamRule {
  enum class Kind { kString, kInteger };
  enum class Pattern {
    kNone,
    kText,  // [\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+
    kSessionName,  // [\w+=,.@-]*
  };
  std::string_view name;  // as on the wire, e.g. "RoleSessionName"
  bool required;
  Kind kind;
  int64_t min;  // length in code points for strings, value for integers
  int64_t max;
  Pattern pattern = Pattern::kNone;
  bool sensitive = false;
};

// OK, or ValidationError listing every violation.
Status ValidateParams(std::span<const ParamRule> rules, const boost::json::object& params);

// The integer value of a parameter that ValidateParams accepted as kInteger; nullopt if absent.
std::optional<int64_t> IntegerParam(const boost::json::object& params, std::string_view name);

}  // namespace cogsync::sts
