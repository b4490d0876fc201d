#include "common/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <optional>

namespace cogsync::http_client {

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// Errors come back as values in a tuple instead of as exceptions.
constexpr auto kAwait = net::as_tuple(net::use_awaitable);
constexpr std::string_view kTimedOut = "timed out";

// What the exchange coroutine leaves behind; outlives the io_context that runs it.
struct Outcome {
  bool done = false;
  std::string error;  // empty on success
  Response response;
};

template <typename Stream>
net::awaitable<void> Exchange(Stream& stream, const Url& url, const Request& in, size_t max_body,
                              Outcome& out) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(in.method);
  request.target(url.target);
  request.version(11);
  request.set(bhttp::field::host, url.host_header);
  request.set(bhttp::field::user_agent, "cogsync");
  for (const auto& [name, value] : in.headers) {
    if (boost::beast::iequals(name, "host")) continue;
    request.insert(name, value);
  }
  request.body() = in.body;
  request.prepare_payload();
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, kAwait);
  if (write_ec) {
    out.error = "sending the request failed: " + write_ec.message();
    co_return;
  }
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kAwait);
  if (read_ec) {
    out.error = "reading the response failed: " + read_ec.message();
    co_return;
  }
  auto& message = parser.get();
  out.response.status = message.result_int();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.response.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.response.body = std::move(message.body());
}

net::awaitable<void> Run(Url url, const Request* in, size_t max_body, net::ssl::context* tls,
                         Outcome* out) {
  auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(url.host, url.port, kAwait);
  if (resolve_ec) {
    out->error = "cannot resolve " + url.host + ": " + resolve_ec.message();
    out->done = true;
    co_return;
  }
  if (!url.tls) {
    tcp::socket socket(executor);
    auto [connect_ec, endpoint] = co_await net::async_connect(socket, endpoints, kAwait);
    if (connect_ec) {
      out->error = "cannot connect: " + connect_ec.message();
    } else {
      co_await Exchange(socket, url, *in, max_body, *out);
    }
    out->done = true;
    co_return;
  }
  net::ssl::stream<tcp::socket> stream(executor, *tls);
  // SNI, then certificate checks: chain against the trust store, name against the URL's host.
  if (SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
    out->error = "cannot set the TLS server name";
    out->done = true;
    co_return;
  }
  stream.set_verify_mode(net::ssl::verify_peer);
  stream.set_verify_callback(net::ssl::host_name_verification(url.host));
  auto [connect_ec, endpoint] = co_await net::async_connect(stream.next_layer(), endpoints, kAwait);
  if (connect_ec) {
    out->error = "cannot connect: " + connect_ec.message();
    out->done = true;
    co_return;
  }
  auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::client, kAwait);
  if (handshake_ec) {
    out->error = "TLS handshake failed: " + handshake_ec.message();
  } else {
    // No TLS shutdown afterwards: the whole response has been read, and a peer that never
    // answers close_notify would only cost us time.
    co_await Exchange(stream, url, *in, max_body, *out);
  }
  out->done = true;
}

}  // namespace

const std::string* Response::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return &v;
  }
  return nullptr;
}

Result<Url> ParseUrl(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return ApiError::ExternalService("Not an http(s) URL: " + std::string(text));
  const boost::urls::url_view& u = *parsed;
  Url url;
  if (u.scheme_id() == boost::urls::scheme::https) {
    url.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return ApiError::ExternalService("Not an http(s) URL: " + std::string(text));
  }
  url.host = u.host_address();
  if (url.host.empty()) return ApiError::ExternalService("No host in URL: " + std::string(text));
  url.port = u.has_port() ? std::string(u.port()) : (url.tls ? "443" : "80");
  url.host_header = std::string(u.encoded_host_and_port());
  url.target = std::string(u.encoded_target());
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  return url;
}

Result<Response> Send(const Request& request, const Options& options) {
  COGSYNC_ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
  Outcome out;
  std::optional<net::ssl::context> tls;
  if (url.tls) {
    tls.emplace(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    tls->set_default_verify_paths(ec);
    if (ec) return ApiError::ExternalService("Cannot load the system trust store: " + ec.message());
  }
  {
    // Declared after `out` and `tls`: destroying the io_context destroys an unfinished exchange
    // (closing its sockets) while both are still alive.
    net::io_context io;
    net::co_spawn(io, Run(url, &request, options.max_body_bytes, tls ? &*tls : nullptr, &out),
                  net::detached);
    io.run_for(options.timeout);
  }
  if (!out.done) return ApiError::ExternalService(std::string(kTimedOut) + ": " + request.url);
  if (!out.error.empty()) return ApiError::ExternalService(request.url + ": " + out.error);
  return std::move(out.response);
}

bool IsTimeout(const ApiError& error) {
  return error.code() == "ExternalServiceException" &&
         std::string_view(error.message()).substr(0, kTimedOut.size()) == kTimedOut;
}

Result<std::string> Get(std::string_view url, const Options& options) {
  Request request;
  request.url = std::string(url);
  request.headers.emplace_back("accept", "application/json");
  COGSYNC_ASSIGN_OR_RETURN(Response response, Send(request, options));
  if (response.status != 200) {
    return ApiError::ExternalService("Fetching " + std::string(url) + ": HTTP status " +
                                     std::to_string(response.status));
  }
  return std::move(response.body);
}

}  // namespace cogsync::http_client
