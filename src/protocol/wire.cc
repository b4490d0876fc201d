#include "protocol/wire.h"

#include <string_view>
#include <utility>

#include "common/json.h"

namespace cogsync::protocol {
namespace {
const char* ContentType(Service service) {
  return service == Service::kIdentity ? "application/x-amz-json-1.1" : "application/json";
}
}  // namespace

http::Response EncodeOutput(Service service, const boost::json::value& output) {
  return EncodeBody(service, output.is_null() ? std::string() : json::Write(output));
}

http::Response EncodeBody(Service service, std::string body) {
  http::Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", ContentType(service));
  r.body = std::move(body);
  return r;
}

http::Response EncodeError(Service service, const ApiError& error) {
  http::Response r;
  r.status = static_cast<int>(error.StatusFor(service));
  r.headers.emplace_back("Content-Type", ContentType(service));
  r.headers.emplace_back("x-amzn-ErrorType", error.code());
  r.body.reserve(error.message().size() + error.code().size() + 32);
  r.body = "{\"__type\":";
  json::AppendString(r.body, error.code());
  r.body += ",\"message\":";
  json::AppendString(r.body, error.message());
  r.body += '}';
  r.error_code = error.code();
  return r;
}

Service ServiceOf(const http::Request& request) {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  const std::string* target = request.Header("x-amz-target");
  return path == "/" && target != nullptr && target->find(kSyncTargetPrefix) == std::string::npos
             ? Service::kIdentity
             : Service::kSync;
}

ApiError RejectionError(http::Rejection reason) {
  switch (reason) {
    case http::Rejection::kHeaderTooLarge:
      return ApiError::RequestHeaderFieldsTooLarge("The request header fields are too large.");
    case http::Rejection::kBodyTooLarge:
      return ApiError::RequestEntityTooLarge("The request body is larger than the server accepts.");
    case http::Rejection::kBadFraming:
      return ApiError::Serialization("Malformed HTTP request.");
    case http::Rejection::kTimeout:
      return ApiError::RequestTimeout("The request was not received within the time limit.");
    case http::Rejection::kOverloaded:
      return ApiError::ServiceUnavailable("The server is overloaded; retry later.");
    case http::Rejection::kPlainHttpOnTlsPort:
      return ApiError::BadRequest("This port speaks HTTPS; the plain HTTP request was refused.");
  }
  return ApiError::InternalError("Internal server error.");
}

}  // namespace cogsync::protocol
