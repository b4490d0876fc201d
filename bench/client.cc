#include "bench/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace cogsync::bench {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string Endpoint::HostHeader() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  if (text.starts_with("http://")) text.remove_prefix(7);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return ApiError::InvalidParameter("endpoint wants HOST:PORT");
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return ApiError::InvalidParameter("bad endpoint port");
    port = port * 10 + (c - '0');
  }
  if (port <= 0 || port > 65535) return ApiError::InvalidParameter("bad endpoint port");
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback()) {
    return ApiError::InvalidParameter("the load generator only targets loopback addresses, not " +
                                      host);
  }
  return Endpoint{host, uint16_t(port)};
}

Client::Client(asio::any_io_executor executor, const Endpoint& endpoint)
    : socket_(executor), address_(asio::ip::make_address(endpoint.host), endpoint.port) {}

void Client::Close() {
  error_code ignored;
  socket_.close(ignored);
  connected_ = false;
  buffer_.clear();
}

asio::awaitable<Reply> Client::Send(HttpRequest& request) {
  Reply reply;
  error_code ec;
  if (!connected_) {
    co_await socket_.async_connect(address_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      reply.error_type = "connect: " + ec.message();
      Close();
      co_return reply;
    }
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    connected_ = true;
  }
  co_await bhttp::async_write(socket_, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    reply.error_type = "write: " + ec.message();
    Close();
    co_return reply;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  co_await bhttp::async_read(socket_, buffer_, parser,
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    reply.error_type = "read: " + ec.message();
    Close();
    co_return reply;
  }
  auto& response = parser.get();
  reply.status = int(response.result_int());
  reply.body = std::move(response.body());
  auto type = response.find("x-amzn-ErrorType");
  if (type != response.end()) {
    std::string_view t = type->value();
    reply.error_type = std::string(t.substr(0, t.find(':')));
  }
  if (!response.keep_alive()) Close();
  co_return reply;
}

HttpRequest IdentityRequest(const Endpoint& endpoint, std::string_view operation,
                            std::string body) {
  HttpRequest request(bhttp::verb::post, "/", 11);
  request.set(bhttp::field::host, endpoint.HostHeader());
  request.set(bhttp::field::content_type, "application/x-amz-json-1.1");
  request.set("X-Amz-Target", "AWSCognitoIdentityService." + std::string(operation));
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

HttpRequest SyncRequest(const Endpoint& endpoint, std::string_view method, std::string path,
                        std::string_view query, std::string body) {
  std::string target = std::move(path);
  if (!query.empty()) target.append("?").append(query);
  HttpRequest request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, endpoint.HostHeader());
  if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

Status Sign(HttpRequest& request, const auth::sigv4::Credentials& credentials,
            std::string_view service, int64_t now_seconds) {
  std::string_view target = request.target();
  size_t question = target.find('?');
  auth::sigv4::HeaderList headers;
  for (const auto& field : request) {
    std::string_view name = field.name_string();
    if (boost::beast::iequals(name, "authorization") || boost::beast::iequals(name, "x-amz-date") ||
        boost::beast::iequals(name, "x-amz-security-token")) {
      continue;
    }
    headers.emplace_back(std::string(name), std::string(field.value()));
  }
  auth::sigv4::SigningInput input{.method = request.method_string(),
                                  .raw_path = target.substr(0, question),
                                  .raw_query = question == std::string_view::npos
                                                   ? std::string_view()
                                                   : target.substr(question + 1),
                                  .headers = &headers,
                                  .body = request.body()};
  COGSYNC_ASSIGN_OR_RETURN(
      auto added, auth::sigv4::SignRequest(input, credentials, kRegion, service, now_seconds));
  for (auto& [name, value] : added) request.set(name, value);
  return OkStatus();
}

std::string EncodeLabel(std::string_view label) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(label.size() + 8);
  for (char c : label) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

std::string DatasetPath(std::string_view pool_id, std::string_view identity_id,
                        std::string_view dataset) {
  return "/identitypools/" + EncodeLabel(pool_id) + "/identities/" + EncodeLabel(identity_id) +
         "/datasets/" + EncodeLabel(dataset);
}

}  // namespace cogsync::bench
