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

// What the server calls for every request other than its own endpoints (/healthz, CORS
// preflight). Implementations must be thread-safe.
class Handler {
 public:
  virtual ~Handler() = default;
  // Whether Handle() may block on durable storage writes; such requests run on the worker pool
  // instead of an I/O thread.
  virtual bool IsWrite(const Request& request) const = 0;
  virtual Response Handle(const Request& request) = 0;
};

}  // namespace cogsync::http
