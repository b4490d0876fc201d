#pragma once
// One HTTP/1.1 connection: reads requests one at a time (pipelined requests wait in the read
// buffer and are answered in order), dispatches them, writes the responses. Internal to src/http.
//
// Time limits are deadlines that the loop's sweep timer checks (CheckDeadline) instead of a timer
// armed per operation: setting a deadline is one clock read on the hot path.

#include <boost/asio/ip/tcp.hpp>
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
  // Runs on `loop`'s thread from construction to destruction.
  Connection(Shared& shared, Loop& loop, boost::asio::ip::tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Called by the loop's sweep: ends the current operation if its deadline has passed.
  void CheckDeadline(std::chrono::steady_clock::time_point now);
  // Graceful shutdown: an idle connection closes now, a busy one after its current response.
  void BeginShutdown();

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  using Clock = std::chrono::steady_clock;

  void StartRequest();
  void ReadMore();
  void OnRead(const boost::system::error_code& ec, size_t bytes);
  void Parse();
  void SendContinue();
  void OnParseError(const boost::system::error_code& ec);
  void Dispatch();
  void RunOnWorker();
  Response CallHandler();
  // Writes `response_`; closes afterwards unless keep_alive_.
  void WriteResponse();
  void OnWrite(const boost::system::error_code& ec);
  // Answers a request the server refuses before (or instead of) parsing it fully, then closes.
  void WriteErrorAndClose(int status, std::string_view code, std::string_view message);
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
  std::string remote_address_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  // Reused across requests so their strings and vectors keep their capacity.
  Request request_;
  Response response_;
  std::string head_;
  std::string_view allow_origin_;  // points into shared_.cors or is "*"

  State state_ = State::kIdle;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point started_;
  bool timed_out_ = false;
  bool closing_ = false;  // server shutdown: no further requests on this connection
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;
  bool continue_sent_ = false;
  bool refused_ = false;  // answered without reading the whole request; input may follow
  bool counted_in_flight_ = false;
  size_t lingered_bytes_ = 0;
};

}  // namespace cogsync::http::internal
