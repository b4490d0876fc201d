#pragma once
// Server configuration: defaults here, overridden by the config file, then the environment,
// then command-line flags (cli/config_loader.cc). docs/configuration.md lists every setting.

#include <cstdint>
#include <string>
#include <vector>

namespace cogsync {

// Limits with AWS's published values as defaults (cognito-behaviour.md §4, DECISIONS D19).
struct Limits {
  int max_identity_pools = 1000;
  int datasets_per_identity = 20;
  int records_per_dataset = 1024;
  int64_t dataset_bytes = 1024 * 1024;
  int key_bytes = 128;
  int64_t value_bytes = 1024 * 1024;
  int linked_logins = 20;
  int tags_per_pool = 50;
};

// A login provider whose JWTs cogsync verifies (D12): keyed by the provider name used in Logins
// (e.g. "accounts.google.com", "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc").
struct LoginProviderConfig {
  std::string name;
  std::string jwks_file;  // one of jwks_file / jwks_url
  std::string jwks_url;
  std::string issuer;     // expected `iss`; default "https://<name>"
  std::vector<std::string> audiences;  // accepted `aud` values; empty: the pool decides
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string store_url;  // sqlite:PATH or postgresql://...; empty: sqlite:<data_dir>/cogsync.db
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Issuer of the OpenID tokens cogsync mints (D13).
  std::string public_url = "https://cognito-identity.amazonaws.com";
  bool test_mode = false;  // enables /moto-api/reset and /moto-api/reset-auth
  // Trust the contents of login tokens of providers that have no JWKS configured (D12). Never
  // for production: anyone can forge such a token.
  bool insecure_trust_login_tokens = false;
  int io_threads = 0;  // 0: one per core
  int worker_threads = 32;
  int64_t max_body_bytes = 2 * 1024 * 1024 + 64 * 1024;
  int read_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int sqlite_read_connections = 8;
  int64_t sqlite_cache_kib = 16384;
  int postgres_pool_size = 8;  // sessions per node (each node opens up to this many)
  std::string log_level = "info";
  bool access_log = true;
  std::vector<std::string> cors_allowed_origins = {"*"};
  Limits limits;
  std::vector<LoginProviderConfig> login_providers;
};

}  // namespace cogsync
