#include "cli/config_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "common/http_client.h"
#include "common/json.h"
#include "common/time_format.h"

namespace cogsync::cli {
namespace {

namespace bj = boost::json;

std::string Normalize(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

ApiError Bad(const std::string& what) { return ApiError::InvalidParameter("config file: " + what); }

Status ReadString(const bj::value& v, const std::string& key, std::string& out) {
  if (!v.is_string()) return Bad(key + " must be a string");
  out = std::string(v.get_string());
  return OkStatus();
}

template <typename Int>
Status ReadInt(const bj::value& v, const std::string& key, Int& out) {
  if (!v.is_int64() && !v.is_uint64()) return Bad(key + " must be an integer");
  out = static_cast<Int>(v.to_number<int64_t>());
  return OkStatus();
}

Status ReadBool(const bj::value& v, const std::string& key, bool& out) {
  if (!v.is_bool()) return Bad(key + " must be true or false");
  out = v.get_bool();
  return OkStatus();
}

Status ReadStrings(const bj::value& v, const std::string& key, std::vector<std::string>& out) {
  if (!v.is_array()) return Bad(key + " must be an array of strings");
  out.clear();
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return Bad(key + " must be an array of strings");
    out.emplace_back(e.get_string());
  }
  return OkStatus();
}

Status ReadDouble(const bj::value& v, const std::string& key, double& out) {
  if (!v.is_number()) return Bad(key + " must be a number");
  out = v.to_number<double>();
  if (out < 0) return Bad(key + " must not be negative");
  return OkStatus();
}

Status ReadThrottle(const bj::value& v, ThrottleConfig& t) {
  if (!v.is_object()) return Bad("throttle must be an object");
  for (const auto& kv : v.get_object()) {
    std::string k = Normalize(kv.key());
    if (k == "enabled") {
      bool on = false;
      COGSYNC_RETURN_IF_ERROR(ReadBool(kv.value(), k, on));
      t.enabled = on;
    } else if (k == "get_id_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.get_id_rps));
    else if (k == "get_open_id_token_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.get_open_id_token_rps));
    else if (k == "get_credentials_for_identity_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.get_credentials_for_identity_rps));
    else if (k == "unlink_identity_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.unlink_identity_rps));
    else if (k == "sync_writes_per_identity_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.sync_writes_per_identity_rps));
    else if (k == "sync_rows_per_identity_rps")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.sync_rows_per_identity_rps));
    else if (k == "burst_seconds")
      COGSYNC_RETURN_IF_ERROR(ReadDouble(kv.value(), k, t.burst_seconds));
    else if (k == "max_tracked_keys")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, t.max_tracked_keys));
    else
      return Bad("unknown throttle setting " + std::string(kv.key()));
  }
  return OkStatus();
}

Status ReadIntegrations(const bj::value& v, IntegrationsConfig& c) {
  if (!v.is_object()) return Bad("integrations must be an object");
  for (const auto& kv : v.get_object()) {
    std::string k = Normalize(kv.key());
    const bj::value& x = kv.value();
    if (k == "aws_access_key_id")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.aws_access_key_id));
    else if (k == "aws_secret_access_key")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.aws_secret_access_key));
    else if (k == "aws_session_token")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.aws_session_token));
    else if (k == "kinesis_endpoint")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.kinesis_endpoint));
    else if (k == "stream_files_dir")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.stream_files_dir));
    else if (k == "lambda_endpoint")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.lambda_endpoint));
    else if (k == "sns_endpoint")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.sns_endpoint));
    else if (k == "push_webhook_url")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, c.push_webhook_url));
    else if (k == "trigger_timeout_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.trigger_timeout_ms));
    else if (k == "outbox_retry_initial_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.outbox_retry_initial_ms));
    else if (k == "outbox_retry_max_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.outbox_retry_max_ms));
    else if (k == "outbox_poll_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.outbox_poll_ms));
    else if (k == "request_timeout_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.request_timeout_ms));
    else if (k == "push_max_age_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, c.push_max_age_ms));
    else if (k == "sync_trigger_urls") {
      if (!x.is_object()) return Bad("sync_trigger_urls must map function ARNs to URLs");
      for (const auto& m : x.get_object()) {
        if (!m.value().is_string()) return Bad("sync_trigger_urls must map function ARNs to URLs");
        c.sync_trigger_urls.emplace_back(std::string(m.key()), std::string(m.value().get_string()));
      }
    } else
      return Bad("unknown integrations setting " + std::string(kv.key()));
  }
  // Endpoints and URLs are checked now rather than at the first delivery.
  std::vector<std::pair<std::string, std::string>> urls = {
      {"kinesis_endpoint", c.kinesis_endpoint},
      {"lambda_endpoint", c.lambda_endpoint},
      {"sns_endpoint", c.sns_endpoint},
      {"push_webhook_url", c.push_webhook_url}};
  for (const auto& [arn, url] : c.sync_trigger_urls)
    urls.emplace_back("sync_trigger_urls." + arn, url);
  for (const auto& [name, url] : urls) {
    if (!url.empty() && !http_client::ParseUrl(url).ok()) {
      return Bad(name + " must be an http:// or https:// URL");
    }
  }
  if (c.trigger_timeout_ms < 1 || c.outbox_retry_initial_ms < 1 || c.outbox_retry_max_ms < 1 ||
      c.outbox_poll_ms < 1 || c.request_timeout_ms < 1 || c.push_max_age_ms < 1) {
    return Bad("integrations timings must be positive");
  }
  return OkStatus();
}

Status ReadLimits(const bj::value& v, Limits& limits) {
  if (!v.is_object()) return Bad("limits must be an object");
  for (const auto& kv : v.get_object()) {
    std::string k = Normalize(kv.key());
    if (k == "max_identity_pools")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.max_identity_pools));
    else if (k == "datasets_per_identity")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.datasets_per_identity));
    else if (k == "records_per_dataset")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.records_per_dataset));
    else if (k == "dataset_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.dataset_bytes));
    else if (k == "key_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.key_bytes));
    else if (k == "value_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.value_bytes));
    else if (k == "linked_logins")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.linked_logins));
    else if (k == "tags_per_pool")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.tags_per_pool));
    else if (k == "tombstones_per_dataset")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.tombstones_per_dataset));
    else if (k == "tombstone_grace_days")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.tombstone_grace_days));
    else if (k == "record_patches_per_request")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.record_patches_per_request));
    else if (k == "deleted_datasets_per_identity")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.deleted_datasets_per_identity));
    else if (k == "devices_per_identity")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.devices_per_identity));
    else if (k == "push_token_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(kv.value(), k, limits.push_token_bytes));
    else
      return Bad("unknown limit " + std::string(kv.key()));
  }
  // The storage bounds (D16, D19) cannot be switched off: each must be a positive number.
  for (int64_t bound : {limits.tombstones_per_dataset, limits.record_patches_per_request,
                        limits.devices_per_identity, limits.push_token_bytes}) {
    if (bound < 1) return Bad("limits must be positive");
  }
  if (limits.tombstone_grace_days < 0 || limits.deleted_datasets_per_identity < 0) {
    return Bad("limits must not be negative");
  }
  return OkStatus();
}

