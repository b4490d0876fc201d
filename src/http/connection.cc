#include "http/connection.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
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
// Body bytes a connection may hold outside the server's body budget (most Cognito requests fit),
// so that small requests are never refused for want of budget.
constexpr size_t kFreeBodyBytes = 16 * 1024;
constexpr unsigned char kTlsHandshakeRecord = 0x16;
// A refused client gets this long, and this many bytes, to stop sending before we reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

void LowerCaseInto(std::string& out, std::string_view name) {
  out.assign(name.data(), name.size());
  for (char& c : out) c = ascii::Lower(c);
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// RFC 9112 6.1: a request's only acceptable transfer coding is a final "chunked", and cogsync
// applies no other coding, so any Transfer-Encoding but exactly one "chunked" is refused: with
// another coding (or "chunked" not last) the body's length cannot be known, and a server that
// guessed could read the body as a second request.
template <class Fields>
bool TransferEncodingAcceptable(const Fields& fields) {
  int count = 0;
  for (const auto& field : fields) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    if (++count > 1) return false;
    std::string_view value = field.value();
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (!ascii::EqualsIgnoreCase(value, "chunked")) return false;
  }
  return true;
}

}  // namespace

Connection::Connection(Shared& shared, Loop& loop, asio::ip::tcp::socket socket, std::string source,
                       std::shared_ptr<asio::ssl::context> tls)
    : shared_(shared),
      loop_(loop),
      socket_(std::move(socket)),
      source_(std::move(source)),
      tls_context_(std::move(tls)) {
  registration_ = loop_.connections.insert(loop_.connections.end(), this);
}

Connection::~Connection() {
  loop_.connections.erase(registration_);
  if (counted_in_flight_) shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (reserved_ > 0) shared_.body_budget.Release(reserved_);
  if (!source_.empty()) shared_.sources.Remove(source_);
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
  peer_ = endpoint.address();
  if (peer_.is_v6() && peer_.to_v6().is_v4_mapped()) {
    peer_ = asio::ip::make_address_v4(asio::ip::v4_mapped, peer_.to_v6());
  }
  remote_address_ = peer_.to_string();
  peer_is_proxy_ = !shared_.proxies.empty() && shared_.proxies.Contains(peer_);
  if (shared_.stopping.load(std::memory_order_relaxed)) {
    Close();
    return;
  }
  if (tls_context_) {
    StartTls();
  } else {
    StartRequest();
  }
}

void Connection::StartTls() {
  state_ = State::kHandshake;
  started_ = Clock::now();
  deadline_ = started_ + std::min(shared_.read_timeout, shared_.stall_timeout.count() > 0
                                                            ? shared_.stall_timeout
                                                            : shared_.read_timeout);
  // The first byte tells a TLS ClientHello (a handshake record) from a plain HTTP request, which
  // is read as such and answered with a clear refusal instead of a failed handshake.
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](
                                                           const error_code& ec) {
    if (ec || self->timed_out_) {
      self->Close();
      return;
    }
    unsigned char first = 0;
    error_code peek_ec;
    size_t n = self->socket_.receive(asio::buffer(&first, 1), asio::ip::tcp::socket::message_peek,
                                     peek_ec);
    if (peek_ec || n == 0) {
      self->Close();
      return;
    }
    if (first != kTlsHandshakeRecord) {
      self->plain_on_tls_port_ = true;
      self->StartRequest();
      return;
    }
    self->tls_.emplace(self->socket_, *self->tls_context_);
    self->tls_->async_handshake(asio::ssl::stream_base::server, [self](const error_code& hs_ec) {
      if (hs_ec || self->timed_out_) {
        self->Close();
        return;
      }
      self->StartRequest();
    });
  });
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

bool Connection::EvictIfIdle() {
  if (state_ != State::kIdle) return false;
  Close();  // the pending wait completes with an error and finds the connection closed
  return true;
}

