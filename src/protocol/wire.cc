#include "protocol/wire.h"

#include "common/json.h"

namespace cogsync::protocol {
namespace {
const char* ContentType(Service service) {
  return service == Service::kIdentity ? "application/x-amz-json-1.1" : "application/json";
}
}  // namespace

http::Response EncodeOutput(Service service, const boost::json::value& output) {
  http::Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", ContentType(service));
  if (!output.is_null()) r.body = json::Write(output);
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

}  // namespace cogsync::protocol
