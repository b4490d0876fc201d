#include "auth/http_fetch.h"

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

namespace cogsync::auth {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Errors come back as values in a tuple instead of as exceptions.
constexpr auto kAwait = net::as_tuple(net::use_awaitable);

struct Target {
  bool tls = false;
  std::string host;       // name or address, without IPv6 brackets
  std::string host_header;
  std::string port;
  std::string path;       // path and query
};

std::optional<Target> ParseTarget(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& u = *parsed;
  Target t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return std::nullopt;
  }
  t.host = u.host_address();
  if (t.host.empty()) return std::nullopt;
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host_and_port());
  t.path = std::string(u.encoded_target());
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  return t;
}

// What the fetch coroutine leaves behind; outlives the io_context that runs it.
struct Outcome {
  bool done = false;
  std::string error;  // empty on success
  unsigned status = 0;
  std::string body;
};

template <typename Stream>
net::awaitable<void> Exchange(Stream& stream, const Target& target, size_t max_body,
                              Outcome& out) {
  http::request<http::empty_body> request{http::verb::get, target.path, 11};
  request.set(http::field::host, target.host_header);
  request.set(http::field::user_agent, "cogsync");
  request.set(http::field::accept, "application/json");
  auto [write_ec, written] = co_await http::async_write(stream, request, kAwait);
  if (write_ec) {
    out.error = "sending the request failed: " + write_ec.message();
    co_return;
  }
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kAwait);
  if (read_ec) {
    out.error = "reading the response failed: " + read_ec.message();
    co_return;
  }
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
}

net::awaitable<void> Fetch(Target target, size_t max_body, net::ssl::context* tls,
                           Outcome* out) {
  auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(target.host, target.port, kAwait);
  if (resolve_ec) {
    out->error = "cannot resolve " + target.host + ": " + resolve_ec.message();
    out->done = true;
    co_return;
  }
  if (!target.tls) {
    tcp::socket socket(executor);
    auto [connect_ec, endpoint] = co_await net::async_connect(socket, endpoints, kAwait);
    if (connect_ec) {
      out->error = "cannot connect: " + connect_ec.message();
    } else {
      co_await Exchange(socket, target, max_body, *out);
    }
    out->done = true;
    co_return;
  }
  net::ssl::stream<tcp::socket> stream(executor, *tls);
  // SNI, then certificate checks: chain against the trust store, name against the URL's host.
  if (SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()) != 1) {
    out->error = "cannot set the TLS server name";
    out->done = true;
    co_return;
  }
  stream.set_verify_mode(net::ssl::verify_peer);
  stream.set_verify_callback(net::ssl::host_name_verification(target.host));
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
    co_await Exchange(stream, target, max_body, *out);
  }
  out->done = true;
}

}  // namespace

Result<std::string> HttpGet(std::string_view url, const HttpFetchOptions& options) {
  std::optional<Target> target = ParseTarget(url);
  if (!target) return ApiError::ExternalService("Not an http(s) URL: " + std::string(url));

  Outcome out;
  std::optional<net::ssl::context> tls;
  if (target->tls) {
    tls.emplace(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    tls->set_default_verify_paths(ec);
    if (ec) return ApiError::ExternalService("Cannot load the system trust store: " + ec.message());
  }
  {
    // Declared after `out` and `tls`: destroying the io_context destroys an unfinished fetch
    // (closing its sockets) while both are still alive.
    net::io_context io;
    net::co_spawn(io, Fetch(*target, options.max_body_bytes, tls ? &*tls : nullptr, &out),
                  net::detached);
    io.run_for(options.timeout);
  }
  std::string where = "Fetching " + std::string(url) + ": ";
  if (!out.done) return ApiError::ExternalService(where + "timed out");
  if (!out.error.empty()) return ApiError::ExternalService(where + out.error);
  if (out.status != 200) {
    return ApiError::ExternalService(where + "HTTP status " + std::to_string(out.status));
  }
  return std::move(out.body);
}

}  // namespace cogsync::auth
