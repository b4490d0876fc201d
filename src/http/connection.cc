#include "http/connection.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <exception>
#include <utility>

#include "common/ascii.h"
#include "common/ids.h"
#include "http/metrics.h"

namespace cogsync::http::internal {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

constexpr size_t kHeaderReadSize = 16 * 1024;
constexpr size_t kBodyReadSize = 64 * 1024;
// A refused client gets this long, and this many bytes, to stop sending before we reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

void LowerCaseInto(std::string& out, std::string_view name) {
  out.assign(name.data(), name.size());
  for (char& c : out) c = ascii::Lower(c);
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

Connection::Connection(Shared& shared, Loop& loop, asio::ip::tcp::socket socket)
    : shared_(shared), loop_(loop), socket_(std::move(socket)) {
  registration_ = loop_.connections.insert(loop_.connections.end(), this);
}

Connection::~Connection() {
  loop_.connections.erase(registration_);
  if (counted_in_flight_) shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  shared_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::Start() {
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  auto endpoint = socket_.remote_endpoint(ec);
  if (ec) {  // the peer is already gone
    Close();
    return;
  }
  remote_address_ = endpoint.address().to_string();
  if (shared_.stopping.load(std::memory_order_relaxed)) {
    Close();
    return;
  }
  StartRequest();
}

void Connection::CheckDeadline(Clock::time_point now) {
  if (now < deadline_) return;
  deadline_ = Clock::time_point::max();
  timed_out_ = true;
  // The pending operation completes with operation_aborted; its handler decides what follows.
  error_code ignored;
  socket_.cancel(ignored);
}

void Connection::BeginShutdown() {
  closing_ = true;
  if (state_ == State::kIdle) {
    error_code ignored;
    socket_.cancel(ignored);
  }
}

void Connection::StartRequest() {
  if (closing_) {
    CloseAfterResponse();
    return;
  }
  parser_.emplace();
  parser_->header_limit(
      std::uint32_t(std::min<size_t>(shared_.options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(shared_.options.max_body_bytes);
  parser_->eager(true);
  continue_sent_ = false;
  timed_out_ = false;
  if (buffer_.size() == 0) {
    state_ = State::kIdle;
    deadline_ = Clock::now() + shared_.idle_timeout;
    ReadMore();
  } else {  // pipelined: the next request has already (partly) arrived
    state_ = State::kReading;
    started_ = Clock::now();
    deadline_ = started_ + shared_.read_timeout;
    Parse();
  }
}

void Connection::ReadMore() {
  size_t want = parser_ && parser_->is_header_done() ? kBodyReadSize : kHeaderReadSize;
  socket_.async_read_some(
      buffer_.prepare(want),
      [self = shared_from_this()](const error_code& ec, size_t bytes) { self->OnRead(ec, bytes); });
}

void Connection::OnRead(const error_code& ec, size_t bytes) {
  // A read that completed just as its deadline passed still counts as timed out: the deadline
  // is gone, so continuing would leave the connection without one.
  if (ec || timed_out_) {
    if (timed_out_ && state_ == State::kReading) {
      WriteErrorAndClose(408, "RequestTimeoutException",
                         "The request was not received within the time limit.");
    } else {
      Close();  // peer closed, idle timeout, shutdown or a socket error
    }
    return;
  }
  buffer_.commit(bytes);
  if (state_ == State::kIdle) {
    state_ = State::kReading;
    started_ = Clock::now();
    deadline_ = started_ + shared_.read_timeout;  // the whole request must arrive in time
  }
  Parse();
}

void Connection::Parse() {
  error_code ec;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec) {
      OnParseError(ec);
      return;
    }
    if (used == 0) break;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  if (parser_->is_header_done() && !continue_sent_) {
    continue_sent_ = true;
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && boost::beast::iequals(expect->value(), "100-continue")) {
      SendContinue();
      return;
    }
  }
  ReadMore();
}

void Connection::SendContinue() {
  // The body is admitted (its declared size passed the limit), so the client may send it.
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (ec) {
                        self->Close();
                      } else {
                        self->ReadMore();
                      }
                    });
}

void Connection::OnParseError(const error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    WriteErrorAndClose(431, "RequestEntityTooLargeException",
                       "The request header fields are too large.");
  } else if (ec == bhttp::error::body_limit) {
    WriteErrorAndClose(413, "RequestEntityTooLargeException",
                       "The request body is larger than the server accepts.");
  } else {
    WriteErrorAndClose(400, "SerializationException", "Malformed HTTP request.");
  }
}

void Connection::Dispatch() {
  auto& message = parser_->get();
  state_ = State::kHandling;
  deadline_ = Clock::time_point::max();

  request_.method.assign(message.method_string());
  request_.target.assign(message.target());
  size_t count = 0;
  for (const auto& field : message) {
    if (count == request_.headers.size()) request_.headers.emplace_back();
    auto& [name, value] = request_.headers[count++];
    LowerCaseInto(name, field.name_string());
    value.assign(field.value());
  }
  request_.headers.resize(count);
  request_.body = std::move(message.body());
  request_.remote_address = remote_address_;
  request_.request_id = ids::RequestId();
  http10_ = message.version() == 10;
  keep_alive_ = message.keep_alive() && !closing_;
  head_request_ = message.method() == bhttp::verb::head;
  const std::string* origin = request_.Header("origin");
  allow_origin_ = origin != nullptr ? shared_.cors.AllowOrigin(*origin) : std::string_view();

  // The server's own endpoints never reach the handler.
  if (message.method() == bhttp::verb::options) {
    response_ = PreflightResponse(request_);
    WriteResponse();
    return;
  }
  if (PathOf(request_.target) == "/healthz" &&
      (message.method() == bhttp::verb::get || head_request_)) {
    response_ = HealthResponse(!shared_.ready || shared_.ready());
    WriteResponse();
    return;
  }
  if (shared_.options.metrics != nullptr && PathOf(request_.target) == "/metrics" &&
      (message.method() == bhttp::verb::get || head_request_)) {
    response_ = Response{};
    response_.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response_.body =
        shared_.options.metrics->Render(shared_.in_flight.load(std::memory_order_relaxed),
                                        shared_.connections.load(std::memory_order_relaxed));
    WriteResponse();
    return;
  }

  if (shared_.in_flight.fetch_add(1, std::memory_order_relaxed) >= shared_.options.max_in_flight) {
    shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    response_ =
        ErrorResponse(503, "ServiceUnavailableException", "The server is overloaded; retry later.");
    WriteResponse();
    return;
  }
  counted_in_flight_ = true;
  if (shared_.handler.IsWrite(request_)) {
    RunOnWorker();
    return;
  }
  response_ = CallHandler();
  shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  counted_in_flight_ = false;
  WriteResponse();
}

void Connection::RunOnWorker() {
  // Only the worker touches request_ and response_ until the completion is posted back; the
  // post orders its writes before the I/O thread's reads.
  // The worker hands its reference back with the completion, so the connection is always
  // destroyed on its own I/O thread.
  asio::post(*shared_.workers, [self = shared_from_this()]() mutable {
    current_server = &self->shared_;
    self->response_ = self->CallHandler();
    auto executor = self->socket_.get_executor();
    asio::post(executor, [self = std::move(self)] {
      self->shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      self->counted_in_flight_ = false;
      self->WriteResponse();
    });
  });
}

Response Connection::CallHandler() {
  // Handlers return errors as values; this only keeps a bug from taking the process down.
  try {
    return shared_.handler.Handle(request_);
  } catch (const std::exception&) {
    return ErrorResponse(500, "InternalErrorException", "Internal server error.");
  } catch (...) {
    return ErrorResponse(500, "InternalErrorException", "Internal server error.");
  }
}

void Connection::WriteResponse() {
  if (closing_) keep_alive_ = false;  // shutdown began while the request was handled
  head_.clear();
  AppendResponseHead(head_, response_,
                     HeadContext{.request_id = request_.request_id,
                                 .allow_origin = allow_origin_,
                                 .keep_alive = keep_alive_,
                                 .http10 = http10_});
  state_ = State::kWriting;
  timed_out_ = false;
  deadline_ = Clock::now() + shared_.read_timeout;
  std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head_), head_request_ ? asio::const_buffer() : asio::buffer(response_.body)};
  asio::async_write(socket_, buffers, [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnWrite(ec);
  });
}

