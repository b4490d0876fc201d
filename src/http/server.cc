#include "http/server.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "http/connection.h"
#include "http/server_internal.h"

namespace cogsync::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using internal::Connection;
using internal::Loop;

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr size_t kAccessLogQueue = 8192;

// The sweep must be fine-grained enough for the shortest timeout yet cheap when idle.
std::chrono::milliseconds SweepInterval(const ServerOptions& options) {
  int shortest = std::min(options.read_timeout_seconds, options.idle_timeout_seconds);
  if (options.read_stall_seconds > 0) shortest = std::min(shortest, options.read_stall_seconds);
  auto interval = std::chrono::milliseconds(std::max(shortest, 0) * 1000 / 10);
  return std::clamp(interval, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler& handler, std::function<bool()> ready)
      : shared(std::move(options), handler, std::move(ready)),
        sweep_interval(SweepInterval(shared.options)) {}

  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool tls = false;
    uint16_t port = 0;
  };

  Status Start();
  Result<Listener> Bind(const std::string& host, uint16_t port, bool tls);
  void Accept(Listener& listener);
  // Decides on a new connection: over the connection cap or its address's cap it is closed;
  // near the cap the longest-idle connection of `target` makes room for it.
  void Admit(Loop& target, const Listener& listener, tcp::socket socket);
  void WatchSignals();
  void ScheduleSweep(Loop& loop);
  // Non-blocking: stops accepting and asks every connection to finish. Safe from any thread.
  void RequestStop();
  // Blocking: waits for the drain (bounded), then stops and joins every thread.
  void Finish();
  bool OnOwnThread() const { return internal::current_server == &shared; }

  internal::Shared shared;
  const std::chrono::milliseconds sweep_interval;
  // Loops and pool are declared after `shared`, so connections they destroy can still update
  // its counters.
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<Listener> listeners;  // [0]: host:port (TLS when configured), [1]: plain HTTP
  std::unique_ptr<asio::signal_set> signals;
  std::shared_ptr<spdlog::details::thread_pool> log_pool;
  size_t next_loop = 0;  // touched by the first loop only (every acceptor runs there)
  uint16_t port = 0;
  uint16_t plain_port = 0;

  Mutex mu;
  std::condition_variable state_cv;
  bool started GUARDED_BY(mu) = false;
  bool stop_requested GUARDED_BY(mu) = false;
  bool finishing GUARDED_BY(mu) = false;
  bool finished GUARDED_BY(mu) = false;
};

Result<Server::Impl::Listener> Server::Impl::Bind(const std::string& host, uint16_t port,
                                                  bool tls) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  tcp::endpoint endpoint;
  if (ec) {
    tcp::resolver resolver(loops[0]->ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return ApiError::InternalError("cannot resolve listen host '" + host + "'");
    }
    endpoint = results.begin()->endpoint();
  } else {
    endpoint = tcp::endpoint(address, port);
  }
  Listener listener;
  listener.tls = tls;
  listener.acceptor = std::make_unique<tcp::acceptor>(loops[0]->ioc);
  auto fail = [&](const char* what) -> ApiError {
    return ApiError::InternalError(std::string(what) + " " + host + ":" + std::to_string(port) +
                                   ": " + ec.message());
  };
  listener.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open a socket for");
  listener.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("cannot set up");
  listener.acceptor->bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  listener.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  listener.port = listener.acceptor->local_endpoint(ec).port();
  return listener;
}

