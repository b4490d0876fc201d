#pragma once
// The HTTP/1.1 front door, over plain TCP or TLS: accepts connections, enforces size, time,
// memory and connection limits, answers its own endpoints (/healthz, CORS preflights) and hands
// every other request to a Handler; requests it refuses are described to the Handler by a
// Rejection reason, which the Handler encodes.
//
// Threading: `io_threads` threads each run their own io_context, and every connection lives on
// exactly one of them for its whole life. A connection's state is therefore only touched by one
// thread, so the hot path needs neither strands nor locks, and no io_context is contended by
// several threads (a shared io_context serialises all threads on its scheduler mutex). One
// acceptor, on the first loop, hands new sockets to the loops round-robin. Requests for which
// `Handler::IsWrite` is true (they block on durable commits) run on a separate worker pool; their
// response is posted back to the connection's io_context and written from there. All other
// requests run inline on the connection's I/O thread, so the handler must not block for them.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "http/message.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace cogsync::http {

class Metrics;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: the system picks a free port; read it back with Server::port()
  int io_threads = 0;    // 0: one per core
  int worker_threads = 32;
  // The request line plus all header fields together; beyond it: 431, close.
  size_t max_header_bytes = 16 * 1024;
  // UpdateRecords can carry a 1 MB value plus JSON escaping. Beyond it: 413 before reading it.
  size_t max_body_bytes = 2 * 1024 * 1024 + 64 * 1024;
  // Request-body bytes all connections together may hold in memory (each connection's first
  // 16 KiB of body excepted); a body that needs more is refused with a 503 (kOverloaded).
  size_t max_buffered_body_bytes = 64 * 1024 * 1024;
  int read_timeout_seconds = 30;  // a whole request (and a whole response write) must fit in it
  // Progress while a request is read: at least min_read_bytes_per_second * read_stall_seconds
  // bytes within every read_stall_seconds (or the end of the request); else 408. 0: no check.
  int read_stall_seconds = 10;
  size_t min_read_bytes_per_second = 1024;
  int idle_timeout_seconds = 60;  // keep-alive connection with no request started
  // Beyond it new connections are closed at once; from 95% of it on, each new connection closes
  // the longest-idle keep-alive connection of its I/O thread instead.
  size_t max_connections = 10000;
  // Open connections per source address (an IPv6 /64 counts as one); 0: no limit. Connections
  // from trusted proxies are not counted.
  size_t max_connections_per_address = 256;
  // Addresses or CIDR networks of reverse proxies whose X-Forwarded-For names the client (for
  // throttling and logs). Empty: the TCP peer is the client and X-Forwarded-For is ignored.
  std::vector<std::string> trusted_proxies;
  size_t max_in_flight = 4096;  // requests being handled; beyond it: 503 at once
  // TLS: when both are set, host:port speaks HTTPS only (TLS 1.2+), with this PEM certificate
  // chain and key, re-read by ReloadTls() (SIGHUP after InstallSignalHandlers).
  std::string tls_cert_file;
  std::string tls_key_file;
  // A second listener for plain HTTP (e.g. /healthz for a load balancer beside TLS), when set.
  std::string plain_host;
  std::optional<uint16_t> plain_port;  // 0: the system picks a free port
  int shutdown_timeout_seconds = 10;   // how long Stop() waits for in-flight requests
  // "*" allows every origin; otherwise exact origins such as "https://app.example.com".
  std::vector<std::string> cors_allowed_origins = {"*"};
  bool access_log = true;
  // Where access log lines go (info level). Null: an asynchronous stdout logger owned by the
  // server. The caller sets that logger's level and sinks; the line never holds headers, bodies,
  // query strings or tokens.
  std::shared_ptr<spdlog::logger> access_logger;
  // Not owned; must outlive the server. When set, every request is counted in it and
  // GET /metrics serves it (Prometheus text); when null, /metrics goes to the handler.
  Metrics* metrics = nullptr;
};

class Server {
 public:
  // `handler` must outlive the server and be thread-safe. `ready`, when given, is called from I/O
  // threads for every GET /healthz and must be thread-safe and cheap; until it returns true
  // /healthz answers 503.
  Server(ServerOptions options, Handler& handler, std::function<bool()> ready = nullptr);
  ~Server();  // Stop()s if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O and worker threads. An error (address in use, bad host,
  // started twice) leaves nothing running.
  Status Start();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;
  // The plain-HTTP listener's port when one is configured; 0 otherwise.
  uint16_t plain_port() const;

  // Reads the TLS certificate and key again; new connections use them, established ones keep
  // theirs. A failure (logged by the caller) keeps the previous ones. Thread-safe.
  Status ReloadTls();

  // Graceful stop: stops accepting, closes idle connections, lets requests already received
  // finish (their responses carry Connection: close), waits at most shutdown_timeout_seconds for
  // them, then closes everything and joins all threads. Idempotent and thread-safe. Called from
  // an I/O thread or a handler (e.g. a signal handler on the server's loop) it only starts the
  // shutdown and returns; Wait() then completes it.
  void Stop();
  // Blocks until Stop() has been called (from anywhere, including a signal) and the shutdown is
  // complete. Returns at once if the server never started.
  void Wait();

 private:
  friend void InstallSignalHandlers(Server& server);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Makes SIGINT and SIGTERM call Stop() (graceful), and SIGHUP call ReloadTls() when TLS is on
// (the outcome is logged). Call after a successful Start(); the signals are watched by the
// server's first I/O loop, so the caller then blocks in Wait(), which finishes the shutdown on
// the caller's thread.
void InstallSignalHandlers(Server& server);

}  // namespace cogsync::http