void Connection::OnWrite(const error_code& ec) {
  deadline_ = Clock::time_point::max();
  LogAccess();
  if (ec) {
    Close();
    return;
  }
  if (!keep_alive_) {
    CloseAfterResponse();
    return;
  }
  StartRequest();
}

void Connection::CloseAfterResponse() {
  // Closing with unread input makes the kernel send a reset, which can destroy our response
  // before the client reads it. That only happens when input is left: a refused request's body
  // or bytes pipelined after the last request.
  if (refused_ || buffer_.size() > 0) {
    Linger();
  } else {
    Close();
  }
}

void Connection::WriteErrorAndClose(int status, std::string_view code, std::string_view message) {
  // What the parser saw of the request, for CORS and the access log (fields may be partial).
  request_.method.clear();
  request_.target.clear();
  request_.body.clear();
  request_.request_id = ids::RequestId();
  allow_origin_ = {};
  if (parser_ && parser_->got_some()) {
    const auto& partial = parser_->get();
    auto origin = partial.find(bhttp::field::origin);
    if (origin != partial.end()) allow_origin_ = shared_.cors.AllowOrigin(origin->value());
    request_.method.assign(partial.method_string());
    request_.target.assign(partial.target());
  }
  head_request_ = false;
  http10_ = false;
  keep_alive_ = false;
  refused_ = true;
  if (state_ != State::kReading) started_ = Clock::now();
  response_ = ErrorResponse(status, code, message);
  WriteResponse();
}

