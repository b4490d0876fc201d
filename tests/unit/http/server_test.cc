#include "http/server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cogsync::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool Has(const std::string& name) const { return headers.count(name) > 0; }
};

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A blocking loopback client speaking raw bytes, so tests control exactly what is sent.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }

  bool connected() const { return connected_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(size_t(n));
    }
  }

  // Reads one response (Content-Length framed), or nullopt on close or timeout.
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse response;
    std::istringstream head(buffer_.substr(0, end));
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    response.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers.emplace(Lower(line.substr(0, colon)), value);
    }
    buffer_.erase(0, end + 4);
    size_t length = response.Has("content-length") ? std::stoul(response.Get("content-length")) : 0;
    while (buffer_.size() < length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`, with no bytes.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t before = buffer_.size();
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Fill(deadline)) return eof_ && buffer_.size() == before;
    }
    return false;
  }

  bool eof() const { return eof_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) return false;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, size_t(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

// Echoes what it saw; paths starting with /write are writes, /slow sleeps first.
class FakeHandler : public Handler {
 public:
  bool IsWrite(const Request& request) const override {
    return request.target.rfind("/write", 0) == 0 || request.target.rfind("/slow", 0) == 0;
  }

  Response Handle(const Request& request) override {
    if (on_handle) on_handle(request);
    if (request.target.rfind("/slow", 0) == 0) {
      slow_started.set_value();
      std::this_thread::sleep_for(700ms);
    }
    {
      std::lock_guard lock(mu);
      requests.push_back(request);
      threads.push_back(std::this_thread::get_id());
    }
    calls++;
    Response response;
    response.status = request.target == "/missing" ? 404 : 200;
    response.operation = "TestOp";
    response.headers.emplace_back("Content-Type", "text/plain");
    response.body = request.method + " " + request.target + " " + request.body;
    return response;
  }

  // The reason travels in a header: the HTTP layer itself names no protocol's errors.
  Response Reject(const Request& request, Rejection reason) override {
    rejections++;
    Response response;
    response.status = reason == Rejection::kHeaderTooLarge ? 431
                      : reason == Rejection::kBodyTooLarge ? 413
                      : reason == Rejection::kTimeout      ? 408
                      : reason == Rejection::kOverloaded   ? 503
                                                           : 400;
    response.headers.emplace_back("X-Rejection", std::to_string(static_cast<int>(reason)));
    response.body = "rejected " + request.method + " " + request.target;
    return response;
  }

  std::vector<Request> Requests() {
    std::lock_guard lock(mu);
    return requests;
  }
  std::vector<std::thread::id> Threads() {
    std::lock_guard lock(mu);
    return threads;
  }

  std::atomic<int> calls{0};
  std::atomic<int> rejections{0};
  std::promise<void> slow_started;
  std::function<void(const Request&)> on_handle;

 private:
  std::mutex mu;
  std::vector<Request> requests;
  std::vector<std::thread::id> threads;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}, std::function<bool()> ready = nullptr) {
    options.port = 0;
    options.io_threads = options.io_threads == 0 ? 1 : options.io_threads;
    options.worker_threads = 2;
    options.access_log = false;
    server_ = std::make_unique<Server>(std::move(options), handler_, std::move(ready));
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.error().ToString();
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  FakeHandler handler_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "GET /one ");
  EXPECT_FALSE(first->Has("connection"));
  client.Send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  auto second = client.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "POST /two hello");
  EXPECT_EQ(handler_.calls.load(), 2);
}

TEST_F(HttpServerTest, ConnectionCloseClosesAfterResponse) {
  StartServer();
  Client client(server_->port());
  client.Send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Get("connection"), "close");
  EXPECT_TRUE(client.ClosedWithin(2000ms));
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  StartServer();
  Client client(server_->port());
  // A write (worker pool) between reads must not let a later response overtake it.
  client.Send(
      "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /write/p2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"
      "GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n");
  for (const char* expected : {"GET /p1 ", "POST /write/p2 ab", "GET /p3 "}) {
    auto response = client.Read();
    ASSERT_TRUE(response) << expected;
    EXPECT_EQ(response->body, expected);
  }
}

TEST_F(HttpServerTest, RequestIdPresentUniqueAndGivenToHandler) {
  StartServer();
  Client client(server_->port());
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    client.Send("GET /r?X=1&y=%2F HTTP/1.1\r\nHost: x\r\nX-Custom-HEADER: Value\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    std::string id = response->Get("x-amzn-requestid");
    EXPECT_EQ(id.size(), 36u) << id;
    ids.insert(id);
    EXPECT_FALSE(response->Get("date").empty());
    EXPECT_EQ(response->Get("content-length"), std::to_string(response->body.size()));
  }
  EXPECT_EQ(ids.size(), 3u);
  auto requests = handler_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(ids.count(requests[0].request_id));
  EXPECT_EQ(requests[0].target, "/r?X=1&y=%2F");  // raw, not decoded
  EXPECT_EQ(requests[0].remote_address, "127.0.0.1");
  ASSERT_NE(requests[0].Header("x-custom-header"), nullptr);
  EXPECT_EQ(*requests[0].Header("x-custom-header"), "Value");
}

TEST_F(HttpServerTest, HeaderTooLargeGets431AndClose) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  Client client(server_->port());
  client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->Get("connection"), "close");
  EXPECT_TRUE(client.ClosedWithin(3000ms));
  EXPECT_EQ(handler_.calls.load(), 0);
}

// Issue 13 finding 11: the limit holds for the whole header, also when it arrives in pieces
// (Beast's own limit applies to what one parse call sees).
TEST_F(HttpServerTest, HeaderLimitCoversAllFieldsArrivingInPieces) {
  StartServer();  // the default limit: 16 KiB
  for (bool one_send : {true, false}) {
    for (size_t total : {size_t(20 * 1024), size_t(24 * 1024), size_t(40 * 1024)}) {
      SCOPED_TRACE(std::to_string(total) + (one_send ? " in one send" : " field by field"));
      Client client(server_->port());
      std::string pending = "GET /h HTTP/1.1\r\nHost: x\r\n";
      size_t sent = 0;
      for (size_t i = 0; sent + pending.size() < total; ++i) {
        pending += "X-F" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
        if (!one_send) {
          client.Send(pending);
          sent += pending.size();
          pending.clear();
          if (i % 4 == 3) std::this_thread::sleep_for(5ms);
        }
      }
      client.Send(pending + "\r\n");
      auto response = client.Read();
      ASSERT_TRUE(response);
      EXPECT_EQ(response->status, 431);
      EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kHeaderTooLarge)));
      EXPECT_TRUE(client.ClosedWithin(3000ms));
    }
  }
  EXPECT_EQ(handler_.calls.load(), 0);
  // Just under the limit is served.
  Client client(server_->port());
  client.Send("GET /h HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024 - 100, 'a') +
              "\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

// Issue 13 finding 7 (RFC 9112 6.1): any Transfer-Encoding but exactly "chunked" is refused and
// the connection closed; the body is never read as a second request.
TEST_F(HttpServerTest, TransferEncodingOtherThanChunkedGets400AndClose) {
  StartServer();
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string coding : {"gzip", "identity", "xchunked", "chunked, gzip", "gzip, chunked",
                             "chunked\r\nTransfer-Encoding: chunked"}) {
    SCOPED_TRACE(coding);
    Client client(server_->port());
    client.Send("POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n" +
                smuggled);
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kBadFraming)));
    EXPECT_EQ(response->Get("connection"), "close");
    EXPECT_TRUE(client.ClosedWithin(3000ms));
  }
  EXPECT_EQ(handler_.calls.load(), 0);
  // Exactly chunked (any case, with spaces) is served.
  Client client(server_->port());
  client.Send(
      "POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /te {}");
}

// Issue 13 finding 3: bodies held short of their end pin memory only up to the global budget;
// past it a body is refused with kOverloaded while small requests are still served.
TEST_F(HttpServerTest, BodyBudgetRefusesBodiesPastIt) {
  ServerOptions options;
  options.max_buffered_body_bytes = 1200 * 1024;
  StartServer(options);
  const std::string head = "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
  Client holder(server_->port());
  holder.Send(head + std::string(900 * 1024, 'a'));
  std::this_thread::sleep_for(300ms);
  Client second(server_->port());
  second.Send(head + std::string(400 * 1024, 'b'));
  auto refused = second.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Get("x-rejection"), std::to_string(int(Rejection::kOverloaded)));
  EXPECT_EQ(refused->Get("connection"), "close");
  // Small bodies never need the budget.
  Client small(server_->port());
  small.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
             std::string(1000, 's'));
  auto served = small.Read();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  // The holder finishes its body: served, and its budget returns.
  holder.Send(std::string(1000000 - 900 * 1024, 'a'));
  auto finished = holder.Read();
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->status, 200);
  Client third(server_->port());
  third.Send(head + std::string(1000000, 'c'));
  auto later = third.Read();
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
}

// Issue 13 finding 3: a request must keep arriving; a drip is cut off after read_stall_seconds,
// long before the whole-request limit, while a slow but steady sender is served.
TEST_F(HttpServerTest, DripIsCutOffByTheProgressDeadline) {
  ServerOptions options;
  options.read_timeout_seconds = 30;
  options.read_stall_seconds = 1;
  options.min_read_bytes_per_second = 1024;
  StartServer(options);
  Client drip(server_->port());
  auto start = std::chrono::steady_clock::now();
  drip.Send("POST /drip HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  std::optional<RawResponse> response;
  while (!response && std::chrono::steady_clock::now() - start < 10s) {
    drip.Send("x");
    response = drip.Read(100ms);
  }
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kTimeout)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);

  Client steady(server_->port());
  steady.Send("POST /steady HTTP/1.1\r\nHost: x\r\nContent-Length: 40960\r\n\r\n");
  for (int i = 0; i < 10; ++i) {  // 4 KiB every 250 ms: 16 KiB/s for 2.5 s
    steady.Send(std::string(4096, 'y'));
    std::this_thread::sleep_for(250ms);
  }
  auto ok = steady.Read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// Issue 13 finding 4: one address holds at most max_connections_per_address connections.
TEST_F(HttpServerTest, ConnectionsPerAddressAreCapped) {
  ServerOptions options;
  options.max_connections_per_address = 3;
  StartServer(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    clients.back()->Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(clients.back()->Read());
  }
  Client fourth(server_->port());
  EXPECT_TRUE(fourth.ClosedWithin(2000ms));
  clients.pop_back();  // one closes: room for another
  std::this_thread::sleep_for(200ms);
  Client fifth(server_->port());
  fifth.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = fifth.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

// Issue 13 finding 4: near the global cap, a new connection closes the longest-idle one instead
// of being refused.
TEST_F(HttpServerTest, NearTheCapTheLongestIdleConnectionMakesRoom) {
  ServerOptions options;
  options.max_connections = 20;
  options.max_connections_per_address = 0;
  StartServer(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    clients.back()->Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(clients.back()->Read()) << i;
  }
  Client late(server_->port());
  late.Send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = late.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(clients.front()->ClosedWithin(2000ms));  // the longest idle
  clients.back()->Send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  auto newest = clients.back()->Read();  // the most recently active still works
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->status, 200);
}

TEST_F(HttpServerTest, ContentLengthTooLargeRefusedBeforeBodyIsSent) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  Client client(server_->port());
  // Only the header: the answer must come without the client sending a byte of body.
  client.Send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
  auto response = client.Read(3000ms);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kBodyTooLarge)));
  EXPECT_EQ(response->body, "rejected POST /big");
  EXPECT_FALSE(response->Get("x-amzn-requestid").empty());
  EXPECT_TRUE(client.ClosedWithin(3000ms));
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, BodyAtTheLimitIsAccepted) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  Client client(server_->port());
  client.Send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
              std::string(1000, 'b'));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), std::string("POST /ok ").size() + 1000);
}

TEST_F(HttpServerTest, LyingContentLengthClosedByReadTimeout) {
  ServerOptions options;
  options.read_timeout_seconds = 1;
  StartServer(options);
  Client client(server_->port());
  auto start = std::chrono::steady_clock::now();
  client.Send("POST /lie HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..");
  auto response = client.Read(4000ms);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_TRUE(client.ClosedWithin(3000ms));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3500ms);
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, IdleTimeoutClosesQuietly) {
  ServerOptions options;
  options.idle_timeout_seconds = 1;
  StartServer(options);
  Client client(server_->port());
  client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.Read());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedWithin(4000ms));  // no 408: nothing was pending
  EXPECT_GE(std::chrono::steady_clock::now() - start, 800ms);
}

TEST_F(HttpServerTest, ChunkedBodyDeliveredToHandler) {
  StartServer();
  Client client(server_->port());
  client.Send(
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /chunked hello world");
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 8;
  StartServer(options);
  Client client(server_->port());
  client.Send(
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  StartServer();
  Client client(server_->port());
  client.Send("POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  auto interim = client.Read(2000ms);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  client.Send("abc");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "POST /c abc");
}

TEST_F(HttpServerTest, OptionsPreflightAnsweredWithoutHandler) {
  StartServer();
  Client client(server_->port());
  // As a browser SDK sends it (captured-requests.txt, last section).
  client.Send(
      "OPTIONS / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n"
      "Origin: http://app.test:8080\r\nAccess-Control-Request-Method: POST\r\n"
      "Access-Control-Request-Headers: X-Amz-User-Agent, X-Amz-Target, "
      "X-Amz-Content-Sha256\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Get("access-control-allow-origin"), "*");
  EXPECT_EQ(response->Get("access-control-allow-methods"), "GET, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(response->Get("access-control-allow-headers"),
            "X-Amz-User-Agent, X-Amz-Target, X-Amz-Content-Sha256");
  EXPECT_EQ(response->Get("access-control-max-age"), "86400");
  EXPECT_EQ(response->Get("content-length"), "0");
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, CorsHeadersOnNormalResponses) {
  StartServer();
  Client client(server_->port());
  client.Send("GET /x HTTP/1.1\r\nHost: x\r\nOrigin: http://app.test:8080\r\n\r\n");
  auto with_origin = client.Read();
  ASSERT_TRUE(with_origin);
  EXPECT_EQ(with_origin->Get("access-control-allow-origin"), "*");
  EXPECT_THAT(with_origin->Get("access-control-expose-headers"),
              HasSubstr("x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"));
  client.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  auto without_origin = client.Read();
  ASSERT_TRUE(without_origin);
  EXPECT_FALSE(without_origin->Has("access-control-allow-origin"));
}

TEST_F(HttpServerTest, CorsListedOriginIsEchoedOthersGetNothing) {
  ServerOptions options;
  options.cors_allowed_origins = {"https://good.example"};
  StartServer(options);
  Client client(server_->port());
  client.Send("GET /x HTTP/1.1\r\nHost: x\r\nOrigin: https://good.example\r\n\r\n");
  auto good = client.Read();
  ASSERT_TRUE(good);
  EXPECT_EQ(good->Get("access-control-allow-origin"), "https://good.example");
  EXPECT_EQ(good->Get("vary"), "Origin");
  client.Send("GET /x HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n");
  auto bad = client.Read();
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->Has("access-control-allow-origin"));
}

TEST_F(HttpServerTest, HealthzFollowsReadiness) {
  std::atomic<bool> ready{false};
  StartServer({}, [&ready] { return ready.load(); });
  Client client(server_->port());
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto before = client.Read();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 503);
  EXPECT_EQ(before->body, R"({"status":"starting"})");
  EXPECT_FALSE(before->Has("x-amzn-errortype"));
  ready = true;
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto after = client.Read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, R"({"status":"ok"})");
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, WriteRequestsRunOnWorkerPool) {
  StartServer();  // one I/O thread
  Client client(server_->port());
  client.Send("GET /read HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.Read());
  client.Send("POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(client.Read());
  client.Send("GET /read2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.Read());
  auto threads = handler_.Threads();
  ASSERT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads[0], threads[2]);  // reads: the (single) I/O thread
  EXPECT_NE(threads[1], threads[0]);  // the write: a worker
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightRequest) {
  StartServer();
  Client busy(server_->port());
  Client idle(server_->port());
  idle.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.Read());
  auto started = handler_.slow_started.get_future();
  busy.Send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(started.wait_for(3s), std::future_status::ready);
  auto stop_begin = std::chrono::steady_clock::now();
  std::thread stopper([this] { server_->Stop(); });
  auto response = busy.Read(5000ms);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /slow ");
  EXPECT_EQ(response->Get("connection"), "close");
  EXPECT_TRUE(busy.ClosedWithin(3000ms));
  EXPECT_TRUE(idle.ClosedWithin(3000ms));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_begin, 5s);
  Client late(server_->port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpServerTest, MalformedRequestLineGets400) {
  StartServer();
  Client client(server_->port());
  client.Send("THIS IS NOT HTTP\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kBadFraming)));
  EXPECT_TRUE(client.ClosedWithin(3000ms));
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveAsked) {
  StartServer();
  Client keep(server_->port());
  keep.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto first = keep.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Get("connection"), "keep-alive");
  keep.Send("GET /b HTTP/1.0\r\n\r\n");
  auto second = keep.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "GET /b ");
  EXPECT_EQ(second->Get("connection"), "close");
  EXPECT_TRUE(keep.ClosedWithin(3000ms));
}

TEST_F(HttpServerTest, OverInFlightLimitGets503) {
  ServerOptions options;
  options.max_in_flight = 0;
  StartServer(options);
  Client client(server_->port());
  client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->Get("x-rejection"), std::to_string(int(Rejection::kOverloaded)));
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, StartFailsWhenPortInUse) {
  StartServer();
  ServerOptions options;
  options.port = server_->port();
  options.access_log = false;
  Server second(options, handler_);
  Status status = second.Start();
  EXPECT_FALSE(status.ok());
}

TEST_F(HttpServerTest, SeveralIoThreadsServeManyConnections) {
  ServerOptions options;
  options.io_threads = 3;
  StartServer(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 6; ++i) clients.push_back(std::make_unique<Client>(server_->port()));
  for (int i = 0; i < 6; ++i) {
    clients[i]->Send("GET /c" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  for (int i = 0; i < 6; ++i) {
    auto response = clients[i]->Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "GET /c" + std::to_string(i) + " ");
  }
}

TEST_F(HttpServerTest, StopFromAHandlerThreadOnlyStartsShutdownAndWaitFinishesIt) {
  StartServer();
  handler_.on_handle = [this](const Request& request) {
    if (request.target == "/write/stop") server_->Stop();  // must not join its own thread
  };
  Client client(server_->port());
  client.Send("POST /write/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Get("connection"), "close");  // shutdown began during the request
  auto waiter = std::async(std::launch::async, [this] { server_->Wait(); });
  EXPECT_EQ(waiter.wait_for(5s), std::future_status::ready);
}

TEST_F(HttpServerTest, SigtermStopsGracefully) {
  StartServer();
  InstallSignalHandlers(*server_);
  auto waiter = std::async(std::launch::async, [this] { server_->Wait(); });
  EXPECT_EQ(waiter.wait_for(100ms), std::future_status::timeout);  // runs until signalled
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_EQ(waiter.wait_for(5s), std::future_status::ready);
  Client late(server_->port());
  EXPECT_FALSE(late.connected());
}

TEST(HttpServerAccessLogTest, OneLineWithoutQueryHeadersOrBody) {
  FakeHandler handler;
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test-access", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%v");
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.access_logger = logger;
  Server server(options, handler);
  ASSERT_TRUE(server.Start().ok());
  {
    Client client(server.port());
    client.Send(
        "POST /datasets/x?token=SECRET HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4 SIG\r\n"
        "Content-Length: 9\r\n\r\nBODYBYTES");
    auto response = client.Read();
    ASSERT_TRUE(response);
    server.Stop();
    std::string line = out.str();
    EXPECT_THAT(line, HasSubstr("POST /datasets/x op=TestOp status=200 error=-"));
    EXPECT_THAT(line, HasSubstr("id=" + response->Get("x-amzn-requestid")));
    EXPECT_THAT(line, HasSubstr("remote=127.0.0.1"));
    EXPECT_THAT(line, HasSubstr("in=9"));
    EXPECT_THAT(line, Not(HasSubstr("SECRET")));
    EXPECT_THAT(line, Not(HasSubstr("SIG")));
    EXPECT_THAT(line, Not(HasSubstr("BODYBYTES")));
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  }
}

}  // namespace
}  // namespace cogsync::http
