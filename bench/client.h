#pragma once
// A keep-alive HTTP/1.1 client for one simulated device: one TCP connection, one request at a
// time, driven as a C++20 coroutine on its thread's io_context. Requests are built and SigV4
// signed here exactly as the AWS SDKs send them (JSON 1.1 with X-Amz-Target for Cognito
// Identity, REST-JSON for Cognito Sync).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "common/error.h"

namespace cogsync::bench {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Where the server listens. Loopback only: the generator must never load someone else's host.
struct Endpoint {
  std::string host;  // a loopback address
  uint16_t port = 0;
  std::string HostHeader() const;
};
// "http://127.0.0.1:8080", "127.0.0.1:8080" or "localhost:8080"; anything but loopback fails.
Result<Endpoint> ParseEndpoint(std::string_view text);

struct Reply {
  int status = 0;  // 0: the request failed at the transport level
  std::string body;
  std::string error_type;  // x-amzn-ErrorType without its ":..." suffix, or the transport error
  bool ok() const { return status == 200; }
};

class Client {
 public:
  Client(boost::asio::any_io_executor executor, const Endpoint& endpoint);
  // Sends `request` (connecting first if needed) and reads the whole response. Never throws.
  boost::asio::awaitable<Reply> Send(HttpRequest& request);
  void Close();

 private:
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint address_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

// --- Request builders -------------------------------------------------------------------------

inline constexpr std::string_view kRegion = "us-east-1";

// POST / with X-Amz-Target: AWSCognitoIdentityService.<operation> and a JSON 1.1 body.
HttpRequest IdentityRequest(const Endpoint& endpoint, std::string_view operation, std::string body);
// A Cognito Sync REST request. `path` is already URI-encoded (':' as %3A); `query` has no '?'.
HttpRequest SyncRequest(const Endpoint& endpoint, std::string_view method, std::string path,
                        std::string_view query, std::string body);
// Signs in place with SigV4 for `service` ("cognito-identity" or "cognito-sync") at time `now`.
Status Sign(HttpRequest& request, const auth::sigv4::Credentials& credentials,
            std::string_view service, int64_t now_seconds);

// The REST path of a dataset: /identitypools/{pool}/identities/{id}/datasets/{name}.
std::string DatasetPath(std::string_view pool_id, std::string_view identity_id,
                        std::string_view dataset);
// ':' and everything else outside the unreserved set, %-encoded (the SDKs' label encoding).
std::string EncodeLabel(std::string_view label);

}  // namespace cogsync::bench
