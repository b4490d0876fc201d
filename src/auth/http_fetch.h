#pragma once
// A minimal outbound HTTP(S) GET, used to fetch login providers' JWKS documents (D12). https
// verifies the server certificate against the system trust store and the URL's host name.

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"

namespace cogsync::auth {

struct HttpFetchOptions {
  // Limit on the whole exchange: resolve, connect, TLS handshake, request and response.
  std::chrono::milliseconds timeout{5000};
  // Responses with a longer body fail.
  size_t max_body_bytes = 1 << 20;
};

// The body of a 200 response to GET url (http:// or https://; no redirects are followed).
// Every failure, including a non-200 status, is ExternalService with a description.
Result<std::string> HttpGet(std::string_view url, const HttpFetchOptions& options = {});

}  // namespace cogsync::auth
