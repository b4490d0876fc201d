#pragma once
// Server configuration: defaults here, overridden by the config file, then the environment,
// then command-line flags (cli/main.cc, cli/config_file.cc). docs/configuration.md lists every
// setting.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cogsync {

// Limits with AWS's published values as defaults (AWS's Cognito quotas, docs/decisions.md D19).
struct Limits {
  int max_identity_pools = 1000;
  int datasets_per_identity = 20;
  int records_per_dataset = 1024;
  int64_t dataset_bytes = 1024 * 1024;
  int key_bytes = 128;
  int64_t value_bytes = 1024 * 1024;
  int linked_logins = 20;
  int tags_per_pool = 50;
  // D16: tombstones kept per dataset; past it the oldest older than the grace is purged.
  int tombstones_per_dataset = 4096;
  int tombstone_grace_days = 30;
  // D19: what one anonymous identity may make the server store or send.
  int record_patches_per_request = 1024;
  int deleted_datasets_per_identity = 8;  // deletion markers beyond the live datasets
  int devices_per_identity = 10;
  int push_token_bytes = 4096;
};

// A login provider whose JWTs cogsync verifies (D12): keyed by the provider name used in Logins
// (e.g. "accounts.google.com", "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc").
struct LoginProviderConfig {
  std::string name;
  std::string jwks_file;  // one of jwks_file / jwks_url
  std::string jwks_url;
  std::string issuer;                  // expected `iss`; default "https://<name>"
  std::vector<std::string> audiences;  // accepted `aud` values; empty: the pool decides
  // Instead of a JWKS: a token verifier hook (opaque tokens such as Facebook access tokens). The
  // URL is called with the token (POST form `token=...`, or GET with `{token}` in the URL) and
  // its JSON answer names the subject; docs/configuration.md "Token verifier hooks".
  std::string verifier_url;
  std::string verifier_method = "POST";                               // POST or GET
  std::vector<std::pair<std::string, std::string>> verifier_headers;  // e.g. authorization
  std::string verifier_subject_pointer = "/sub";  // JSON pointer to the subject (string/number)
  std::string verifier_active_pointer;            // JSON pointer to a boolean that must be true
  std::string verifier_audience_pointer;  // JSON pointer to the client/app id the pool expects
  int64_t verifier_timeout_ms = 2000;
  int64_t verifier_cache_seconds = 300;  // answers (both ways) are reused this long
  int64_t verifier_cache_entries = 10000;
};

// Lazy login binding during a migration from Amazon Cognito (D29; docs/migration.md): a login
// cogsync does not know is forwarded once to the source's public GetId until window_end_ms.
struct MigrationConfig {
  std::string source_endpoint;      // e.g. https://cognito-identity.us-east-1.amazonaws.com
  std::string source_region;        // instead of source_endpoint: AWS's endpoint of that region
  std::string account_id;           // AccountId sent with GetId; empty: not sent
  int64_t window_end_ms = 0;        // 0: no window (no forwarding)
  int64_t timeout_ms = 2000;        // each forward, whole exchange
  int max_concurrent_forwards = 8;  // per node; more answer a retryable error at once
  // The source's GetId URL, or empty when no migration is configured.
  std::string SourceUrl() const {
    if (!source_endpoint.empty()) return source_endpoint;
    if (!source_region.empty())
      return "https://cognito-identity." + source_region + ".amazonaws.com/";
    return "";
  }
};

// Throttling (token buckets; AWS publishes per-account rates). The public Cognito Identity
// operations are limited per source address at AWS's published rates; Cognito Sync writes per
// identity (AWS publishes no Sync rate: 20/s is cogsync's choice). A bucket holds burst_seconds of
// requests. Throttled calls get TooManyRequestsException (Sync 429, Identity 400).
struct ThrottleConfig {
  // On by default; off under --test-mode unless the config file sets it (test suites written
  // for moto expect no throttling).
  std::optional<bool> enabled;
  double get_id_rps = 25;
  double get_open_id_token_rps = 200;
  double get_credentials_for_identity_rps = 200;
  double unlink_identity_rps = 25;
  double sync_writes_per_identity_rps = 20;
  // D19: records written by Sync writes per identity (each UpdateRecords costs its patches).
  double sync_rows_per_identity_rps = 2048;
  double burst_seconds = 2;
  int64_t max_tracked_keys = 100000;  // bounds the memory of the buckets
};