// The token verifier hook of a login provider (verifier_* keys).
Status ReadVerifierKey(const std::string& k, const bj::value& v, LoginProviderConfig& p) {
  if (k == "verifier_url") return ReadString(v, k, p.verifier_url);
  if (k == "verifier_method") return ReadString(v, k, p.verifier_method);
  if (k == "verifier_subject_pointer") return ReadString(v, k, p.verifier_subject_pointer);
  if (k == "verifier_active_pointer") return ReadString(v, k, p.verifier_active_pointer);
  if (k == "verifier_audience_pointer") return ReadString(v, k, p.verifier_audience_pointer);
  if (k == "verifier_timeout_ms") return ReadInt(v, k, p.verifier_timeout_ms);
  if (k == "verifier_cache_seconds") return ReadInt(v, k, p.verifier_cache_seconds);
  if (k == "verifier_cache_entries") return ReadInt(v, k, p.verifier_cache_entries);
  if (k == "verifier_headers") {
    if (!v.is_object()) return Bad("verifier_headers must map header names to strings");
    for (const auto& h : v.get_object()) {
      if (!h.value().is_string()) return Bad("verifier_headers must map header names to strings");
      p.verifier_headers.emplace_back(std::string(h.key()), std::string(h.value().get_string()));
    }
    return OkStatus();
  }
  return Bad("unknown login provider key " + k);
}

Status CheckVerifier(const LoginProviderConfig& p) {
  const std::string where = "login provider " + p.name + ": ";
  std::string url = p.verifier_url;  // as it will be sent: {token} replaced
  if (size_t at = url.find("{token}"); at != std::string::npos) url.replace(at, 7, "t");
  if (!http_client::ParseUrl(url).ok()) {
    return Bad(where + "verifier_url must be an http:// or https:// URL");
  }
  if (p.verifier_method != "POST" && p.verifier_method != "GET") {
    return Bad(where + "verifier_method must be POST or GET");
  }
  if (p.verifier_method == "GET" && p.verifier_url.find("{token}") == std::string::npos) {
    return Bad(where + "a GET verifier_url must contain {token}");
  }
  for (const auto* pointer :
       {&p.verifier_subject_pointer, &p.verifier_active_pointer, &p.verifier_audience_pointer}) {
    if (!pointer->empty() && pointer->front() != '/') {
      return Bad(where + "verifier pointers are JSON pointers such as /sub or /data/user_id");
    }
  }
  if (p.verifier_subject_pointer.empty()) return Bad(where + "verifier_subject_pointer is empty");
  if (p.verifier_timeout_ms < 1 || p.verifier_timeout_ms > 60000 || p.verifier_cache_seconds < 0 ||
      p.verifier_cache_entries < 0 || p.verifier_cache_entries > 10000000) {
    return Bad(where +
               "verifier_timeout_ms must be 1-60000, verifier_cache_seconds >= 0 and "
               "verifier_cache_entries 0-10000000");
  }
  return OkStatus();
}

