#pragma once
// Lazy login binding during a migration from Amazon Cognito (D29; docs/migration.md).
//
// A migration copies identities with their ids but cannot read which provider subject owns which
// identity. While the configured window is open, a login call (GetId, GetOpenIdToken,
// GetCredentialsForIdentity, GetOpenIdTokenForDeveloperIdentity) whose verified logins are all
// unknown to cogsync is forwarded once to the source's public GetId with the same Logins:
//  - the source answers an identity that exists in the pool (was migrated): the logins are
//    linked to it (and its unbound providers of those names cleared), and the call proceeds as
//    if they had always been there;
//  - the source refuses the login, or answers an identity cogsync does not have: nothing is
//    linked, and the call proceeds as usual (GetId makes a new identity);
//  - the source fails or times out: the caller gets ServiceUnavailable (retryable) and nothing
//    is created.
// Each forwarded login is recorded (store::LoginBinding), so it is never forwarded again;
// concurrent first calls with the same login wait for the one forward. Outcomes are counted in
// the store (cogsync status, all nodes) and in this node's /metrics.
//
// Thread safety: Bind may be called concurrently from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "common/mutex.h"
#include "identity/login_verifier.h"
#include "identity/migration_source.h"
#include "store/store.h"

namespace cogsync::identity {

// Names of the store counters (store::Txn::AddCounter) the binder keeps.
inline constexpr std::string_view kMigrationCounterPrefix = "migration.logins.";

class LoginBinder {
 public:
  // `source` may be null: then no migration is configured and Bind does nothing.
  LoginBinder(store::Store& store, const Config& config, MigrationSource* source)
      : store_(store), config_(config), source_(source) {}
  LoginBinder(const LoginBinder&) = delete;
  LoginBinder& operator=(const LoginBinder&) = delete;

  // Runs before the calling operation's own write transaction, after its logins verified.
  // `logins` is what the client sent (without developer-provider entries), forwarded as is.
  Status Bind(const store::Pool& pool, const boost::json::object& logins,
              const std::vector<VerifiedLogin>& verified, int64_t now_ms);

  bool WindowOpen(int64_t now_ms) const {
    return source_ != nullptr && now_ms < config_.migration.window_end_ms;
  }

  // This node's counts since start, for /metrics.
  struct Counts {
    uint64_t forwarded = 0, bound = 0, unknown = 0, failed = 0, busy = 0;
  };
  Counts counts() const;

 private:
  // Whether the logins need a forward: none is linked locally and at least one was never asked.
  Result<bool> NeedsForward(const store::Pool& pool, const std::vector<const VerifiedLogin*>& c);
  Status Record(const store::Pool& pool, const std::vector<const VerifiedLogin*>& candidates,
                const SourceAnswer& answer, int64_t now_ms);
  Status CountFailure();
  void LockAll(const std::vector<std::string>& keys) EXCLUDES(mutex_);
  void UnlockAll(const std::vector<std::string>& keys) EXCLUDES(mutex_);

  store::Store& store_;
  const Config& config_;
  MigrationSource* source_;
  // Logins being forwarded right now (pool, provider, subject joined): at most one forward each.
  Mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> held_ GUARDED_BY(mutex_);
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> forwarded_{0}, bound_{0}, unknown_{0}, failed_{0}, busy_{0};
};

}  // namespace cogsync::identity