// Outbound integrations (D25; docs/configuration.md "integrations"): where Cognito Streams,
// the SyncTrigger and push notifications go, and how the outbox retries.
struct IntegrationsConfig {
  // Credentials for every outbound AWS call (Kinesis, Lambda, SNS), SigV4-signed for `region`.
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string aws_session_token;
  std::string kinesis_endpoint;  // Kinesis PutRecord; empty: the JSON-lines file sink
  std::string stream_files_dir;  // the file sink; empty: <data_dir>/streams
  std::string lambda_endpoint;   // Lambda Invoke for SyncTrigger functions
  // SyncTrigger function ARN -> plain HTTP URL taking the same event (preferred over Lambda).
  std::vector<std::pair<std::string, std::string>> sync_trigger_urls;
  int64_t trigger_timeout_ms = 5000;
  std::string sns_endpoint;      // push: CreatePlatformEndpoint and Publish
  std::string push_webhook_url;  // push without SNS
  int64_t outbox_retry_initial_ms = 200;
  int64_t outbox_retry_max_ms = 30000;
  int64_t outbox_poll_ms = 500;        // how often to look for work other nodes wrote
  int64_t request_timeout_ms = 10000;  // each delivery request
  // Push notifications are hints (clients re-sync anyway): one still undeliverable after this
  // long is dropped with a warning. Stream records are never dropped.
  int64_t push_max_age_ms = 24 * 3600 * 1000;
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
  // Outbound calls that hold a worker while they wait (SyncTrigger, SNS CreatePlatformEndpoint,
  // JWKS fetches; common/outbound_limiter.h): at most this many per identity pool, and in total
  // (0: half of worker_threads), so a hanging upstream cannot starve the other pools.
  int outbound_calls_per_pool = 4;
  int outbound_calls_total = 0;
  int64_t max_body_bytes = 2 * 1024 * 1024 + 64 * 1024;
  int64_t max_buffered_body_bytes = 64 * 1024 * 1024;  // all connections' request bodies
  int read_timeout_seconds = 30;
  int read_stall_seconds = 10;               // a request being read must make progress within it
  int64_t min_read_bytes_per_second = 1024;  // ... of at least this rate
  int idle_timeout_seconds = 60;
  int64_t max_connections = 10000;
  int64_t max_connections_per_address = 256;  // 0: no limit
  // Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For names the client.
  std::vector<std::string> trusted_proxies;
  // HTTPS: with both set, `listen` speaks TLS only; SIGHUP re-reads both files.
  std::string tls_cert_file;
  std::string tls_key_file;
  // HOST:PORT of an additional plain-HTTP listener; empty: none.
  std::string plain_listen;
  int sqlite_read_connections = 8;
  int64_t sqlite_cache_kib = 16384;
  // Memory for the records of recently read datasets (ListRecords from memory); 0: none.
  int dataset_cache_mib = 32;
  int postgres_pool_size = 16;  // sessions per node (each node opens up to this many)
  std::string log_level = "info";
  bool access_log = true;
  std::vector<std::string> cors_allowed_origins = {"*"};
  // Host headers (host[:port], exact, case-insensitive) under which the OpenID discovery
  // document may point jwks_uri when public_url is the default (AWS's) issuer. Loopback hosts
  // are always allowed; any other Host gets 404, so a forged Host never reaches a cache.
  std::vector<std::string> discovery_hosts;
  Limits limits;
  ThrottleConfig throttle;
  IntegrationsConfig integrations;
  std::vector<LoginProviderConfig> login_providers;
  MigrationConfig migration;
};

}  // namespace cogsync
