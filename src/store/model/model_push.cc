// ModelTxn: push sync devices and subscriptions, the outbox (D24), leases and pool-wide dataset
// scans (D26). Kept apart from model_txn.cc, which holds the other Cognito rows; both implement
// the one ModelTxn class.

#include <algorithm>
#include <iterator>
#include <tuple>

#include "store/model/model_txn.h"

namespace cogsync::store::model {
namespace {

// The outbox order (partition, position, sub, id), and the due order that puts the due time
// first.
auto OutboxOrder(const OutboxEntry& e) { return std::tie(e.partition, e.position, e.sub, e.id); }
auto CursorOrder(const OutboxCursor& c) { return std::tie(c.partition, c.position, c.sub, c.id); }
auto DueOrder(const OutboxEntry& e) {
  return std::tie(e.next_attempt_ms, e.partition, e.position, e.sub, e.id);
}
auto DueCursorOrder(const OutboxCursor& c) {
  return std::tie(c.next_attempt_ms, c.partition, c.position, c.sub, c.id);
}

// The entries `keep` accepts, sorted by `less`, at most `limit` (none for a negative limit).
template <typename Keep, typename Less>
std::vector<OutboxEntry> SortedOutbox(const State& state, int limit, Keep keep, Less less) {
  std::vector<OutboxEntry> entries;
  for (const auto& [id, entry] : state.outbox) {
    if (keep(entry)) entries.push_back(entry);
  }
  std::sort(entries.begin(), entries.end(), less);
  entries.resize(std::min<size_t>(entries.size(), static_cast<size_t>(std::max(limit, 0))));
  return entries;
}

}  // namespace

// ---- push sync ---------------------------------------------------------------------------------

Result<std::optional<Device>> ModelTxn::GetDevice(std::string_view device_id) {
  auto it = view_.devices.find(std::string(device_id));
  if (it == view_.devices.end()) return std::optional<Device>();
  return std::optional<Device>(it->second);
}

Result<std::optional<Device>> ModelTxn::FindDevice(std::string_view identity_id,
                                                   std::string_view platform,
                                                   std::string_view token) {
  // The first by device id, when several match.
  for (const auto& [device_id, device] : view_.devices) {
    if (device.identity_id == identity_id && device.platform == platform && device.token == token) {
      return std::optional<Device>(device);
    }
  }
  return std::optional<Device>();
}

Status ModelTxn::PutDevice(const Device& device) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->identities.contains(device.identity_id)) {
    return Refused("device of a missing identity");
  }
  state->devices[device.device_id] = device;  // in place: its subscriptions stay
  return OkStatus();
}

Result<std::vector<Device>> ModelTxn::ListDevices(std::string_view identity_id) {
  std::vector<Device> devices;
  for (const auto& [device_id, device] : view_.devices) {
    if (device.identity_id == identity_id) devices.push_back(device);
  }
  // Least recently registered first (D19 evicts from the front), ties by device id.
  std::stable_sort(devices.begin(), devices.end(),
                   [](const Device& a, const Device& b) { return a.created_ms < b.created_ms; });
  return devices;
}

void ModelTxn::RemoveDevice(State& state, const std::string& device_id) {
  state.devices.erase(device_id);
  for (auto it = state.subscriptions.begin(); it != state.subscriptions.end();) {
    it = std::get<2>(*it) == device_id ? state.subscriptions.erase(it) : std::next(it);
  }
}

Status ModelTxn::DeleteDevice(std::string_view device_id) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  RemoveDevice(*state, std::string(device_id));
  return OkStatus();
}

Status ModelTxn::PutSubscription(const Subscription& s) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  SubscriptionKey key(s.identity_id, s.dataset_name, s.device_id, s.pool_id);
  if (state->subscriptions.contains(key)) return OkStatus();  // already subscribed
  if (!state->identities.contains(s.identity_id)) {
    return Refused("subscription of a missing identity");
  }
  if (!state->devices.contains(s.device_id)) return Refused("subscription of a missing device");
  state->subscriptions.insert(std::move(key));
  return OkStatus();
}

Status ModelTxn::DeleteSubscription(const Subscription& s) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->subscriptions.erase(
      SubscriptionKey(s.identity_id, s.dataset_name, s.device_id, s.pool_id));
  return OkStatus();
}

Result<std::vector<Subscription>> ModelTxn::ListSubscriptions(std::string_view identity_id,
                                                              std::string_view dataset) {
  // The set's order within one (identity, dataset) is (device, pool).
  std::vector<Subscription> subscriptions;
  for (auto it = view_.subscriptions.lower_bound(
           SubscriptionKey(std::string(identity_id), std::string(dataset), "", ""));
       it != view_.subscriptions.end() && std::get<0>(*it) == identity_id &&
       std::get<1>(*it) == dataset;
       ++it) {
    subscriptions.push_back(
        Subscription{std::get<3>(*it), std::get<0>(*it), std::get<1>(*it), std::get<2>(*it)});
  }
  return subscriptions;
}

