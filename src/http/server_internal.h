#pragma once
// State shared between the server and its connections. Internal to src/http.

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

#include "http/message.h"
#include "http/response_writer.h"
#include "http/server.h"

namespace cogsync::http::internal {

class Connection;

// One I/O thread with its own io_context and the connections living on it. Everything here but
// `ioc` itself is touched only from that thread.
struct Loop {
  // Declared before `ioc` so that it is still alive when the io_context's destructor destroys
  // pending handlers, which may hold the last reference to a connection.
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
        idle_timeout(std::chrono::seconds(options.idle_timeout_seconds)) {}

  const ServerOptions options;
  Handler& handler;
  const std::function<bool()> ready;
  const CorsPolicy cors;
  const std::chrono::steady_clock::duration read_timeout;
  const std::chrono::steady_clock::duration idle_timeout;
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