void Connection::StartRequest() {
  if (closing_) {
    CloseAfterResponse();
    return;
  }
  parser_.emplace();
  parser_->body_limit(shared_.options.max_body_bytes);
  parser_->eager(true);
  continue_sent_ = false;
  header_bytes_ = 0;
  timed_out_ = false;
  if (buffer_.size() == 0) {
    state_ = State::kIdle;
    deadline_ = Clock::now() + shared_.idle_timeout;
    // The longest-idle connections are the first ones evicted near the connection cap.
    loop_.connections.splice(loop_.connections.end(), loop_.connections, registration_);
    WaitForRequest();
  } else {  // pipelined: the next request has already (partly) arrived
    state_ = State::kReading;
    started_ = Clock::now();
    window_start_ = started_;
    window_bytes_ = buffer_.size();
    deadline_ = std::min(started_ + shared_.read_timeout,
                         shared_.stall_timeout.count() > 0 ? window_start_ + shared_.stall_timeout
                                                           : Clock::time_point::max());
    Parse();
  }
}

void Connection::WaitForRequest() {
  if (tls_) {  // the TLS layer may already hold the next request's bytes
    ReadMore();
    return;
  }
  // An idle plain connection holds no read buffer: it waits for the socket to become readable.
  buffer_.shrink_to_fit();
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) {
                       if (ec || self->timed_out_ || self->state_ == State::kClosed) {
                         self->Close();  // peer gone, idle timeout, eviction or shutdown
                       } else {
                         self->ReadMore();
                       }
                     });
}

void Connection::ReadMore() {
  size_t want = kHeaderReadSize;
  if (parser_ && parser_->is_header_done()) {
    if (!ReserveBodyBytes()) {
      RejectAndClose(Rejection::kOverloaded);
      return;
    }
    want = kBodyReadSize;
    if (auto remaining = parser_->content_length_remaining()) {
      want = std::clamp<size_t>(size_t(*remaining), 1, kBodyReadSize);
    }
  }
  WithStream([&](auto& stream) {
    stream.async_read_some(buffer_.prepare(want),
                           [self = shared_from_this()](const error_code& ec, size_t bytes) {
                             self->OnRead(ec, bytes);
                           });
  });
}

bool Connection::ReserveBodyBytes() {
  // What the body may hold after the next read: what it has, plus one read.
  size_t next = kBodyReadSize;
  if (auto remaining = parser_->content_length_remaining()) {
    next = std::min<size_t>(size_t(*remaining), kBodyReadSize);
  }
  size_t held = parser_->get().body().size() + buffer_.size() + next;
  if (held <= kFreeBodyBytes) return true;
  size_t needed = (held - kFreeBodyBytes + kBodyReadSize - 1) / kBodyReadSize * kBodyReadSize;
  if (needed <= reserved_) return true;
  if (!shared_.body_budget.TryReserve(needed - reserved_)) return false;
  reserved_ = needed;
  return true;
}

void Connection::ReleaseBody() {
  if (request_.body.capacity() > kFreeBodyBytes) std::string().swap(request_.body);
  if (reserved_ > 0) {
    shared_.body_budget.Release(reserved_);
    reserved_ = 0;
  }
}

void Connection::OnRead(const error_code& ec, size_t bytes) {
  // A read that completed just as its deadline passed still counts as timed out: the deadline
  // is gone, so continuing would leave the connection without one.
  if (ec || timed_out_ || state_ == State::kClosed) {
    if (timed_out_ && state_ == State::kReading) {
      RejectAndClose(plain_on_tls_port_ ? Rejection::kPlainHttpOnTlsPort : Rejection::kTimeout);
    } else {
      Close();  // peer closed, idle timeout, eviction, shutdown or a socket error
    }
    return;
  }
  buffer_.commit(bytes);
  const auto now = Clock::now();
  if (state_ == State::kIdle) {
    state_ = State::kReading;
    started_ = now;  // the whole request must arrive in time
    window_start_ = now;
    window_bytes_ = 0;
  }
  // Progress: a request must bring stall_window_bytes within every stall_timeout, so a client
  // that stops, or drips, is cut off long before the whole-request limit.
  window_bytes_ += bytes;
  if (window_bytes_ >= shared_.stall_window_bytes) {
    window_start_ = now;
    window_bytes_ = 0;
  }
  deadline_ = std::min(started_ + shared_.read_timeout, shared_.stall_timeout.count() > 0
                                                            ? window_start_ + shared_.stall_timeout
                                                            : Clock::time_point::max());
  Parse();
}

