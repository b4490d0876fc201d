#pragma once
// What a write transaction changed, told to a reader that keeps copies of committed state in
// memory (the Sync service's dataset cache, sync/dataset_cache.h), so that it can stay coherent
// without reading the store to check.
//
// The unit is the identity: a write of an identity row, of any dataset row or record of an
// identity, or a deletion reaching them (an identity's deletion, a dataset's purge, a reclaim of
// old rows) names the identity. What reaches every identity at once (a pool's deletion, the test
// mode's wipe) names everything. Writes that no dataset read depends on (pools' configuration,
// logins, devices, the outbox, keys, secrets, counters) name nothing.
//
// An engine that reports changes (Store::SetChangeObserver returns true) calls, for each
// transaction (or group-committed batch) that named anything:
//   Changing(changes)  after its writes and before its commit can be seen by any reader;
//   Changed(changes)   after the commit (or the rollback), before any writer in it is answered.
// Between the two, an observer serves nothing it holds of the named identities from memory.
// A transaction that fails may still be reported (harmless: it only costs a cache miss).
//
// Thread safety: a ChangeSet belongs to the transaction (or batch) filling it. An observer's
// methods are called from the engine's writer thread while request threads use the observer.

#include <string>
#include <string_view>
#include <vector>

namespace cogsync::store {

class ChangeSet {
 public:
  void Identity(std::string_view identity_id) {
    if (everything_) return;
    // A transaction writes one identity's rows one after another: consecutive repeats are
    // common and kept once; other repeats are rare and harmless.
    if (!identities_.empty() && identities_.back() == identity_id) return;
    identities_.emplace_back(identity_id);
  }
  void Everything() {
    everything_ = true;
    identities_.clear();
  }
  void Clear() {
    everything_ = false;
    identities_.clear();
  }

  bool everything() const { return everything_; }
  bool empty() const { return !everything_ && identities_.empty(); }
  // The identities named (empty when everything() is).
  const std::vector<std::string>& identities() const { return identities_; }

 private:
  bool everything_ = false;
  std::vector<std::string> identities_;
};

class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  virtual void Changing(const ChangeSet& changes) = 0;
  virtual void Changed(const ChangeSet& changes) = 0;
};

}  // namespace cogsync::store
