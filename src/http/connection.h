#pragma once
// One HTTP/1.1 connection, plain or TLS: reads requests one at a time (pipelined requests wait in
// the read buffer and are answered in order), dispatches them, writes the responses. Internal to
// src/http.
//
// Time limits are deadlines that the loop's sweep timer checks (CheckDeadline) instead of a timer
// armed per operation: setting a deadline is one clock read on the hot path. A request being read
// has two: the whole request within read_timeout, and progress (stall_window_bytes within every
// stall_timeout). Body bytes beyond a small allowance are reserved from the server's BodyBudget
// before they are read and released once the request is answered.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "http/message.h"
#include "http/server_internal.h"

namespace cogsync::http::internal {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Runs on `loop`'s thread from construction to destruction. `source` is the key the connection
  // was counted under in shared.sources (empty: not counted); `tls` is the context of a TLS
  // listener's connection (null: plain HTTP).
  Connection(Shared& shared, Loop& loop, boost::asio::ip::tcp::socket socket, std::string source,
             std::shared_ptr<boost::asio::ssl::context> tls);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Called by the loop's sweep: ends the current operation if its deadline has passed.
  void CheckDeadline(std::chrono::steady_clock::time_point now);
  // Graceful shutdown: an idle connection closes now, a busy one after its current response.
  void BeginShutdown();
  // Near the connection cap: closes the connection if it is idle between requests. Returns
  // whether it did.
  bool EvictIfIdle();

 private:
  enum class State { kHandshake, kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  using Clock = std::chrono::steady_clock;

  // Runs `fn` with the stream requests travel on: the TLS stream or the plain socket.
  template <class Fn>
  void WithStream(Fn&& fn) {
    if (tls_) {
      fn(*tls_);
    } else {
      fn(socket_);
    }
  }

  void StartTls();
  void StartRequest();
  void WaitForRequest();
  void ReadMore();
  void OnRead(const boost::system::error_code& ec, size_t bytes);
  void Parse();
  // Reserves budget for the next body read; false when the server's budget is spent.
  bool ReserveBodyBytes();
  void ReleaseBody();
  void SendContinue();
  void OnParseError(const boost::system::error_code& ec);
  void Dispatch();
  void RunOnWorker();
  void FinishHandling();
  // Writes `response_`; closes afterwards unless keep_alive_.
  void WriteResponse();
  void OnWrite(const boost::system::error_code& ec);
  // Answers a request the server refuses before (or instead of) parsing it fully, then closes.
  void RejectAndClose(Rejection reason);
  // Copies what the parser has of the current request into request_ (its body excepted).
  void CopyRequestHead();
  // Half-closes and drains what the client still sends, so it reads our response rather than a
  // reset caused by unread data.
  void CloseAfterResponse();
  void Linger();
  void Drain();
  void Close();
  void LogAccess();

  Shared& shared_;
  Loop& loop_;
  std::list<Connection*>::iterator registration_;
  boost::asio::ip::tcp::socket socket_;
  const std::string source_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::ip::address peer_;
  std::string remote_address_;
  bool peer_is_proxy_ = false;
  bool plain_on_tls_port_ = false;  // answered with Rejection::kPlainHttpOnTlsPort
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  // Reused across requests so their strings and vectors keep their capacity (bodies excepted:
  // a large one is released once answered).
  Request request_;
  Response response_;
  std::string head_;
  std::string_view allow_origin_;  // points into shared_.cors or is "*"

  State state_ = State::kIdle;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point started_;
  Clock::time_point window_start_;  // progress: the current stall window
  size_t window_bytes_ = 0;
  size_t reserved_ = 0;  // bytes of shared_.body_budget held for the current request's body
  bool timed_out_ = false;
  bool closing_ = false;  // server shutdown: no further requests on this connection
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;
  bool continue_sent_ = false;
  size_t header_bytes_ = 0;  // of the current request's header consumed by the parser so far
  bool refused_ = false;     // answered without reading the whole request; input may follow
  bool counted_in_flight_ = false;
  size_t lingered_bytes_ = 0;
  size_t request_bytes_ = 0;  // body size of the current request, for the access log
};

}  // namespace cogsync::http::internal