// "2027-03-01" or "2027-03-01T12:00:00Z" (UTC) as epoch milliseconds.
Result<int64_t> ReadWindowEnd(const bj::value& v) {
  if (!v.is_string()) return Bad("migration.window_end must be a date such as 2027-03-01");
  std::string compact;
  for (char c : std::string_view(v.get_string())) {
    if (c != '-' && c != ':') compact.push_back(c);
  }
  if (compact.size() == 8) compact += "T000000Z";
  auto seconds = timefmt::ParseAmzDate(compact);
  if (!seconds) {
    return Bad(
        "migration.window_end must be a UTC date or time such as 2027-03-01 or "
        "2027-03-01T12:00:00Z");
  }
  return *seconds * 1000;
}

Status ReadMigration(const bj::value& v, MigrationConfig& m) {
  if (!v.is_object()) return Bad("migration must be an object");
  for (const auto& kv : v.get_object()) {
    std::string k = Normalize(kv.key());
    const bj::value& x = kv.value();
    if (k == "source_endpoint")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, m.source_endpoint));
    else if (k == "source_region")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, m.source_region));
    else if (k == "account_id")
      COGSYNC_RETURN_IF_ERROR(ReadString(x, k, m.account_id));
    else if (k == "timeout_ms")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, m.timeout_ms));
    else if (k == "max_concurrent_forwards")
      COGSYNC_RETURN_IF_ERROR(ReadInt(x, k, m.max_concurrent_forwards));
    else if (k == "window_end") {
      COGSYNC_ASSIGN_OR_RETURN(m.window_end_ms, ReadWindowEnd(x));
    } else
      return Bad("unknown migration setting " + std::string(kv.key()));
  }
  if (m.source_endpoint.empty() == m.source_region.empty()) {
    return Bad("migration needs exactly one of source_endpoint, source_region");
  }
  if (!m.source_region.empty()) {
    for (char c : m.source_region) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) {
        return Bad("migration.source_region must be a region name such as us-east-1");
      }
    }
  }
  if (!http_client::ParseUrl(m.SourceUrl()).ok()) {
    return Bad("migration.source_endpoint must be an http:// or https:// URL");
  }
  if (m.window_end_ms <= 0) return Bad("migration needs window_end (when the window closes, UTC)");
  if (m.timeout_ms < 1 || m.timeout_ms > 60000 || m.max_concurrent_forwards < 1 ||
      m.max_concurrent_forwards > 1024) {
    return Bad("migration.timeout_ms must be 1-60000 and max_concurrent_forwards 1-1024");
  }
  return OkStatus();
}

Status ReadProviders(const bj::value& v, std::vector<LoginProviderConfig>& out) {
  if (!v.is_array()) return Bad("login_providers must be an array");
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) return Bad("each login provider must be an object");
    LoginProviderConfig p;
    for (const auto& kv : e.get_object()) {
      std::string k = Normalize(kv.key());
      if (k == "name")
        COGSYNC_RETURN_IF_ERROR(ReadString(kv.value(), k, p.name));
      else if (k == "jwks_file")
        COGSYNC_RETURN_IF_ERROR(ReadString(kv.value(), k, p.jwks_file));
      else if (k == "jwks_url")
        COGSYNC_RETURN_IF_ERROR(ReadString(kv.value(), k, p.jwks_url));
      else if (k == "issuer")
        COGSYNC_RETURN_IF_ERROR(ReadString(kv.value(), k, p.issuer));
      else if (k == "audiences")
        COGSYNC_RETURN_IF_ERROR(ReadStrings(kv.value(), k, p.audiences));
      else if (k.rfind("verifier_", 0) == 0)
        COGSYNC_RETURN_IF_ERROR(ReadVerifierKey(k, kv.value(), p));
      else
        return Bad("unknown login provider key " + std::string(kv.key()));
    }
    const int ways =
        int(!p.jwks_file.empty()) + int(!p.jwks_url.empty()) + int(!p.verifier_url.empty());
    if (p.name.empty() || ways != 1) {
      return Bad(
          "a login provider needs a name and exactly one of jwks_file, jwks_url, verifier_url");
    }
    if (!p.verifier_url.empty()) COGSYNC_RETURN_IF_ERROR(CheckVerifier(p));
    out.push_back(std::move(p));
  }
  return OkStatus();
}

}  // namespace

