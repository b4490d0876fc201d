#pragma once
// STS's errors (the botocore sts model's codes and statuses), as ApiErrors that keep their
// status whatever the service: protocol/query_wire.h writes them as STS's XML.

#include <string>

#include "common/error.h"

namespace cogsync::sts {

// 400 ValidationError: parameter constraints, in AWS's "N validation error(s) detected: ..." form.
inline ApiError ValidationError(std::string message) {
  return ApiError("ValidationError", HttpStatus::kBadRequest, std::move(message), true);
}
// 400 InvalidIdentityToken: a web identity token that could not be validated.
inline ApiError InvalidIdentityToken(std::string message) {
  return ApiError("InvalidIdentityToken", HttpStatus::kBadRequest, std::move(message), true);
}
// 400 ExpiredTokenException: a web identity token past its expiry. (A 403 ExpiredTokenException
// is an expired session token on a signed request; query_wire.h names that one ExpiredToken.)
inline ApiError ExpiredWebIdentityToken(std::string message) {
  return ApiError("ExpiredTokenException", HttpStatus::kBadRequest, std::move(message), true);
}
// 403 AccessDenied: the role may not be assumed with this token (D27's stand-in for the role's
// trust policy).
inline ApiError AccessDenied(std::string message) {
  return ApiError("AccessDenied", HttpStatus::kForbidden, std::move(message), true);
}
// 400 InvalidAction / MissingAction: the Query protocol's Action is unknown or absent.
inline ApiError InvalidAction(std::string message) {
  return ApiError("InvalidAction", HttpStatus::kBadRequest, std::move(message), true);
}
inline ApiError MissingAction(std::string message) {
  return ApiError("MissingAction", HttpStatus::kBadRequest, std::move(message), true);
}

}  // namespace cogsync::sts