Status Server::Impl::Start() {
  {
    MutexLock lock(mu);
    if (started) return ApiError::InternalError("the HTTP server was already started");
  }
  const ServerOptions& options = shared.options;
  COGSYNC_ASSIGN_OR_RETURN(shared.proxies,
                           internal::TrustedProxies::Parse(options.trusted_proxies));
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return ApiError::InvalidParameter("TLS needs both a certificate file and a key file");
    }
    COGSYNC_ASSIGN_OR_RETURN(
        shared.tls, internal::TlsContexts::Create(options.tls_cert_file, options.tls_key_file));
  }
  size_t io_threads = options.io_threads > 0 ? size_t(options.io_threads)
                                             : std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < io_threads; ++i) loops.push_back(std::make_unique<Loop>());

  auto main_listener = Bind(options.host, options.port, tls);
  if (!main_listener.ok()) {
    loops.clear();
    return main_listener.error();
  }
  listeners.push_back(std::move(main_listener).value());
  port = listeners[0].port;
  if (options.plain_port) {
    auto plain = Bind(options.plain_host.empty() ? options.host : options.plain_host,
                      *options.plain_port, false);
    if (!plain.ok()) {
      listeners.clear();
      loops.clear();
      return plain.error();
    }
    listeners.push_back(std::move(plain).value());
    plain_port = listeners[1].port;
  }

  if (options.access_log) {
    if (options.access_logger) {
      shared.access_log = options.access_logger;
    } else {
      // A private queue and thread rather than spdlog's global ones: I/O threads only enqueue,
      // and when the queue is full the oldest lines are dropped instead of blocking them.
      log_pool = std::make_shared<spdlog::details::thread_pool>(kAccessLogQueue, 1);
      shared.access_log = std::make_shared<spdlog::async_logger>(
          "access", std::make_shared<spdlog::sinks::stdout_sink_mt>(), log_pool,
          spdlog::async_overflow_policy::overrun_oldest);
      shared.access_log->set_level(spdlog::level::info);
    }
  }

  workers = std::make_unique<asio::thread_pool>(size_t(std::max(1, options.worker_threads)));
  shared.workers = workers.get();
  {
    MutexLock lock(mu);
    started = true;
  }
  for (auto& listener : listeners) Accept(listener);
  for (auto& loop : loops) {
    ScheduleSweep(*loop);
    loop->thread = std::thread([this, l = loop.get()] {
      internal::current_server = &shared;
      l->ioc.run();
    });
  }
  return OkStatus();
}

void Server::Impl::Accept(Listener& listener) {
  Loop& target = *loops[next_loop];
  next_loop = (next_loop + 1) % loops.size();
  listener.acceptor->async_accept(
      target.ioc, [this, &target, &listener](const error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !listener.acceptor->is_open()) return;
        if (ec) {
          // Usually out of file descriptors: retry shortly rather than spin.
          auto timer = std::make_shared<asio::steady_timer>(loops[0]->ioc, kAcceptRetryDelay);
          timer->async_wait([this, timer, &listener](const error_code&) {
            if (listener.acceptor->is_open()) Accept(listener);
          });
          return;
        }
        Admit(target, listener, std::move(socket));
        Accept(listener);
      });
}

void Server::Impl::Admit(Loop& target, const Listener& listener, tcp::socket socket) {
  const ServerOptions& options = shared.options;
  const size_t count = shared.connections.load(std::memory_order_relaxed);
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec || count >= options.max_connections) {
    socket.close(ec);
    return;
  }
  std::string source;
  if (options.max_connections_per_address > 0 && !shared.proxies.Contains(endpoint.address())) {
    source = internal::SourceKey(endpoint.address());
    if (!shared.sources.TryAdd(source)) {
      socket.close(ec);
      return;
    }
  }
  shared.connections.fetch_add(1, std::memory_order_relaxed);
  // From 95% of the cap on (at least one below it), each new connection evicts an idle one.
  const bool evict =
      count + std::max<size_t>(1, options.max_connections / 20) >= options.max_connections;
  auto tls = listener.tls ? shared.tls->Current() : nullptr;
  asio::post(target.ioc, [this, &target, evict, s = std::move(socket), source = std::move(source),
                          tls = std::move(tls)]() mutable {
    if (evict) {
      for (Connection* connection : target.connections) {
        if (connection->EvictIfIdle()) break;
      }
    }
    std::make_shared<Connection>(shared, target, std::move(s), std::move(source), std::move(tls))
        ->Start();
  });
}