Status ApplyConfigFile(const std::string& path, Config& c) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  auto doc = json::Parse(text.str(), &error);
  if (!doc || !doc->is_object()) return Bad(path + " is not a JSON object " + error);
  for (const auto& kv : doc->get_object()) {
    const std::string k = Normalize(kv.key());
    const bj::value& v = kv.value();
    if (k == "listen")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.listen));
    else if (k == "data_dir")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.data_dir));
    else if (k == "store")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.store_url));
    else if (k == "region")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.region));
    else if (k == "account_id")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.account_id));
    else if (k == "public_url")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.public_url));
    else if (k == "test_mode")
      COGSYNC_RETURN_IF_ERROR(ReadBool(v, k, c.test_mode));
    else if (k == "insecure_trust_login_tokens")
      COGSYNC_RETURN_IF_ERROR(ReadBool(v, k, c.insecure_trust_login_tokens));
    else if (k == "io_threads")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.io_threads));
    else if (k == "worker_threads")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.worker_threads));
    else if (k == "max_body_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.max_body_bytes));
    else if (k == "max_buffered_body_bytes")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.max_buffered_body_bytes));
    else if (k == "read_timeout_seconds")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.read_timeout_seconds));
    else if (k == "read_stall_seconds")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.read_stall_seconds));
    else if (k == "min_read_bytes_per_second")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.min_read_bytes_per_second));
    else if (k == "max_connections")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.max_connections));
    else if (k == "max_connections_per_address")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.max_connections_per_address));
    else if (k == "trusted_proxies")
      COGSYNC_RETURN_IF_ERROR(ReadStrings(v, k, c.trusted_proxies));
    else if (k == "tls_cert_file")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.tls_cert_file));
    else if (k == "tls_key_file")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.tls_key_file));
    else if (k == "plain_listen")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.plain_listen));
    else if (k == "idle_timeout_seconds")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.idle_timeout_seconds));
    else if (k == "sqlite_read_connections")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.sqlite_read_connections));
    else if (k == "sqlite_cache_kib")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.sqlite_cache_kib));
    else if (k == "dataset_cache_mib")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.dataset_cache_mib));
    else if (k == "postgres_pool_size")
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, c.postgres_pool_size));
    else if (k == "log_level")
      COGSYNC_RETURN_IF_ERROR(ReadString(v, k, c.log_level));
    else if (k == "access_log")
      COGSYNC_RETURN_IF_ERROR(ReadBool(v, k, c.access_log));
    else if (k == "cors_allowed_origins")
      COGSYNC_RETURN_IF_ERROR(ReadStrings(v, k, c.cors_allowed_origins));
    else if (k == "outbound_calls_per_pool" || k == "outbound_calls_total") {
      int& bound = k == "outbound_calls_total" ? c.outbound_calls_total : c.outbound_calls_per_pool;
      COGSYNC_RETURN_IF_ERROR(ReadInt(v, k, bound));
      if (bound < (k == "outbound_calls_total" ? 0 : 1)) {
        return Bad(k + (k == "outbound_calls_total" ? " must be 0 (half the worker threads) or more"
                                                    : " must be at least 1"));
      }
    } else if (k == "discovery_hosts")
      COGSYNC_RETURN_IF_ERROR(ReadStrings(v, k, c.discovery_hosts));
    else if (k == "limits")
      COGSYNC_RETURN_IF_ERROR(ReadLimits(v, c.limits));
    else if (k == "throttle")
      COGSYNC_RETURN_IF_ERROR(ReadThrottle(v, c.throttle));
    else if (k == "integrations")
      COGSYNC_RETURN_IF_ERROR(ReadIntegrations(v, c.integrations));
    else if (k == "login_providers")
      COGSYNC_RETURN_IF_ERROR(ReadProviders(v, c.login_providers));
    else if (k == "migration")
      COGSYNC_RETURN_IF_ERROR(ReadMigration(v, c.migration));
    else
      return Bad("unknown key " + std::string(kv.key()));
  }
  if (c.max_buffered_body_bytes < 0 || c.read_stall_seconds < 0 ||
      c.min_read_bytes_per_second < 0 || c.max_connections < 1 ||
      c.max_connections_per_address < 0) {
    return Bad(
        "max_buffered_body_bytes, read_stall_seconds, min_read_bytes_per_second and "
        "max_connections_per_address must not be negative, max_connections must be positive");
  }
  return OkStatus();
}

}  // namespace cogsync::cli
