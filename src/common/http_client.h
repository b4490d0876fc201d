#pragma once
// A small outbound HTTP(S) client: login providers' JWKS documents (D12) and the outbound
// integrations (Kinesis, Lambda, SNS, webhooks: D25). One request per connection; https verifies
// the server certificate against the system trust store and the URL's host name. Blocking: the
// call runs its own event loop, bounded by the timeout.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace cogsync::http_client {

struct Options {
  // Limit on the whole exchange: resolve, connect, TLS handshake, request and response.
  std::chrono::milliseconds timeout{5000};
  // Responses with a longer body fail.
  size_t max_body_bytes = 1 << 20;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;  // http:// or https://
  Headers headers;  // host, user-agent and content-length are added
  std::string body;
};

struct Response {
  unsigned status = 0;
  Headers headers;  // names lower-cased
  std::string body;
  // First value of a header (name in lower case), or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

// The parts of an http(s) URL a request needs; nullopt-like failure for anything else.
struct Url {
  bool tls = false;
  std::string host;         // name or address, without IPv6 brackets
  std::string host_header;  // host[:port] as written in the URL
  std::string port;
  std::string target;  // path and query, at least "/"
};
Result<Url> ParseUrl(std::string_view text);

// Sends the request and returns the response whatever its status. Failures to exchange at all
// are ExternalService with a description; a timeout is ExternalService whose message starts
// with "timed out" (IsTimeout tells).
Result<Response> Send(const Request& request, const Options& options = {});
bool IsTimeout(const ApiError& error);

// The body of a 200 response to GET url; every other outcome is ExternalService.
Result<std::string> Get(std::string_view url, const Options& options = {});

}  // namespace cogsync::http_client
