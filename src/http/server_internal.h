#pragma once
// State shared between the server and its connections. Internal to src/http.

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <thread>

#include "http/admission.h"
#include "http/message.h"
#include "http/response_writer.h"
#include "http/server.h"
#include "http/tls.h"

namespace cogsync::http::internal {

class Connection;

// One I/O thread with its own io_context and the connections living on it. Everything here but
// `ioc` itself is touched only from that thread.
struct Loop {
  // Declared before `ioc` so that it is still alive when the io_context's destructor destroys
  // pending handlers, which may hold the last reference to a connection. A connection moves to
  // the back whenever it becomes idle, so idle ones near the front have waited longest.
  std::list<Connection*> connections;
  boost::asio::io_context ioc{1};  // one thread runs it
  boost::asio::steady_timer sweep_timer{ioc};
  std::thread thread;
};

// Read-mostly configuration plus the counters every connection updates.
struct Shared {
  Shared(ServerOptions opts, Handler& h, std::function<bool()> r)
      : options(std::move(opts)),
        handler(h),
        ready(std::move(r)),
        cors(options.cors_allowed_origins),
        read_timeout(std::chrono::seconds(options.read_timeout_seconds)),
        idle_timeout(std::chrono::seconds(options.idle_timeout_seconds)),
        stall_timeout(std::chrono::seconds(options.read_stall_seconds)),
        stall_window_bytes(options.min_read_bytes_per_second *
                           size_t(std::max(options.read_stall_seconds, 0))),
        body_budget(options.max_buffered_body_bytes),
        sources(options.max_connections_per_address) {}

  const ServerOptions options;
  Handler& handler;
  const std::function<bool()> ready;
  const CorsPolicy cors;
  const std::chrono::steady_clock::duration read_timeout;
  const std::chrono::steady_clock::duration idle_timeout;
  // A request being read must bring stall_window_bytes within every stall_timeout (or finish).
  const std::chrono::steady_clock::duration stall_timeout;
  const size_t stall_window_bytes;
  BodyBudget body_budget;
  SourceLimiter sources;
  TrustedProxies proxies;                      // set by Start()
  std::unique_ptr<TlsContexts> tls;            // null: no TLS listener
  std::shared_ptr<spdlog::logger> access_log;  // null: access log off
  boost::asio::thread_pool* workers = nullptr;

  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
  std::atomic<bool> stopping{false};
};

// The server whose I/O or worker thread this is (null elsewhere): Stop() must not join the
// threads it is called from.
inline thread_local const Shared* current_server = nullptr;

}  // namespace cogsync::http::internal
