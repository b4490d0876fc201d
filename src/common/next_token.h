#pragma once
// NextTokens (docs/decisions.md D20): opaque and tamper-evident. A token is sealed for one scope
// (the operation and the resource it pages over), so a token of one list cannot be replayed on
// another.

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/sealed_token.h"

namespace cogsync {

inline std::string MakeNextToken(const TokenSealer& sealer, std::string_view scope,
                                 std::string_view cursor) {
  std::string payload(scope);
  payload.push_back('\n');
  payload.append(cursor);
  return sealer.Seal("next-token-v1", payload);
}

// The cursor sealed in `token` for this scope, or InvalidParameterException.
inline Result<std::string> ReadNextToken(const TokenSealer& sealer, std::string_view scope,
                                         std::string_view token) {
  auto payload = sealer.Open("next-token-v1", token);
  if (!payload || payload->size() < scope.size() + 1 ||
      std::string_view(*payload).substr(0, scope.size()) != scope ||
      (*payload)[scope.size()] != '\n') {
    return ApiError::InvalidParameter("Invalid NextToken: " + std::string(token.substr(0, 64)));
  }
  return payload->substr(scope.size() + 1);
}

}  // namespace cogsync
