#pragma once
// The server's TLS settings (OpenSSL through Asio): a PEM certificate chain and private key,
// TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites, no compression, no renegotiation.
// Internal to src/http.
//
// Reload() reads the files again into a new context; connections keep the context they started
// with (it lives as long as they do), new connections get the newest. A failed reload keeps the
// previous context. Thread-safe.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/mutex.h"

namespace cogsync::http::internal {

class TlsContexts {
 public:
  // Reads the files; an error names the file and OpenSSL's reason.
  static Result<std::unique_ptr<TlsContexts>> Create(std::string cert_file, std::string key_file);
  Status Reload() EXCLUDES(mu_);
  std::shared_ptr<boost::asio::ssl::context> Current() const EXCLUDES(mu_);

 private:
  TlsContexts(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  const std::string cert_file_;
  const std::string key_file_;
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ GUARDED_BY(mu_);
};

}  // namespace cogsync::http::internal
