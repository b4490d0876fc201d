#include "common/error.h"

namespace cogsync {

HttpStatus ApiError::StatusFor(Service service) const {
  if (service == Service::kSync || transport_) {
    return status_;
  }
  // D1: Cognito Identity answers every client error with 400 and internal errors with 500.
  return status_ == HttpStatus::kInternalServerError ? HttpStatus::kInternalServerError
                                                     : HttpStatus::kBadRequest;
}

ApiError ApiError::ForClient(std::string_view request_id) const {
  if (detail_.empty()) return *this;
  std::string message = message_;
  if (!message.empty() && message.back() == '.') message.pop_back();
  message.append(" (request ").append(request_id).append(").");
  return ApiError(code_, status_, std::move(message), transport_);
}

namespace {
ApiError Make(const char* code, HttpStatus status, std::string message, bool transport = false) {
  return ApiError(code, status, std::move(message), transport);
}
}  // namespace

// Statuses are the httpStatusCode of each error shape in the cognito-sync model.
ApiError ApiError::InvalidParameter(std::string m) {
  return Make("InvalidParameterException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::Validation(std::string m) {
  return Make("ValidationException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::Serialization(std::string m) {
  return Make("SerializationException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::NotAuthorized(std::string m) {
  return Make("NotAuthorizedException", HttpStatus::kForbidden, std::move(m));
}
ApiError ApiError::ResourceNotFound(std::string m) {
  return Make("ResourceNotFoundException", HttpStatus::kNotFound, std::move(m));
}
ApiError ApiError::ResourceConflict(std::string m) {
  return Make("ResourceConflictException", HttpStatus::kConflict, std::move(m));
}
ApiError ApiError::TooManyRequests(std::string m) {
  return Make("TooManyRequestsException", HttpStatus::kTooManyRequests, std::move(m));
}
ApiError ApiError::LimitExceeded(std::string m) {
  return Make("LimitExceededException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::InternalError(std::string m) {
  return Make("InternalErrorException", HttpStatus::kInternalServerError, std::move(m));
}
ApiError ApiError::InvalidConfiguration(std::string m) {
  return Make("InvalidConfigurationException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::InvalidLambdaFunctionOutput(std::string m) {
  return Make("InvalidLambdaFunctionOutputException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::LambdaThrottled(std::string m) {
  return Make("LambdaThrottledException", HttpStatus::kTooManyRequests, std::move(m));
}
ApiError ApiError::ConcurrentModification(std::string m) {
  return Make("ConcurrentModificationException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::DuplicateRequest(std::string m) {
  return Make("DuplicateRequestException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::AlreadyStreamed(std::string m) {
  return Make("AlreadyStreamedException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::ExternalService(std::string m) {
  return Make("ExternalServiceException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::InvalidIdentityPoolConfiguration(std::string m) {
  return Make("InvalidIdentityPoolConfigurationException", HttpStatus::kBadRequest, std::move(m));
}
ApiError ApiError::DeveloperUserAlreadyRegistered(std::string m) {
  return Make("DeveloperUserAlreadyRegisteredException", HttpStatus::kBadRequest, std::move(m));
}

ApiError ApiError::MissingAuthenticationToken(std::string m) {
  return Make("MissingAuthenticationTokenException", HttpStatus::kForbidden, std::move(m), true);
}
ApiError ApiError::IncompleteSignature(std::string m) {
  return Make("IncompleteSignatureException", HttpStatus::kBadRequest, std::move(m), true);
}
ApiError ApiError::UnrecognizedClient(std::string m) {
  return Make("UnrecognizedClientException", HttpStatus::kForbidden, std::move(m), true);
}
ApiError ApiError::InvalidSignature(std::string m) {
  return Make("InvalidSignatureException", HttpStatus::kForbidden, std::move(m), true);
}
ApiError ApiError::ExpiredToken(std::string m) {
  return Make("ExpiredTokenException", HttpStatus::kForbidden, std::move(m), true);
}
ApiError ApiError::AccessDenied(std::string m) {
  return Make("AccessDeniedException", HttpStatus::kForbidden, std::move(m), true);
}
ApiError ApiError::UnknownOperation(std::string m) {
  return Make("UnknownOperationException", HttpStatus::kNotFound, std::move(m));
}
ApiError ApiError::MethodNotAllowed(std::string m) {
  return Make("UnknownOperationException", HttpStatus::kMethodNotAllowed, std::move(m), true);
}
ApiError ApiError::RequestEntityTooLarge(std::string m) {
  return Make("RequestEntityTooLargeException", HttpStatus::kPayloadTooLarge, std::move(m), true);
}
ApiError ApiError::RequestHeaderFieldsTooLarge(std::string m) {
  return Make("RequestEntityTooLargeException", HttpStatus::kHeaderFieldsTooLarge, std::move(m),
              true);
}
ApiError ApiError::RequestTimeout(std::string m) {
  return Make("RequestTimeoutException", HttpStatus::kRequestTimeout, std::move(m), true);
}
ApiError ApiError::BadRequest(std::string m) {
  return Make("BadRequestException", HttpStatus::kBadRequest, std::move(m), true);
}
ApiError ApiError::ServiceUnavailable(std::string m) {
  return Make("ServiceUnavailableException", HttpStatus::kServiceUnavailable, std::move(m), true);
}

}  // namespace cogsync