void Connection::Parse() {
  error_code ec;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    const bool in_header = !parser_->is_header_done();
    if (in_header) {
      // Beast applies its header limit to what one put() sees, and consumes the start line (and
      // complete fields) of a partial header, so a header arriving in pieces could exceed it:
      // the limit passed on is what remains of the budget for the whole header.
      size_t max = shared_.options.max_header_bytes;
      size_t left = header_bytes_ < max ? max - header_bytes_ : 0;
      if (left == 0) {
        RejectAndClose(Rejection::kHeaderTooLarge);
        return;
      }
      parser_->header_limit(std::uint32_t(std::min<size_t>(left, UINT32_MAX)));
    }
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (in_header && !parser_->is_header_done()) {
      header_bytes_ += used;
      // Everything buffered belongs to the unfinished header; Beast clamps what it looks at to
      // the limit and would wait for more forever rather than refuse.
      if ((!ec || ec == bhttp::error::need_more) &&
          header_bytes_ + buffer_.size() >= shared_.options.max_header_bytes) {
        RejectAndClose(Rejection::kHeaderTooLarge);
        return;
      }
    }
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
  if (parser_->is_header_done() && !continue_sent_) {
    // Once per request, as soon as the header is complete and before any body is used.
    continue_sent_ = true;
    if (plain_on_tls_port_) {
      RejectAndClose(Rejection::kPlainHttpOnTlsPort);
      return;
    }
    if (!TransferEncodingAcceptable(parser_->get())) {
      RejectAndClose(Rejection::kBadFraming);
      return;
    }
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && boost::beast::iequals(expect->value(), "100-continue")) {
      SendContinue();
      return;
    }
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  ReadMore();
}

void Connection::SendContinue() {
  // The body is admitted (its declared size passed the limit), so the client may send it.
  WithStream([&](auto& stream) {
    asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                        if (ec) {
                          self->Close();
                        } else {
                          self->ReadMore();
                        }
                      });
  });
}

void Connection::OnParseError(const error_code& ec) {
  if (plain_on_tls_port_) {
    RejectAndClose(Rejection::kPlainHttpOnTlsPort);
  } else if (ec == bhttp::error::header_limit) {
    RejectAndClose(Rejection::kHeaderTooLarge);
  } else if (ec == bhttp::error::body_limit) {
    RejectAndClose(Rejection::kBodyTooLarge);
  } else {
    RejectAndClose(Rejection::kBadFraming);
  }
}

void Connection::Dispatch() {
  auto& message = parser_->get();
  state_ = State::kHandling;
  deadline_ = Clock::time_point::max();

  CopyRequestHead();
  request_.body = std::move(message.body());
  request_bytes_ = request_.body.size();
  if (peer_is_proxy_) {
    std::vector<std::string_view> forwarded;
    for (const auto& [name, value] : request_.headers) {
      if (name == "x-forwarded-for") forwarded.emplace_back(value);
    }
    request_.remote_address = shared_.proxies.ClientAddress(peer_, forwarded);
  } else {
    request_.remote_address = remote_address_;
  }
  request_.request_id = ids::RequestId();
  http10_ = message.version() == 10;
  keep_alive_ = message.keep_alive() && !closing_;
  head_request_ = message.method() == bhttp::verb::head;
  const std::string* origin = request_.Header("origin");
  allow_origin_ = origin != nullptr ? shared_.cors.AllowOrigin(*origin) : std::string_view();

  // The server's own endpoints never reach the handler.
  if (message.method() == bhttp::verb::options) {
    response_ = PreflightResponse(request_);
    FinishHandling();
    WriteResponse();
    return;
  }
  if (PathOf(request_.target) == "/healthz" &&
      (message.method() == bhttp::verb::get || head_request_)) {
    response_ = HealthResponse(!shared_.ready || shared_.ready());
    FinishHandling();
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
    FinishHandling();
    WriteResponse();
    return;
  }

  if (shared_.in_flight.fetch_add(1, std::memory_order_relaxed) >= shared_.options.max_in_flight) {
    shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    request_.body.clear();  // Reject() sees no body
    response_ = shared_.handler.Reject(request_, Rejection::kOverloaded);
    FinishHandling();
    WriteResponse();
    return;
  }
  counted_in_flight_ = true;
  if (shared_.handler.IsWrite(request_)) {
    RunOnWorker();
    return;
  }
  // Handlers return errors as values and catch what escapes them (Handler's contract).
  response_ = shared_.handler.Handle(request_);
  shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  counted_in_flight_ = false;
  FinishHandling();
  WriteResponse();
}

