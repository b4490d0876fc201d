#include "cli/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "auth/rsa_key.h"
#include "cli/keys.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/private_files.h"
#include "http/metrics.h"
#include "http/server.h"
#include "protocol/operations.h"
#include "store/registry.h"
#include "store/sqlite/sqlite_store.h"
#include "sts/operations.h"

namespace cogsync::cli {
namespace {

Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return ApiError::InvalidParameter("--listen wants HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return ApiError::InvalidParameter("--listen wants HOST:PORT, got " + listen);
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace

Result<store::StorePtr> OpenStore(const Config& config, bool server) {
  std::string url = config.store_url;
  if (url.empty())
    url = "sqlite:" + (std::filesystem::path(config.data_dir) / "cogsync.db").string();
  return store::OpenStore(url, config, server);
}

Result<ServerSecrets> LoadOrCreateSecrets(store::Store& store) {
  ServerSecrets secrets;
  bool complete = false;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto token, txn.GetSecret(kTokenKeySecret));
    COGSYNC_ASSIGN_OR_RETURN(auto jwt, txn.GetSecret(kJwtKeySecret));
    if (token && jwt) {
      secrets = {*token, *jwt};
      complete = true;
    }
    return OkStatus();
  }));
  if (complete) return secrets;
  // First start: make candidates, then store each only if no other node stored one meanwhile.
  COGSYNC_ASSIGN_OR_RETURN(auto key, auth::RsaPrivateKey::Generate(2048));
  const std::string token_candidate = encoding::Hex(crypto::RandomBytes(32));
  const std::string jwt_candidate = key.ToPem();
  COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto token, txn.GetSecret(kTokenKeySecret));
    COGSYNC_ASSIGN_OR_RETURN(auto jwt, txn.GetSecret(kJwtKeySecret));
    if (!token) COGSYNC_RETURN_IF_ERROR(txn.PutSecret(kTokenKeySecret, token_candidate));
    if (!jwt) COGSYNC_RETURN_IF_ERROR(txn.PutSecret(kJwtKeySecret, jwt_candidate));
    secrets = {token ? *token : token_candidate, jwt ? *jwt : jwt_candidate};
    return OkStatus();
  }));
  return secrets;
}

Status EnsureDeveloperKey(store::Store& store, const Config& config) {
  const char* id = std::getenv("COGSYNC_ACCESS_KEY_ID");
  const char* secret = std::getenv("COGSYNC_SECRET_ACCESS_KEY");
  if ((id == nullptr) != (secret == nullptr)) {
    return ApiError::InvalidParameter(
        "set both COGSYNC_ACCESS_KEY_ID and COGSYNC_SECRET_ACCESS_KEY, or neither");
  }
  const int64_t now = SystemClock().NowMillis();
  if (id != nullptr) {
    if (Status valid = ValidateDeveloperKey(id, secret, config.test_mode); !valid.ok()) {
      return ApiError::InvalidParameter("COGSYNC_ACCESS_KEY_ID / COGSYNC_SECRET_ACCESS_KEY: " +
                                        valid.error().message());
    }
    const char* name = std::getenv("COGSYNC_ACCESS_KEY_NAME");
    store::AccessKey key{id, secret, name != nullptr ? name : "developer", now};
    return store.Write([&](store::Txn& txn) { return txn.PutAccessKey(key); });
  }
  bool any = false;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto keys, txn.ListAccessKeys());
    any = !keys.empty();
    return OkStatus();
  }));
  if (any) return OkStatus();
  store::AccessKey key{"AKIA" + ids::RandomAlnumUpper(16), ids::RandomSecret(40), "developer", now};
  COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) { return txn.PutAccessKey(key); }));
  COGSYNC_RETURN_IF_ERROR(files::CreatePrivateDirectories(config.data_dir));
  const auto path = std::filesystem::path(config.data_dir) / "developer-credentials";
  COGSYNC_RETURN_IF_ERROR(files::WritePrivateFile(
      path.string(), "[default]\naws_access_key_id = " + key.access_key_id +
                         "\naws_secret_access_key = " + key.secret_access_key + "\n"));
  std::printf(
      "cogsync: created developer credentials (also in %s)\n"
      "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n",
      path.c_str(), key.access_key_id.c_str(), key.secret_access_key.c_str());
  std::fflush(stdout);
  return OkStatus();
}

