#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace cogsync::http::internal {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites: ECDHE key exchange, AEAD ciphers. TLS 1.3 suites are
// OpenSSL's defaults, all of which qualify.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure, its error queue emptied.
std::string OpenSslReason(const boost::system::error_code& ec) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return ec ? ec.message() : "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

Result<std::shared_ptr<ssl::context>> Build(const std::string& cert_file,
                                            const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use,
                   ec);
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return ApiError::InternalError("TLS: cannot set up the protocol versions and ciphers: " +
                                   OpenSslReason(ec));
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return ApiError::InternalError("TLS: cannot use the certificate chain in " + cert_file + ": " +
                                   OpenSslReason(ec));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return ApiError::InternalError("TLS: cannot use the private key in " + key_file + ": " +
                                   OpenSslReason(ec));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return ApiError::InternalError("TLS: the private key in " + key_file +
                                   " does not match the certificate in " + cert_file + ": " +
                                   OpenSslReason({}));
  }
  return ctx;
}

}  // namespace

Result<std::unique_ptr<TlsContexts>> TlsContexts::Create(std::string cert_file,
                                                         std::string key_file) {
  std::unique_ptr<TlsContexts> contexts(new TlsContexts(std::move(cert_file), std::move(key_file)));
  COGSYNC_RETURN_IF_ERROR(contexts->Reload());
  return contexts;
}

Status TlsContexts::Reload() {
  COGSYNC_ASSIGN_OR_RETURN(auto ctx, Build(cert_file_, key_file_));
  MutexLock lock(mu_);
  current_ = std::move(ctx);
  return OkStatus();
}

std::shared_ptr<ssl::context> TlsContexts::Current() const {
  MutexLock lock(mu_);
  return current_;
}

}  // namespace cogsync::http::internal