Result<std::vector<Subscription>> ModelTxn::ListIdentitySubscriptions(
    std::string_view identity_id) {
  std::vector<Subscription> subscriptions;
  for (auto it =
           view_.subscriptions.lower_bound(SubscriptionKey(std::string(identity_id), "", "", ""));
       it != view_.subscriptions.end() && std::get<0>(*it) == identity_id; ++it) {
    const auto& [identity, dataset, device, pool] = *it;
    subscriptions.push_back(Subscription{pool, identity, dataset, device});
  }
  return subscriptions;
}

// ---- outbox and background work ----------------------------------------------------------------

Status ModelTxn::AppendOutbox(const OutboxEntry& entry) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (state->outbox.contains(entry.id)) return Refused("outbox id taken");
  // Due no earlier than the partition's last entry (store.h), so due entries stay a prefix.
  const OutboxEntry* last = nullptr;
  for (const auto& [id, other] : state->outbox) {
    if (other.partition == entry.partition &&
        (last == nullptr || OutboxOrder(*last) < OutboxOrder(other))) {
      last = &other;
    }
  }
  OutboxEntry appended = entry;
  if (last != nullptr) {
    appended.next_attempt_ms = std::max(appended.next_attempt_ms, last->next_attempt_ms);
  }
  state->outbox.emplace(appended.id, std::move(appended));
  return OkStatus();
}

Status ModelTxn::ReplaceOutbox(const OutboxEntry& entry) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  for (auto it = state->outbox.begin(); it != state->outbox.end();) {
    it = it->second.partition == entry.partition ? state->outbox.erase(it) : std::next(it);
  }
  return AppendOutbox(entry);
}

Result<std::vector<OutboxEntry>> ModelTxn::ListOutbox(const OutboxCursor& after, int limit) {
  return SortedOutbox(
      view_, limit, [&](const OutboxEntry& e) { return CursorOrder(after) < OutboxOrder(e); },
      [](const OutboxEntry& a, const OutboxEntry& b) { return OutboxOrder(a) < OutboxOrder(b); });
}

Result<std::vector<OutboxEntry>> ModelTxn::ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                         const OutboxCursor& after, int limit) {
  return SortedOutbox(
      view_, limit,
      [&](const OutboxEntry& e) {
        return e.kind == kind && e.next_attempt_ms <= now_ms && DueCursorOrder(after) < DueOrder(e);
      },
      [](const OutboxEntry& a, const OutboxEntry& b) { return DueOrder(a) < DueOrder(b); });
}

Status ModelTxn::DeleteOutbox(std::string_view id) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->outbox.erase(std::string(id));
  return OkStatus();
}

Status ModelTxn::UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                                     std::string_view last_error) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  auto it = state->outbox.find(std::string(id));
  if (it == state->outbox.end()) return OkStatus();
  it->second.attempts = attempts;
  it->second.next_attempt_ms = next_attempt_ms;
  it->second.last_error = std::string(last_error);
  // The rest of its partition waits for it (store.h).
  const std::string partition = it->second.partition;
  for (auto& [other_id, other] : state->outbox) {
    if (other.partition == partition) {
      other.next_attempt_ms = std::max(other.next_attempt_ms, next_attempt_ms);
    }
  }
  return OkStatus();
}

Result<OutboxStats> ModelTxn::GetOutboxStats() {
  OutboxStats stats;
  stats.pending = static_cast<int64_t>(view_.outbox.size());
  bool first = true;
  for (const auto& [id, entry] : view_.outbox) {
    stats.oldest_created_ms =
        first ? entry.created_ms : std::min(stats.oldest_created_ms, entry.created_ms);
    first = false;
  }
  return stats;
}

Result<bool> ModelTxn::TryAcquireLease(std::string_view name, std::string_view owner,
                                       int64_t now_ms, int64_t ttl_ms) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  auto [it, fresh] = state->leases.try_emplace(std::string(name));
  Lease& lease = it->second;
  // Taken when free, expired, or already ours.
  if (fresh || lease.owner == owner || lease.expires_ms <= now_ms) {
    lease = Lease{std::string(owner), now_ms + ttl_ms};
  }
  return lease.owner == owner;
}

Result<std::vector<Dataset>> ModelTxn::ListPoolDatasets(std::string_view pool_id,
                                                        std::string_view after_identity,
                                                        std::string_view after_name, int limit) {
  std::vector<Dataset> page;
  auto after = std::make_pair(std::string(after_identity), std::string(after_name));
  for (auto it = view_.datasets.upper_bound(after); it != view_.datasets.end(); ++it) {
    if (static_cast<int64_t>(page.size()) >= limit) break;
    const Dataset& dataset = it->second.dataset;
    if (dataset.pool_id == pool_id && !dataset.deleted) page.push_back(dataset);
  }
  return page;
}

}  // namespace cogsync::store::model
