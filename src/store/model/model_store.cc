#include "store/model/model_store.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "store/model/model_txn.h"

namespace cogsync::store::model {
namespace {

// The store whose write function this thread is running: a nested Write() would wait for
// itself, so it is refused.
thread_local const ModelStore* t_writing = nullptr;

}  // namespace

Result<StorePtr> ModelStore::OpenUrl(std::string_view url, const Config& /*config*/, bool server) {
  if (url != "memory:") {
    return ApiError::InvalidParameter("the memory: store takes no path or options");
  }
  if (server) spdlog::warn("store memory: keeps nothing once the server stops");
  return StorePtr(std::make_unique<ModelStore>());
}

std::shared_ptr<const State> ModelStore::Current() const {
  MutexLock lock(state_mu_);
  return state_;
}

Status ModelStore::Read(const TxnFn& fn) {
  std::shared_ptr<const State> snapshot = Current();
  ModelTxn txn(*snapshot, nullptr);
  return CallGuarded([&] { return fn(txn); });
}

Status ModelStore::Write(const TxnFn& fn) {
  if (t_writing == this) {
    return ApiError::InternalError("Write() called from inside a write function");
  }
  MutexLock writer(write_mu_);
  auto next = std::make_shared<State>(*Current());
  ChangeSet changes;
  ModelTxn txn(*next, next.get(), &changes);
  t_writing = this;
  Status status = CallGuarded([&] { return fn(txn); });
  t_writing = nullptr;
  if (!status.ok()) return status;
  ChangeObserver* observer = changes.empty() ? nullptr : observer_.load(std::memory_order_acquire);
  if (observer != nullptr) observer->Changing(changes);
  {
    MutexLock lock(state_mu_);
    state_ = std::move(next);
  }
  if (observer != nullptr) observer->Changed(changes);
  return OkStatus();
}

bool ModelStore::SetChangeObserver(ChangeObserver* observer) {
  observer_.store(observer, std::memory_order_release);
  return true;
}

}  // namespace cogsync::store::model