namespace {

// The server's clock: the system clock, shifted in test mode by COGSYNC_TEST_CLOCK_OFFSET_SECONDS
// so black-box tests can make minted credentials expire. Outside test mode the variable is
// ignored (with a warning): production time must never be movable from the environment.
Result<std::unique_ptr<Clock>> MakeClock(const Config& config, const SystemClock& system_clock) {
  const char* offset = std::getenv("COGSYNC_TEST_CLOCK_OFFSET_SECONDS");
  if (offset == nullptr || *offset == '\0') {
    return std::unique_ptr<Clock>(std::make_unique<OffsetClock>(system_clock, 0));
  }
  if (!config.test_mode) {
    spdlog::warn("COGSYNC_TEST_CLOCK_OFFSET_SECONDS is ignored without --test-mode");
    return std::unique_ptr<Clock>(std::make_unique<OffsetClock>(system_clock, 0));
  }
  const std::string_view text(offset);
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  constexpr int64_t kMaxOffsetSeconds = int64_t{10} * 365 * 24 * 3600;
  if (ec != std::errc() || end != text.data() + text.size() || seconds > kMaxOffsetSeconds ||
      seconds < -kMaxOffsetSeconds) {
    return ApiError::InvalidParameter(
        "COGSYNC_TEST_CLOCK_OFFSET_SECONDS must be a whole number of seconds within 10 years");
  }
  spdlog::warn("test mode: the server clock runs {} s off the system clock", seconds);
  return std::unique_ptr<Clock>(std::make_unique<OffsetClock>(system_clock, seconds * 1000));
}

}  // namespace