void Connection::RunOnWorker() {
  // Only the worker touches request_ and response_ until the completion is posted back; the
  // post orders its writes before the I/O thread's reads.
  // The worker hands its reference back with the completion, so the connection is always
  // destroyed on its own I/O thread.
  asio::post(*shared_.workers, [self = shared_from_this()]() mutable {
    current_server = &self->shared_;
    self->response_ = self->shared_.handler.Handle(self->request_);
    auto executor = self->socket_.get_executor();
    asio::post(executor, [self = std::move(self)] {
      self->shared_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      self->counted_in_flight_ = false;
      self->FinishHandling();
      self->WriteResponse();
    });
  });
}

void Connection::FinishHandling() {
  // The request is answered: its body's memory and budget go back before the response is sent.
  ReleaseBody();
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
  WithStream([&](auto& stream) {
    asio::async_write(stream, buffers, [self = shared_from_this()](const error_code& ec, size_t) {
      self->OnWrite(ec);
    });
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
  // or bytes pipelined after the last request. A TLS connection ends with close_notify.
  if (tls_ || refused_ || buffer_.size() > 0) {
    Linger();
  } else {
    Close();
  }
}

void Connection::CopyRequestHead() {
  const auto& message = parser_->get();
  request_.method.assign(message.method_string());
  request_.target.assign(message.target());
  request_.handler_note = nullptr;
  size_t count = 0;
  for (const auto& field : message) {
    if (count == request_.headers.size()) request_.headers.emplace_back();
    auto& [name, value] = request_.headers[count++];
    LowerCaseInto(name, field.name_string());
    value.assign(field.value());
  }
  request_.headers.resize(count);
}

void Connection::RejectAndClose(Rejection reason) {
  // What the parser saw of the request, for the handler, CORS and the access log (fields may be
  // partial or missing).
  request_.method.clear();
  request_.target.clear();
  request_.headers.clear();
  request_.body.clear();
  request_bytes_ = 0;
  request_.remote_address = remote_address_;
  request_.request_id = ids::RequestId();
  allow_origin_ = {};
  if (parser_ && parser_->got_some()) {
    CopyRequestHead();
    const std::string* origin = request_.Header("origin");
    if (origin != nullptr) allow_origin_ = shared_.cors.AllowOrigin(*origin);
  }
  parser_.reset();  // with whatever body it had buffered
  ReleaseBody();
  head_request_ = false;
  http10_ = false;
  keep_alive_ = false;
  refused_ = true;
  if (state_ != State::kReading) started_ = Clock::now();
  response_ = shared_.handler.Reject(request_, reason);
  WriteResponse();
}

void Connection::Linger() {
  state_ = State::kLingering;
  timed_out_ = false;
  deadline_ = Clock::now() + std::min<Clock::duration>(kLingerTime, shared_.read_timeout);
  if (tls_) {
    tls_->async_shutdown([self = shared_from_this()](const error_code&) { self->Close(); });
    return;
  }
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
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
                           request_bytes_, response_.body.size(), request_.request_id,
                           request_.remote_address);
}

}  // namespace cogsync::http::internal
