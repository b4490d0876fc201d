#pragma once
// The composition root: opens the store, loads the secrets every node shares, builds the
// services, the dispatcher and the HTTP server, and serves until SIGTERM/SIGINT.

#include <memory>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "auth/session_credentials.h"
#include "cli/integrations.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/outbound_limiter.h"
#include "common/sealed_token.h"
#include "console/admin_api.h"
#include "console/console_handler.h"
#include "http/metrics.h"
#include "identity/login_binding.h"
#include "identity/login_verifier.h"
#include "identity/migration_source.h"
#include "identity/openid_tokens.h"
#include "identity/service.h"
#include "protocol/dispatcher.h"
#include "store/store.h"
#include "sts/service.h"
#include "sync/service.h"

namespace cogsync::cli {

// The store named by config.store_url: "sqlite:PATH", "postgresql://...", "memory:" (the model
// store, nothing kept past the process), or the default sqlite:<data_dir>/cogsync.db.
// `server`: the serving process, which owns a SQLite store alone (SqliteOptions::exclusive);
// the administration commands open it beside a running server.
Result<store::StorePtr> OpenStore(const Config& config, bool server = false);

// The names under which the store keeps them (also what `cogsync export --include-secrets`
// carries).
inline constexpr std::string_view kTokenKeySecret = "token-hmac-key";
inline constexpr std::string_view kJwtKeySecret = "openid-rs256-private-key";

// Secrets shared by every node, created at first start: the HMAC key of sealed tokens and the
// RS256 key of OpenID tokens.
struct ServerSecrets {
  std::string token_key;
  std::string jwt_private_pem;
};
Result<ServerSecrets> LoadOrCreateSecrets(store::Store& store);

// docs/decisions.md D7: registers COGSYNC_ACCESS_KEY_ID / COGSYNC_SECRET_ACCESS_KEY when set; with
// neither set and no key stored, generates one, writes it to <data_dir>/developer-credentials
// (mode 0600) and prints it once.
Status EnsureDeveloperKey(store::Store& store, const Config& config);

// Everything a running cogsync is made of, wired together; owned here, used by Serve() and by
// in-process tests (which call dispatcher() without a socket).
class Application {
 public:
  static Result<std::unique_ptr<Application>> Create(const Config& config);
  // The same around a store opened by the caller (config.store_url is then not used): in-process
  // tests hand in a model store, seeded with server secrets they made once.
  static Result<std::unique_ptr<Application>> Create(const Config& config, store::StorePtr store);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  protocol::Dispatcher& dispatcher() { return *dispatcher_; }
  // What the HTTP server calls: the web console and its admin API in front of the dispatcher.
  http::Handler& handler() { return *console_; }
  store::Store& store() { return *store_; }
  // Served at GET /metrics by Serve(); store writes are timed into it.
  http::Metrics& metrics() { return metrics_; }
  const Config& config() const { return config_; }
  Outbound& outbound() { return *outbound_; }

 private:
  explicit Application(const Config& config) : config_(config) {}
  Config config_;
  http::Metrics metrics_;  // declared before store_: the store's collector must not outlive it
  store::StorePtr store_;
  SystemClock system_clock_;
  // system_clock_, or in test mode an OffsetClock over it (COGSYNC_TEST_CLOCK_OFFSET_SECONDS).
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<TokenSealer> sealer_;
  std::unique_ptr<auth::SessionCredentials> credentials_;
  std::unique_ptr<identity::OpenIdTokens> openid_;
  // Bounds the outbound calls of each pool that hold a worker (SyncTrigger, SNS, JWKS).
  std::unique_ptr<OutboundLimiter> outbound_limiter_;
  std::unique_ptr<identity::LoginVerifier> logins_;
  std::unique_ptr<identity::MigrationSource> migration_source_;  // null without a migration
  std::unique_ptr<identity::LoginBinder> binder_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<sts::StsService> sts_;
  // Destroyed before store_: its workers read and write the store.
  std::unique_ptr<Outbound> outbound_;
  // Destroyed before store_ and outbound_: its destructor flushes the pending sync-session counts.
  std::unique_ptr<sync::SyncService> sync_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<protocol::Throttle> throttle_;
  std::unique_ptr<protocol::Dispatcher> dispatcher_;
  std::unique_ptr<console::AdminApi> admin_;
  std::unique_ptr<console::ConsoleHandler> console_;
};

// Runs the server; returns the process exit code.
int Serve(const Config& config);

}  // namespace cogsync::cli