namespace {

// Times every durable write (queueing, group commit and fsync included) into the metrics; reads
// pass straight through. Two clock reads per write are nothing next to its fsync.
class TimedStore final : public store::Store {
 public:
  TimedStore(store::StorePtr inner, http::Metrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}
  Status Read(const TxnFn& fn) override { return inner_->Read(fn); }
  bool SetChangeObserver(store::ChangeObserver* observer) override {
    return inner_->SetChangeObserver(observer);
  }
  Status Write(const TxnFn& fn) override {
    const auto start = std::chrono::steady_clock::now();
    Status status = inner_->Write(fn);
    metrics_.RecordStoreWrite(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
    return status;
  }

 private:
  store::StorePtr inner_;
  http::Metrics& metrics_;
};

// The SQLite writer's group-commit counters, read at scrape time.
void AddSqliteMetrics(http::Metrics& metrics, const store::SqliteStore& sqlite) {
  metrics.AddCollector([&sqlite](std::string& out) {
    const store::SqliteStats stats = sqlite.Stats();
    out +=
        "# HELP cogsync_store_commit_batches_total Group commits (one fsync each).\n"
        "# TYPE cogsync_store_commit_batches_total counter\n"
        "cogsync_store_commit_batches_total " +
        std::to_string(stats.batches) +
        "\n"
        "# HELP cogsync_store_commit_items_total Writes committed; items / batches is the mean "
        "group-commit batch size.\n"
        "# TYPE cogsync_store_commit_items_total counter\n"
        "cogsync_store_commit_items_total " +
        std::to_string(stats.items) + "\n";
  });
}

// Lazy login binding (D29): this node's forwards to the migration source, by outcome.
void AddMigrationMetrics(http::Metrics& metrics, const identity::LoginBinder& binder) {
  metrics.AddCollector([&binder](std::string& out) {
    const auto counts = binder.counts();
    out +=
        "# HELP cogsync_migration_logins_total Logins forwarded to the migration source's GetId "
        "(D29), by outcome: bound to a migrated identity, unknown to the source, failed "
        "(retryable error answered), busy (too many forwards at once, not forwarded).\n"
        "# TYPE cogsync_migration_logins_total counter\n";
    const std::pair<const char*, uint64_t> series[] = {{"forwarded", counts.forwarded},
                                                       {"bound", counts.bound},
                                                       {"unknown", counts.unknown},
                                                       {"failed", counts.failed},
                                                       {"busy", counts.busy}};
    for (const auto& [outcome, value] : series) {
      out += "cogsync_migration_logins_total{outcome=\"" + std::string(outcome) + "\"} " +
             std::to_string(value) + "\n";
    }
  });
}

}  // namespace

Application::~Application() = default;

Result<std::unique_ptr<Application>> Application::Create(const Config& config) {
  COGSYNC_ASSIGN_OR_RETURN(auto store, OpenStore(config, /*server=*/true));
  return Create(config, std::move(store));
}

Result<std::unique_ptr<Application>> Application::Create(const Config& config,
                                                         store::StorePtr store) {
  std::unique_ptr<Application> app(new Application(config));
  const Config& c = app->config_;
  app->store_ = std::move(store);
  if (const auto* sqlite = dynamic_cast<const store::SqliteStore*>(app->store_.get())) {
    AddSqliteMetrics(app->metrics_, *sqlite);
  }
  app->store_ = std::make_unique<TimedStore>(std::move(app->store_), app->metrics_);
  COGSYNC_ASSIGN_OR_RETURN(auto secrets, LoadOrCreateSecrets(*app->store_));
  COGSYNC_RETURN_IF_ERROR(EnsureDeveloperKey(*app->store_, c));
  COGSYNC_ASSIGN_OR_RETURN(app->clock_, MakeClock(c, app->system_clock_));
  app->sealer_ = std::make_unique<TokenSealer>(secrets.token_key);
  app->credentials_ = std::make_unique<auth::SessionCredentials>(*app->sealer_);
  COGSYNC_ASSIGN_OR_RETURN(app->openid_,
                           identity::OpenIdTokens::Create(secrets.jwt_private_pem, c.public_url));
  const int total = c.outbound_calls_total > 0 ? c.outbound_calls_total : c.worker_threads / 2;
  app->outbound_limiter_ = std::make_unique<OutboundLimiter>(
      size_t(std::max(1, c.outbound_calls_per_pool)), size_t(std::max(1, total)));
  app->metrics_.AddCollector([limiter = app->outbound_limiter_.get()](std::string& out) {
    out +=
        "# HELP cogsync_outbound_calls_in_flight Outbound calls holding a worker now (SyncTrigger, "
        "SNS CreatePlatformEndpoint, JWKS waits).\n"
        "# TYPE cogsync_outbound_calls_in_flight gauge\n"
        "cogsync_outbound_calls_in_flight " +
        std::to_string(limiter->in_flight()) +
        "\n"
        "# HELP cogsync_outbound_calls_refused_total Outbound calls refused because their pool "
        "or the server was at its bound.\n"
        "# TYPE cogsync_outbound_calls_refused_total counter\n"
        "cogsync_outbound_calls_refused_total " +
        std::to_string(limiter->refused()) + "\n";
  });
  app->logins_ = std::make_unique<identity::LoginVerifier>(c, *app->openid_, *app->clock_,
                                                           app->outbound_limiter_.get());
  if (!c.migration.SourceUrl().empty()) {
    app->migration_source_ = identity::MakeHttpMigrationSource(c.migration);
  }
  app->binder_ =
      std::make_unique<identity::LoginBinder>(*app->store_, c, app->migration_source_.get());
  AddMigrationMetrics(app->metrics_, *app->binder_);
  app->identity_ = std::make_unique<identity::IdentityService>(
      *app->store_, *app->clock_, c, *app->sealer_, *app->credentials_, *app->openid_,
      *app->logins_, *app->binder_);
  app->sts_ = std::make_unique<sts::StsService>(*app->store_, *app->clock_, c, *app->sealer_,
                                                *app->credentials_, *app->openid_);
  app->outbound_ = std::make_unique<Outbound>(c, *app->store_, *app->clock_);
  app->outbound_->AddMetrics(app->metrics_, *app->store_);
  sync::Integrations integrations = app->outbound_->integrations();
  integrations.limiter = app->outbound_limiter_.get();
  app->sync_ = std::make_unique<sync::SyncService>(*app->store_, *app->clock_, c, *app->sealer_,
                                                   integrations);
  app->metrics_.AddCollector([&cache = app->sync_->dataset_cache()](std::string& out) {
    const sync::DatasetCache::Stats s = cache.stats();
    out +=
        "# HELP cogsync_dataset_cache_hits_total ListRecords answered from the dataset cache.\n"
        "# TYPE cogsync_dataset_cache_hits_total counter\n"
        "cogsync_dataset_cache_hits_total " +
        std::to_string(s.hits) +
        "\n# HELP cogsync_dataset_cache_misses_total ListRecords that read the dataset from the "
        "store.\n"
        "# TYPE cogsync_dataset_cache_misses_total counter\n"
        "cogsync_dataset_cache_misses_total " +
        std::to_string(s.misses) +
        "\n# HELP cogsync_dataset_cache_evictions_total Cached datasets dropped for room or "
        "because they changed.\n"
        "# TYPE cogsync_dataset_cache_evictions_total counter\n"
        "cogsync_dataset_cache_evictions_total " +
        std::to_string(s.evictions) +
        "\n# HELP cogsync_dataset_cache_bytes Bytes the dataset cache holds (estimated).\n"
        "# TYPE cogsync_dataset_cache_bytes gauge\n"
        "cogsync_dataset_cache_bytes " +
        std::to_string(s.bytes) +
        "\n# HELP cogsync_dataset_cache_entries Datasets the dataset cache holds.\n"
        "# TYPE cogsync_dataset_cache_entries gauge\n"
        "cogsync_dataset_cache_entries " +
        std::to_string(s.entries) + "\n";
  });
  app->authenticator_ =
      std::make_unique<auth::Authenticator>(*app->store_, *app->credentials_, *app->clock_);

  protocol::ExtraEndpoints endpoints;
  Application* self = app.get();
  endpoints.jwks = [self] { return self->openid_->JwksDocument(); };
  endpoints.discovery = [self](std::string_view host) {
    return self->openid_->DiscoveryDocument(host, self->config_.discovery_hosts);
  };
  if (c.test_mode) {
    endpoints.reset = [self]() -> Status {
      return self->store_->Write([](store::Txn& txn) { return txn.WipeCognitoState(); });
    };
  }
  std::vector<protocol::OperationEntry> operations =
      protocol::IdentityOperationTable(*app->identity_);
  for (auto& entry : protocol::SyncOperationTable(*app->sync_))
    operations.push_back(std::move(entry));
  app->throttle_ = std::make_unique<protocol::Throttle>(c.throttle, c.test_mode, *app->clock_);
  app->dispatcher_ = std::make_unique<protocol::Dispatcher>(
      std::move(operations), *app->authenticator_, auth::ArnContext{c.region, c.account_id},
      std::move(endpoints), app->throttle_.get(), sts::StsOperationTable(*app->sts_));
  app->admin_ = std::make_unique<console::AdminApi>(*app->authenticator_, *app->store_,
                                                    app->metrics_, *app->clock_);
  app->console_ = std::make_unique<console::ConsoleHandler>(*app->dispatcher_, *app->admin_);
  return app;
}

int Serve(const Config& config) {
  const auto started = std::chrono::steady_clock::now();
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  auto fail = [](const std::string& what, const ApiError& e) {
    spdlog::critical("{}: {}", what, e.message());
    return 1;
  };
  auto listen = SplitListen(config.listen);
  if (!listen.ok()) return fail("configuration", listen.error());
  auto app = Application::Create(config);
  if (!app.ok()) return fail("starting", app.error());

  http::ServerOptions options;
  options.host = listen->first;
  options.port = listen->second;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  options.max_buffered_body_bytes = static_cast<size_t>(config.max_buffered_body_bytes);
  options.read_timeout_seconds = config.read_timeout_seconds;
  options.read_stall_seconds = config.read_stall_seconds;
  options.min_read_bytes_per_second = static_cast<size_t>(config.min_read_bytes_per_second);
  options.idle_timeout_seconds = config.idle_timeout_seconds;
  options.max_connections = static_cast<size_t>(config.max_connections);
  options.max_connections_per_address = static_cast<size_t>(config.max_connections_per_address);
  options.trusted_proxies = config.trusted_proxies;
  options.tls_cert_file = config.tls_cert_file;
  options.tls_key_file = config.tls_key_file;
  if (!config.plain_listen.empty()) {
    auto plain = SplitListen(config.plain_listen);
    if (!plain.ok()) return fail("configuration (plain_listen)", plain.error());
    options.plain_host = plain->first;
    options.plain_port = plain->second;
  }
  options.cors_allowed_origins = config.cors_allowed_origins;
  options.access_log = config.access_log;
  options.metrics = &(*app)->metrics();
  std::atomic<bool> ready{false};
  http::Server server(options, (*app)->handler(), [&] { return ready.load(); });
  if (auto s = server.Start(); !s.ok()) return fail("starting the HTTP server", s.error());
  http::InstallSignalHandlers(server);
  ready = true;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  spdlog::info("cogsync listening on {}://{}:{} (data in {}, ready in {} ms{})",
               options.tls_cert_file.empty() ? "http" : "https", options.host, server.port(),
               config.data_dir, micros / 1000, config.test_mode ? ", test mode" : "");
  if (options.plain_port) {
    spdlog::info("cogsync also listening on http://{}:{}", options.plain_host, server.plain_port());
  }
  server.Wait();
  spdlog::info("cogsync stopped");
  return 0;
}

}  // namespace cogsync::cli
