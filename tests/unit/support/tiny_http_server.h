#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 with an OS-chosen port, for tests of outbound calls (JWKS
// fetches, token verifier hooks). `respond` gets the request (head and, when it has a
// Content-Length, body) and returns the whole response, or nullopt to hold the connection open
// without answering. One connection at a time, each closed after its answer.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cogsync::testing {

class TinyHttpServer {
 public:
  using Responder = std::function<std::optional<std::string>(const std::string& request)>;

  explicit TinyHttpServer(Responder respond)
      : respond_(std::move(respond)),
        acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        port_(acceptor_.local_endpoint().port()),
        thread_([this] { Serve(); }) {}

  ~TinyHttpServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int requests() const { return requests_.load(); }
  std::string last_head() const {
    std::lock_guard lock(mu_);
    return last_head_;
  }

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr std::string_view kEnd = "\r\n\r\n";

  // The request's Content-Length (0 when absent), from its head.
  static size_t ContentLength(const std::string& head) {
    std::string lower;
    for (char c : head)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    size_t at = lower.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::strtoul(head.c_str() + at + 17, nullptr, 10);
  }

  void Serve() {
    namespace net = boost::asio;
    std::vector<tcp::socket> held;
    while (true) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stop_ || ec) return;
      net::streambuf buffer;
      size_t head_size = net::read_until(socket, buffer, std::string(kEnd), ec);
      if (ec) continue;
      std::string request(net::buffers_begin(buffer.data()), net::buffers_end(buffer.data()));
      const size_t want = head_size + ContentLength(request.substr(0, head_size));
      if (request.size() < want) {
        std::string rest(want - request.size(), '\0');
        net::read(socket, net::buffer(rest), ec);
        request += rest;
      }
      {
        std::lock_guard lock(mu_);
        last_head_ = request.substr(0, head_size);
      }
      ++requests_;
      std::optional<std::string> response = respond_(request);
      if (!response) {
        held.push_back(std::move(socket));
        continue;
      }
      net::write(socket, net::buffer(*response), ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  Responder respond_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::string last_head_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace cogsync::testing