void Server::Impl::ScheduleSweep(Loop& loop) {
  loop.sweep_timer.expires_after(sweep_interval);
  loop.sweep_timer.async_wait([this, &loop](const error_code& ec) {
    if (ec) return;
    auto now = std::chrono::steady_clock::now();
    for (Connection* connection : loop.connections) connection->CheckDeadline(now);
    ScheduleSweep(loop);
  });
}

void Server::Impl::RequestStop() {
  {
    MutexLock lock(mu);
    if (!started || stop_requested) return;
    stop_requested = true;
  }
  shared.stopping.store(true);
  state_cv.notify_all();
  asio::post(loops[0]->ioc, [this] {
    error_code ignored;
    for (auto& listener : listeners) listener.acceptor->close(ignored);
    if (signals) signals->cancel(ignored);
  });
  for (auto& loop : loops) {
    asio::post(loop->ioc, [l = loop.get()] {
      for (Connection* connection : l->connections) connection->BeginShutdown();
    });
  }
}

void Server::Impl::Finish() {
  MutexLock lock(mu);
  if (!started) return;
  while (!stop_requested) state_cv.wait(lock.native());
  if (finishing) {  // another thread is already doing it
    while (!finished) state_cv.wait(lock.native());
    return;
  }
  finishing = true;
  lock.Unlock();

  // Connections close themselves once their current request is answered.
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::seconds(std::max(0, shared.options.shutdown_timeout_seconds));
  while (shared.connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& loop : loops) loop->ioc.stop();
  for (auto& loop : loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  // Requests still queued are abandoned (their connections are gone); running ones finish.
  workers->stop();
  workers->join();
  signals.reset();
  listeners.clear();
  loops.clear();  // destroys the remaining connections
  shared.workers = nullptr;
  if (shared.access_log) shared.access_log->flush();

  lock.Lock();
  finished = true;
  state_cv.notify_all();
}

Server::Server(ServerOptions options, Handler& handler, std::function<bool()> ready)
    : impl_(std::make_unique<Impl>(std::move(options), handler, std::move(ready))) {}

Server::~Server() {
  // Stopping can only fail on a thread or mutex error of the system. The threads still running
  // would then use the state this destructor frees, so the process ends here, saying why, rather
  // than with an exception no caller can catch.
  try {
    impl_->RequestStop();
    if (!impl_->OnOwnThread()) impl_->Finish();
  } catch (const std::exception& e) {
    spdlog::critical("cannot stop the HTTP server: {}", e.what());
    std::abort();
  }
}

Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port; }

uint16_t Server::plain_port() const { return impl_->plain_port; }

Status Server::ReloadTls() {
  if (!impl_->shared.tls) return ApiError::InvalidParameter("TLS is not configured");
  return impl_->shared.tls->Reload();
}

void Server::Impl::WatchSignals() {
  signals->async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      // Reading two small files on the I/O thread: rare, and only when the operator asks.
      if (auto s = shared.tls->Reload(); s.ok()) {
        spdlog::info("SIGHUP: reloaded the TLS certificate and key");
      } else {
        spdlog::error("SIGHUP: {}; still serving the previous certificate", s.error().message());
      }
      WatchSignals();
      return;
    }
    RequestStop();  // on an I/O thread: Wait() completes the shutdown
  });
}

void Server::Stop() {
  impl_->RequestStop();
  if (!impl_->OnOwnThread()) impl_->Finish();
}

void Server::Wait() { impl_->Finish(); }

void InstallSignalHandlers(Server& server) {
  Server::Impl& impl = *server.impl_;
  if (impl.loops.empty()) return;
  impl.signals = std::make_unique<asio::signal_set>(impl.loops[0]->ioc, SIGINT, SIGTERM);
  if (impl.shared.tls) impl.signals->add(SIGHUP);
  impl.WatchSignals();
}

}  // namespace cogsync::http
