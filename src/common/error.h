#pragma once
// The one error type of cogsync. Every failure a client can see is an ApiError: an AWS error code,
// the HTTP status Cognito Sync gives it (its model's httpStatusCode), and a message. Handlers
// return errors as values (Result<T>); only protocol/wire.cc (the JSON protocols of Cognito
// Identity and Sync) and protocol/query_wire.cc (STS's Query protocol) turn them into bytes,
// choosing the status per service (docs/decisions.md D1, D2, D10). Logging uses ToString().

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cogsync {

enum class HttpStatus : int {
  kOk = 200,
  kNoContent = 204,
  kBadRequest = 400,
  kForbidden = 403,
  kNotFound = 404,
  kMethodNotAllowed = 405,
  kRequestTimeout = 408,
  kConflict = 409,
  kPayloadTooLarge = 413,
  kHeaderFieldsTooLarge = 431,
  kTooManyRequests = 429,
  kInternalServerError = 500,
  kServiceUnavailable = 503,
};

enum class Service { kIdentity, kSync };

class ApiError {
 public:
  // `transport` errors (signature, throttling at the front door, unknown operation) keep their
  // status in both services; service errors follow D1 in Cognito Identity (400, or 500 for
  // InternalErrorException).
  ApiError(std::string code, HttpStatus status, std::string message, bool transport = false)
      : code_(std::move(code)),
        status_(status),
        message_(std::move(message)),
        transport_(transport) {}

  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  // What went wrong upstream (a SyncTrigger's or SNS's answer, a URL, a file path): for the
  // server log only, never for a client. protocol::Dispatcher logs it on one line with the
  // request id and gives the client `message` plus the request id (ForClient).
  const std::string& detail() const { return detail_; }
  ApiError&& WithDetail(std::string detail) && {
    detail_ = std::move(detail);
    return std::move(*this);
  }
  // This error as a client sees it: no detail, and when there was one, the request id appended
  // to the message so an operator can find the log line.
  ApiError ForClient(std::string_view request_id) const;
  HttpStatus sync_status() const { return status_; }
  HttpStatus StatusFor(Service service) const;
  std::string ToString() const { return code_ + ": " + message_; }

  // Cognito Sync and Cognito Identity service errors (names are the model's shape names).
  static ApiError InvalidParameter(std::string message);
  static ApiError Validation(std::string message);  // Identity input constraint failures
  static ApiError Serialization(std::string message);
  static ApiError NotAuthorized(std::string message);
  static ApiError ResourceNotFound(std::string message);
  static ApiError ResourceConflict(std::string message);
  static ApiError TooManyRequests(std::string message);
  static ApiError LimitExceeded(std::string message);
  static ApiError InternalError(std::string message);
  static ApiError InvalidConfiguration(std::string message);
  static ApiError InvalidLambdaFunctionOutput(std::string message);
  static ApiError LambdaThrottled(std::string message);
  static ApiError ConcurrentModification(std::string message);
  static ApiError DuplicateRequest(std::string message);
  static ApiError AlreadyStreamed(std::string message);
  static ApiError ExternalService(std::string message);
  static ApiError InvalidIdentityPoolConfiguration(std::string message);
  static ApiError DeveloperUserAlreadyRegistered(std::string message);

  // Errors of the front door, the same in both services (D10).
  static ApiError MissingAuthenticationToken(std::string message);
  static ApiError IncompleteSignature(std::string message);
  static ApiError UnrecognizedClient(std::string message);
  static ApiError InvalidSignature(std::string message);
  static ApiError ExpiredToken(std::string message);
  static ApiError AccessDenied(std::string message);
  static ApiError UnknownOperation(std::string message);
  static ApiError MethodNotAllowed(std::string message);
  static ApiError RequestEntityTooLarge(std::string message);  // 413
  // 431, with RequestEntityTooLargeException as its code.
  static ApiError RequestHeaderFieldsTooLarge(std::string message);
  static ApiError RequestTimeout(std::string message);
  static ApiError ServiceUnavailable(std::string message);
  // A request the HTTP layer cannot take as it was sent (plain HTTP on the HTTPS port).
  static ApiError BadRequest(std::string message);

 private:
  std::string code_;
  HttpStatus status_;
  std::string message_;
  bool transport_;
  std::string detail_;
};

// A value or an ApiError. Deliberately small: construct from either, test with ok(), read with
// value() / error(). REQUIRES for value(): ok(); for error(): !ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const ApiError& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, ApiError> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace cogsync

// Propagates an error out of the current function returning Result<...>.
#define COGSYNC_RETURN_IF_ERROR(expr) \
  do {                                \
    auto cogsync_status_ = (expr);    \
    if (!cogsync_status_.ok()) {      \
      return cogsync_status_.error(); \
    }                                 \
  } while (false)

#define COGSYNC_CONCAT_INNER(a, b) a##b
#define COGSYNC_CONCAT(a, b) COGSYNC_CONCAT_INNER(a, b)
// `tmp` is a variable name and `lhs` a declaration ("auto x"): neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define COGSYNC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) {                                    \
    return tmp.error();                               \
  }                                                   \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
// Declares or assigns `lhs` from a Result, or returns its error.
#define COGSYNC_ASSIGN_OR_RETURN(lhs, expr) \
  COGSYNC_ASSIGN_OR_RETURN_IMPL(COGSYNC_CONCAT(cogsync_result_, __LINE__), lhs, expr)
