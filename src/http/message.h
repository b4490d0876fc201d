#pragma once
// The HTTP exchange as the layers above the socket see it: no Beast types cross this line, so
// the request pipeline can be driven in-process by tests and fuzzers.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cogsync::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request-target as received: path and query, not decoded
  // Header names lower-cased, values as received (repeated headers appear repeatedly).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP, for per-source throttling and logs
  std::string request_id;      // assigned by the server; echoed as x-amzn-RequestId
  // The handler's own note from IsWrite() to Handle() of this request (the dispatcher keeps the
  // operation it routed to, so a request is routed once); null for every new request.
  mutable const void* handler_note = nullptr;

  // First value of a header (name in lower case), or nullptr.
  const std::string* Header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return &v;
    }
    return nullptr;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For the access log and metrics only: the operation name, or empty when none was routed.
  std::string operation;
  // For the access log only: the AWS error code, or empty on success.
  std::string error_code;
};

// Why the server refused a request before (or instead of) handing it to the handler. The HTTP
// layer knows no protocol's error names: the handler turns a reason into its own error.
enum class Rejection {
  kHeaderTooLarge,      // request line plus header fields over the header limit (431)
  kBodyTooLarge,        // declared or received body over the body limit (413)
  kBadFraming,          // malformed HTTP, or a Transfer-Encoding other than chunked (400)
  kTimeout,             // the request did not arrive in time, or stopped making progress (408)
  kOverloaded,          // too many requests in flight or request bytes buffered (503)
  kPlainHttpOnTlsPort,  // a plain HTTP request on a port that speaks HTTPS (400)
};

// What the server calls for every request other than its own endpoints (/healthz, CORS
// preflight). Implementations must be thread-safe and must not throw.
class Handler {
 public:
  virtual ~Handler() = default;
  // Whether Handle() may block on durable storage writes; such requests run on the worker pool
  // instead of an I/O thread.
  virtual bool IsWrite(const Request& request) const = 0;
  virtual Response Handle(const Request& request) = 0;
  // The response to a request the server refuses; the server decides whether the connection
  // stays open (only after kOverloaded, when the whole request was read). `request` holds what
  // had been parsed (method, target and headers may be empty); its body is always empty.
  // Called on an I/O thread: must be cheap and must not block.
  virtual Response Reject(const Request& request, Rejection reason) = 0;
};

}  // namespace cogsync::http
