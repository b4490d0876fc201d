#include "identity/login_binding.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "identity/linking.h"

namespace cogsync::identity {
namespace {

std::string Key(const store::Pool& pool, const VerifiedLogin& login) {
  std::string key = pool.id;
  key += '\n';
  key += login.provider;
  key += '\n';
  key += login.subject;
  return key;
}

ApiError SourceUnavailable() {
  return ApiError::ServiceUnavailable(
      "The login could not be checked with the migration source right now. Please retry.");
}

}  // namespace

LoginBinder::Counts LoginBinder::counts() const {
  return Counts{forwarded_.load(), bound_.load(), unknown_.load(), failed_.load(), busy_.load()};
}

void LoginBinder::LockAll(const std::vector<std::string>& keys) {
  MutexLock lock(mutex_);
  while (true) {  // a loop, not a predicate lambda, so the analysis sees the lock held
    bool busy = false;
    for (const auto& k : keys) busy = busy || held_.contains(k);
    if (!busy) break;
    released_.wait(lock.native());
  }
  held_.insert(keys.begin(), keys.end());
}

void LoginBinder::UnlockAll(const std::vector<std::string>& keys) {
  {
    MutexLock lock(mutex_);
    for (const auto& k : keys) held_.erase(k);
  }
  released_.notify_all();
}

Result<bool> LoginBinder::NeedsForward(const store::Pool& pool,
                                       const std::vector<const VerifiedLogin*>& candidates) {
  bool needs = false;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    bool unasked = false;
    for (const VerifiedLogin* login : candidates) {
      COGSYNC_ASSIGN_OR_RETURN(auto linked,
                               txn.FindLogin(pool.id, login->provider, login->subject));
      if (linked) return OkStatus();  // a user cogsync knows: the call links the others itself
      COGSYNC_ASSIGN_OR_RETURN(auto asked,
                               txn.GetLoginBinding(pool.id, login->provider, login->subject));
      if (!asked) unasked = true;
    }
    needs = unasked;
    return OkStatus();
  }));
  return needs;
}

Status LoginBinder::Record(const store::Pool& pool,
                           const std::vector<const VerifiedLogin*>& candidates,
                           const SourceAnswer& answer, int64_t now_ms) {
  bool bound = false;
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    bound = false;
    std::optional<store::Identity> target;
    if (answer.known) {
      COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(answer.identity_id));
      if (identity && identity->pool_id == pool.id) target = std::move(identity);
    }
    COGSYNC_ASSIGN_OR_RETURN(auto current, txn.GetPool(pool.id));
    if (!current) return ApiError::ResourceNotFound("IdentityPool '" + pool.id + "' not found.");
    LinkContext link{txn, *current, now_ms, "", config_.limits};
    for (const VerifiedLogin* login : candidates) {
      store::LoginBinding binding{pool.id,   login->provider,    login->subject,
                                  "unknown", answer.identity_id, now_ms};
      if (target) {
        COGSYNC_RETURN_IF_ERROR(LinkLogin(link, *target, login->provider, login->subject));
        COGSYNC_RETURN_IF_ERROR(txn.DeleteUnboundLogin(target->id, login->provider));
        binding.outcome = "bound";
      }
      COGSYNC_RETURN_IF_ERROR(txn.PutLoginBinding(binding));
    }
    bound = target.has_value();
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter(std::string(kMigrationCounterPrefix) + "forwarded", 1));
    return txn.AddCounter(std::string(kMigrationCounterPrefix) + (bound ? "bound" : "unknown"), 1);
  }));
  forwarded_++;
  (bound ? bound_ : unknown_)++;
  return OkStatus();
}

Status LoginBinder::CountFailure() {
  forwarded_++;
  failed_++;
  return store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.AddCounter(std::string(kMigrationCounterPrefix) + "forwarded", 1));
    return txn.AddCounter(std::string(kMigrationCounterPrefix) + "failed", 1);
  });
}

Status LoginBinder::Bind(const store::Pool& pool, const boost::json::object& logins,
                         const std::vector<VerifiedLogin>& verified, int64_t now_ms) {
  if (!WindowOpen(now_ms)) return OkStatus();
  std::vector<const VerifiedLogin*> candidates;
  for (const auto& login : verified) {
    // One of cogsync's own tokens names its identity: nothing to ask.
    if (login.provider == kCognitoProvider) return OkStatus();
    if (!pool.developer_provider_name.empty() && login.provider == pool.developer_provider_name) {
      continue;
    }
    candidates.push_back(&login);
  }
  if (candidates.empty()) return OkStatus();
  COGSYNC_ASSIGN_OR_RETURN(bool needs, NeedsForward(pool, candidates));
  if (!needs) return OkStatus();

  std::vector<std::string> keys;
  keys.reserve(candidates.size());
  for (const VerifiedLogin* login : candidates) keys.push_back(Key(pool, *login));
  LockAll(keys);
  struct Unlock {
    LoginBinder* self;
    const std::vector<std::string>& keys;
    ~Unlock() { self->UnlockAll(keys); }
  } unlock{this, keys};
  // Another call may have bound these logins while this one waited.
  COGSYNC_ASSIGN_OR_RETURN(needs, NeedsForward(pool, candidates));
  if (!needs) return OkStatus();

  // A slow source must not take every worker thread: past the cap, answer at once.
  if (in_flight_.fetch_add(1) >= config_.migration.max_concurrent_forwards) {
    in_flight_.fetch_sub(1);
    busy_++;
    return SourceUnavailable();
  }
  Result<SourceAnswer> answer = source_->GetId(pool.id, logins);
  in_flight_.fetch_sub(1);
  if (!answer.ok()) {
    spdlog::warn("migration: GetId at the source failed for pool {}: {}", pool.id,
                 answer.error().message());
    if (Status counted = CountFailure(); !counted.ok()) {
      spdlog::warn("migration: counting a failed forward: {}", counted.error().message());
    }
    return SourceUnavailable();
  }
  return Record(pool, candidates, *answer, now_ms);
}

}  // namespace cogsync::identity
