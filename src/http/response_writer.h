#pragma once
// Turning a Response into HTTP/1.1 bytes, the server's own responses (/healthz, CORS preflight)
// and the CORS policy. Errors are the handler's to encode (Handler::Reject). Internal to src/http;
// no Beast types, so it is cheap to test.

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace cogsync::http::internal {

class CorsPolicy {
 public:
  // `allowed` holds exact origins; "*" anywhere in it allows every origin.
  explicit CorsPolicy(const std::vector<std::string>& allowed);
  // The Access-Control-Allow-Origin value for a request from `origin`: "*" when every origin is
  // allowed, the origin itself when listed, else empty (no CORS headers are sent).
  std::string_view AllowOrigin(std::string_view origin) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

struct HeadContext {
  std::string_view request_id;
  std::string_view allow_origin;  // empty: the request had no (allowed) Origin
  bool keep_alive = true;
  bool http10 = false;  // HTTP/1.0 peers need an explicit Connection: keep-alive
};

// Appends the status line and header block, through the blank line, to `out`. The server owns
// framing: Content-Length, Connection, Date, Transfer-Encoding and x-amzn-RequestId from the
// handler are ignored and written by this function.
void AppendResponseHead(std::string& out, const Response& response, const HeadContext& context);

// GET /healthz: 200 {"status":"ok"} once ready, 503 {"status":"starting"} before.
Response HealthResponse(bool ready);
// The answer to an OPTIONS request (any path): allowed methods, the requested headers echoed,
// a one-day max age. Access-Control-Allow-Origin is added by AppendResponseHead.
Response PreflightResponse(const Request& request);

}  // namespace cogsync::http::internal
