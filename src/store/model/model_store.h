#pragma once
// The model store: the Store interface held in memory, with no SQL at all (model_txn.h), opened
// by the URL "memory:". It is the reference the SQLite and PostgreSQL stores are checked against
// (the conformance suite runs on all three; the lockstep test compares each engine with it step
// by step), and the store of service tests that need one fast. Nothing survives the process:
// it is not a store for data anyone wants to keep.
//
// Transactions: a read runs against an immutable snapshot (a shared pointer to the state current
// when it began). Writes run one at a time, each on a private copy of the state that replaces
// the current one only when the function succeeded, so a failed write changes nothing and a
// reader never sees half of one. "Durable" means published.
//
// Thread safety: Read and Write may be called concurrently from any thread.

#include <atomic>
#include <memory>
#include <string_view>

#include "common/config.h"
#include "common/mutex.h"
#include "store/model/model_state.h"
#include "store/store.h"

namespace cogsync::store::model {

class ModelStore final : public Store {
 public:
  ModelStore() : state_(std::make_shared<const State>()) {}
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;
  // The registry's open function (store/registry.h): the URL is "memory:" and nothing more.
  static Result<StorePtr> OpenUrl(std::string_view url, const Config& config, bool server);

  Status Read(const TxnFn& fn) override;
  Status Write(const TxnFn& fn) override;
  // True: the state is this process's alone; a write's changes are reported around its
  // publication.
  bool SetChangeObserver(ChangeObserver* observer) override;

 private:
  std::shared_ptr<const State> Current() const EXCLUDES(state_mu_);

  Mutex write_mu_;  // guards no data: it serialises write transactions (each copies the state)
  mutable Mutex state_mu_;
  std::shared_ptr<const State> state_ GUARDED_BY(state_mu_);
  std::atomic<ChangeObserver*> observer_{nullptr};
};

}  // namespace cogsync::store::model