void Connection::Linger() {
  state_ = State::kLingering;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  timed_out_ = false;
  deadline_ = Clock::now() + std::min<Clock::duration>(kLingerTime, shared_.read_timeout);
  Drain();
}

void Connection::Drain() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(kHeaderReadSize),
                          [self = shared_from_this()](const error_code& ec, size_t bytes) {
                            self->lingered_bytes_ += bytes;
                            if (ec || self->timed_out_ || self->lingered_bytes_ > kLingerMaxBytes) {
                              self->Close();
                            } else {
                              self->Drain();
                            }
                          });
}

void Connection::Close() {
  state_ = State::kClosed;
  deadline_ = Clock::time_point::max();
  error_code ignored;
  socket_.close(ignored);
}

void Connection::LogAccess() {
  // Every request passes this point exactly once, with its operation, status, error code,
  // latency and sizes at hand: the metrics and the access log both start here.
  const bool log = shared_.access_log && shared_.access_log->should_log(spdlog::level::info);
  Metrics* metrics = shared_.options.metrics;
  if (!log && metrics == nullptr) return;
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
  if (metrics != nullptr) {
    metrics->RecordRequest(response_.operation, response_.status, latency.count());
  }
  if (!log) return;
  std::string_view method = request_.method.empty() ? std::string_view("-") : request_.method;
  std::string_view path = request_.target.empty() ? std::string_view("-") : PathOf(request_.target);
  std::string_view operation =
      response_.operation.empty() ? std::string_view("-") : response_.operation;
  std::string_view error =
      response_.error_code.empty() ? std::string_view("-") : response_.error_code;
  shared_.access_log->info("{} {} op={} status={} error={} us={} in={} out={} id={} remote={}",
                           method, path, operation, response_.status, error, latency.count(),
                           request_.body.size(), response_.body.size(), request_.request_id,
                           remote_address_);
}

}  // namespace cogsync::http::internal
