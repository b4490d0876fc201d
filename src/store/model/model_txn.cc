// ModelTxn: pools, identities, logins, credentials, datasets, records, usage and the test-mode
// wipe. Push sync, the outbox and leases are in model_push.cc; both implement the one ModelTxn.

#include "store/model/model_txn.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace cogsync::store::model {
namespace {

namespace bj = boost::json;

using DatasetKey = std::pair<std::string, std::string>;

DatasetKey KeyOf(std::string_view identity_id, std::string_view name) {
  return {std::string(identity_id), std::string(name)};
}

// Removes the entries of an ordered map or set for which `doomed` holds.
template <typename Container, typename Predicate>
void EraseWhere(Container& container, Predicate doomed) {
  for (auto it = container.begin(); it != container.end();) {
    it = doomed(*it) ? container.erase(it) : std::next(it);
  }
}

// Values of `map` with keys strictly after `after`, in key order, that `keep` accepts, at most
// `limit` of them (none for a negative limit).
template <typename Map, typename Keep>
auto PageAfter(const Map& map, const typename Map::key_type& after, int limit, Keep keep) {
  std::vector<typename Map::mapped_type> page;
  for (auto it = map.upper_bound(after); it != map.end(); ++it) {
    if (static_cast<int64_t>(page.size()) >= limit) break;
    if (keep(it->second)) page.push_back(it->second);
  }
  return page;
}

}  // namespace

Result<State*> ModelTxn::Mutable() const {
  if (writable_ == nullptr) return ApiError::InternalError("write in a read transaction");
  return writable_;
}

ApiError ModelTxn::Refused(std::string_view why) {
  spdlog::debug("model store refused a write: {}", why);
  return ApiError::InternalError("Internal storage error");
}

// ---- identity pools ----------------------------------------------------------------------------

Result<PoolPtr> ModelTxn::GetPool(std::string_view pool_id) {
  auto it = view_.pools.find(std::string(pool_id));
  if (it == view_.pools.end()) return PoolPtr();
  return it->second;  // the state's own snapshot, shared
}

Status ModelTxn::PutPool(const Pool& pool) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  // A new snapshot in place of the old one (the pool's identities stay); a reader holding the
  // old one keeps it unchanged.
  state->pools[pool.id] = std::make_shared<const Pool>(pool);
  return OkStatus();
}

Status ModelTxn::DeletePool(std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteEverything();
  std::string id(pool_id);
  if (state->pools.erase(id) == 0) return OkStatus();
  EraseWhere(state->tag_maps, [&](const auto& entry) { return entry.first.first == id; });
  state->sync_sessions.erase(id);
  EraseWhere(state->logins, [&](const auto& entry) { return entry.second.pool_id == id; });
  EraseWhere(state->login_bindings, [&](const auto& entry) { return entry.second.pool_id == id; });
  std::vector<std::string> members;
  for (const auto& [identity_id, identity] : state->identities) {
    if (identity.pool_id == id) members.push_back(identity_id);
  }
  // A dataset or device whose own pool column names this pool but whose identity lives in
  // another pool is that identity's, and stays.
  for (const std::string& identity_id : members) RemoveIdentity(*state, identity_id);
  return OkStatus();
}

Result<std::vector<Pool>> ModelTxn::ListPools(std::string_view after_id, int limit) {
  std::vector<Pool> pools;
  for (const PoolPtr& pool :
       PageAfter(view_.pools, std::string(after_id), limit, [](const PoolPtr&) { return true; })) {
    pools.push_back(*pool);
  }
  return pools;
}

Result<std::vector<PoolName>> ModelTxn::ListPoolNames(std::string_view after_id, int limit) {
  std::vector<PoolName> names;
  for (const PoolPtr& pool :
       PageAfter(view_.pools, std::string(after_id), limit, [](const PoolPtr&) { return true; })) {
    names.push_back(PoolName{pool->id, pool->name});
  }
  return names;
}

Result<int64_t> ModelTxn::CountPools() { return static_cast<int64_t>(view_.pools.size()); }

Result<std::optional<bj::object>> ModelTxn::GetPrincipalTagMap(std::string_view pool_id,
                                                               std::string_view provider) {
  auto it = view_.tag_maps.find(KeyOf(pool_id, provider));
  if (it == view_.tag_maps.end()) return std::optional<bj::object>();
  return std::optional<bj::object>(it->second);
}

Status ModelTxn::PutPrincipalTagMap(std::string_view pool_id, std::string_view provider,
                                    const bj::object& map) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->pools.contains(std::string(pool_id))) return Refused("tag map of a missing pool");
  state->tag_maps[KeyOf(pool_id, provider)] = map;
  return OkStatus();
}

Result<std::vector<std::pair<std::string, bj::object>>> ModelTxn::ListPrincipalTagMaps(
    std::string_view pool_id) {
  std::vector<std::pair<std::string, bj::object>> maps;
  for (auto it = view_.tag_maps.lower_bound(KeyOf(pool_id, ""));
       it != view_.tag_maps.end() && it->first.first == pool_id; ++it) {
    maps.emplace_back(it->first.second, it->second);
  }
  return maps;
}

// ---- identities and logins ---------------------------------------------------------------------

Result<std::optional<Identity>> ModelTxn::GetIdentity(std::string_view identity_id) {
  auto it = view_.identities.find(std::string(identity_id));
  if (it == view_.identities.end()) return std::optional<Identity>();
  return std::optional<Identity>(it->second);
}

Status ModelTxn::PutIdentity(const Identity& identity) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity.id);
  if (!state->pools.contains(identity.pool_id)) return Refused("identity of a missing pool");
  state->identities[identity.id] = identity;
  return OkStatus();
}

void ModelTxn::RemoveIdentity(State& state, const std::string& identity_id) {
  state.identities.erase(identity_id);
  EraseWhere(state.unbound_logins, [&](const auto& entry) { return entry.first == identity_id; });
  EraseWhere(state.logins,
             [&](const auto& entry) { return entry.second.identity_id == identity_id; });
  EraseWhere(state.datasets, [&](const auto& entry) { return entry.first.first == identity_id; });
  std::vector<std::string> devices;
  for (const auto& [device_id, device] : state.devices) {
    if (device.identity_id == identity_id) devices.push_back(device_id);
  }
  for (const std::string& device_id : devices) RemoveDevice(state, device_id);
  EraseWhere(state.subscriptions,
             [&](const SubscriptionKey& key) { return std::get<0>(key) == identity_id; });
}

Status ModelTxn::DeleteIdentity(std::string_view identity_id) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  RemoveIdentity(*state, std::string(identity_id));
  return OkStatus();
}

Result<std::vector<Identity>> ModelTxn::ListIdentities(std::string_view pool_id,
                                                       std::string_view after_id, int limit,
                                                       bool hide_disabled) {
  return PageAfter(view_.identities, std::string(after_id), limit, [&](const Identity& identity) {
    return identity.pool_id == pool_id && !(hide_disabled && identity.disabled);
  });
}

Result<std::optional<Login>> ModelTxn::FindLogin(std::string_view pool_id,
                                                 std::string_view provider,
                                                 std::string_view subject) {
  auto it = view_.logins.find(
      LoginKey(std::string(pool_id), std::string(provider), std::string(subject)));
  if (it == view_.logins.end()) return std::optional<Login>();
  return std::optional<Login>(it->second);
}

Result<std::vector<Login>> ModelTxn::ListLogins(std::string_view identity_id) {
  std::vector<Login> logins;
  for (const auto& [key, login] : view_.logins) {
    if (login.identity_id == identity_id) logins.push_back(login);
  }
  // By (provider, subject, pool): a stable sort of the key order (pool, provider, subject).
  std::stable_sort(logins.begin(), logins.end(), [](const Login& a, const Login& b) {
    return std::tie(a.provider, a.subject) < std::tie(b.provider, b.subject);
  });
  return logins;
}

Status ModelTxn::PutLogin(const Login& login) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->pools.contains(login.pool_id)) return Refused("login of a missing pool");
  if (!state->identities.contains(login.identity_id)) {
    return Refused("login of a missing identity");
  }
  state->logins[LoginKey(login.pool_id, login.provider, login.subject)] = login;
  return OkStatus();
}

Status ModelTxn::DeleteLogin(std::string_view pool_id, std::string_view provider,
                             std::string_view subject) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->logins.erase(LoginKey(std::string(pool_id), std::string(provider), std::string(subject)));
  return OkStatus();
}

// ---- credentials and server secrets ------------------------------------------------------------

Result<std::optional<AccessKey>> ModelTxn::GetAccessKey(std::string_view access_key_id) {
  auto it = view_.access_keys.find(std::string(access_key_id));
  if (it == view_.access_keys.end()) return std::optional<AccessKey>();
  return std::optional<AccessKey>(it->second);
}

Status ModelTxn::PutAccessKey(const AccessKey& key) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->access_keys[key.access_key_id] = key;
  return OkStatus();
}

Result<bool> ModelTxn::DeleteAccessKey(std::string_view access_key_id) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  return state->access_keys.erase(std::string(access_key_id)) > 0;
}

Result<std::vector<AccessKey>> ModelTxn::ListAccessKeys() {
  std::vector<AccessKey> keys;
  for (const auto& [id, key] : view_.access_keys) keys.push_back(key);
  return keys;
}

Result<std::optional<std::string>> ModelTxn::GetSecret(std::string_view name) {
  auto it = view_.secrets.find(std::string(name));
  if (it == view_.secrets.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status ModelTxn::PutSecret(std::string_view name, std::string_view value) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->secrets[std::string(name)] = std::string(value);  // arbitrary bytes
  return OkStatus();
}

// ---- datasets and records ----------------------------------------------------------------------

Result<std::optional<Dataset>> ModelTxn::GetDataset(std::string_view identity_id,
                                                    std::string_view name, bool /*for_update*/) {
  // for_update needs nothing: write transactions of the model run one at a time.
  auto it = view_.datasets.find(KeyOf(identity_id, name));
  if (it == view_.datasets.end()) return std::optional<Dataset>();
  return std::optional<Dataset>(it->second.dataset);
}

Status ModelTxn::PutDataset(const Dataset& dataset) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(dataset.identity_id);
  if (!state->identities.contains(dataset.identity_id)) {
    return Refused("dataset of a missing identity");
  }
  // In place: the dataset's records stay.
  state->datasets[KeyOf(dataset.identity_id, dataset.name)].dataset = dataset;
  return OkStatus();
}

Result<std::vector<Dataset>> ModelTxn::ListDatasets(std::string_view identity_id,
                                                    std::string_view after_name, int limit) {
  std::vector<Dataset> page;
  for (auto it = view_.datasets.upper_bound(KeyOf(identity_id, after_name));
       it != view_.datasets.end() && it->first.first == identity_id; ++it) {
    if (static_cast<int64_t>(page.size()) >= limit) break;
    if (!it->second.dataset.deleted) page.push_back(it->second.dataset);
  }
  return page;
}

Result<std::vector<Dataset>> ModelTxn::ListAllDatasets(std::string_view identity_id) {
  std::vector<Dataset> all;
  for (auto it = view_.datasets.lower_bound(KeyOf(identity_id, ""));
       it != view_.datasets.end() && it->first.first == identity_id; ++it) {
    all.push_back(it->second.dataset);
  }
  return all;
}

Status ModelTxn::PurgeDataset(std::string_view identity_id, std::string_view name) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  state->datasets.erase(KeyOf(identity_id, name));  // its records with it
  EraseWhere(state->subscriptions, [&](const SubscriptionKey& key) {
    return std::get<0>(key) == identity_id && std::get<1>(key) == name;
  });
  return OkStatus();
}

Result<std::vector<std::string>> ModelTxn::ListMergedDatasetNames(std::string_view identity_id,
                                                                  std::string_view name) {
  std::vector<std::string> names;
  if (name.empty()) return names;  // '' means "not merged"
  for (auto it = view_.datasets.lower_bound(KeyOf(identity_id, ""));
       it != view_.datasets.end() && it->first.first == identity_id; ++it) {
    const Dataset& dataset = it->second.dataset;
    if (!dataset.deleted && dataset.merged_into_name == name) names.push_back(dataset.name);
  }
  return names;
}

Result<std::vector<Record>> ModelTxn::GetRecords(std::string_view identity_id,
                                                 std::string_view dataset,
                                                 const std::vector<std::string>& keys) {
  std::vector<Record> records;
  auto rows = view_.datasets.find(KeyOf(identity_id, dataset));
  if (rows == view_.datasets.end()) return records;
  // In the order asked for, once per key asked for; missing keys are skipped.
  for (const std::string& key : keys) {
    auto it = rows->second.records.find(key);
    if (it != rows->second.records.end()) records.push_back(it->second);
  }
  return records;
}

Result<std::vector<Record>> ModelTxn::ListRecords(std::string_view identity_id,
                                                  std::string_view dataset, int64_t min_sync_count,
                                                  std::string_view after_key, int limit) {
  auto rows = view_.datasets.find(KeyOf(identity_id, dataset));
  if (rows == view_.datasets.end()) return std::vector<Record>();
  return PageAfter(rows->second.records, std::string(after_key), limit,
                   [&](const Record& record) { return record.sync_count > min_sync_count; });
}

Status ModelTxn::PutRecord(std::string_view identity_id, std::string_view dataset,
                           const Record& record) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  auto rows = state->datasets.find(KeyOf(identity_id, dataset));
  if (rows == state->datasets.end()) return Refused("record of a missing dataset");
  rows->second.records[record.key] = record;
  return OkStatus();
}

Status ModelTxn::DeleteRecords(std::string_view identity_id, std::string_view dataset) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  auto rows = state->datasets.find(KeyOf(identity_id, dataset));
  if (rows != state->datasets.end()) rows->second.records.clear();
  return OkStatus();
}

Status ModelTxn::DeleteRecord(std::string_view identity_id, std::string_view dataset,
                              std::string_view key) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  auto rows = state->datasets.find(KeyOf(identity_id, dataset));
  if (rows != state->datasets.end()) rows->second.records.erase(std::string(key));
  return OkStatus();
}

Result<int64_t> ModelTxn::PurgeRecordsUpTo(std::string_view identity_id, std::string_view dataset,
                                           int64_t max_sync_count, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteIdentity(identity_id);
  auto rows = state->datasets.find(KeyOf(identity_id, dataset));
  if (rows == state->datasets.end()) return int64_t{0};
  // The first `limit` such records in key order.
  int64_t removed = 0;
  auto& records = rows->second.records;
  for (auto it = records.begin(); it != records.end() && removed < limit;) {
    if (it->second.sync_count <= max_sync_count) {
      it = records.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

Result<int64_t> ModelTxn::CountTombstones(std::string_view identity_id, std::string_view dataset) {
  auto rows = view_.datasets.find(KeyOf(identity_id, dataset));
  if (rows == view_.datasets.end()) return int64_t{0};
  return static_cast<int64_t>(
      std::count_if(rows->second.records.begin(), rows->second.records.end(),
                    [](const auto& entry) { return !entry.second.value.has_value(); }));
}

Result<std::vector<std::string>> ModelTxn::ListOldTombstones(std::string_view identity_id,
                                                             std::string_view dataset,
                                                             int64_t before_ms, int limit) {
  std::vector<std::pair<int64_t, std::string>> old;  // (modified_ms, key): oldest first
  auto rows = view_.datasets.find(KeyOf(identity_id, dataset));
  if (rows != view_.datasets.end()) {
    for (const auto& [key, record] : rows->second.records) {
      if (!record.value.has_value() && record.modified_ms < before_ms) {
        old.emplace_back(record.modified_ms, key);
      }
    }
  }
  std::sort(old.begin(), old.end());
  std::vector<std::string> keys;
  for (const auto& [modified_ms, key] : old) {
    if (static_cast<int64_t>(keys.size()) >= limit) break;
    keys.push_back(key);
  }
  return keys;
}

// ---- usage -------------------------------------------------------------------------------------

Status ModelTxn::AddSyncSessions(std::string_view pool_id, int64_t count) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->pools.contains(std::string(pool_id))) return Refused("usage of a missing pool");
  state->sync_sessions[std::string(pool_id)] += count;
  return OkStatus();
}

Result<PoolUsage> ModelTxn::GetPoolUsage(std::string_view pool_id) {
  PoolUsage usage;
  auto sessions = view_.sync_sessions.find(std::string(pool_id));
  if (sessions != view_.sync_sessions.end()) usage.sync_sessions = sessions->second;
  // Storage counts live datasets; the latest change counts deletions too (D22).
  std::optional<int64_t> latest;
  for (const auto& [key, rows] : view_.datasets) {
    if (rows.dataset.pool_id != pool_id) continue;
    if (!rows.dataset.deleted) usage.data_storage += rows.dataset.data_storage;
    latest = std::max(latest.value_or(rows.dataset.modified_ms), rows.dataset.modified_ms);
  }
  usage.last_modified_ms = latest.value_or(0);
  return usage;
}

Result<PoolCounts> ModelTxn::CountPoolContents(std::string_view pool_id) {
  PoolCounts counts;
  for (const auto& [id, identity] : view_.identities) {
    if (identity.pool_id == pool_id) ++counts.identities;
  }
  for (const auto& [key, rows] : view_.datasets) {
    if (rows.dataset.pool_id == pool_id && !rows.dataset.deleted) ++counts.datasets;
  }
  return counts;
}

// ---- migration from Amazon Cognito (D29) ---------------------------------------------------

Result<std::optional<LoginBinding>> ModelTxn::GetLoginBinding(std::string_view pool_id,
                                                              std::string_view provider,
                                                              std::string_view subject) {
  auto it = view_.login_bindings.find(
      LoginKey(std::string(pool_id), std::string(provider), std::string(subject)));
  if (it == view_.login_bindings.end()) return std::optional<LoginBinding>();
  return std::optional<LoginBinding>(it->second);
}

Status ModelTxn::PutLoginBinding(const LoginBinding& binding) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->pools.contains(binding.pool_id)) return Refused("login binding of a missing pool");
  state->login_bindings[LoginKey(binding.pool_id, binding.provider, binding.subject)] = binding;
  return OkStatus();
}

Result<std::vector<std::string>> ModelTxn::ListUnboundLogins(std::string_view identity_id) {
  std::vector<std::string> providers;
  for (const auto& [identity, provider] : view_.unbound_logins) {
    if (identity == identity_id) providers.push_back(provider);
  }
  return providers;  // ordered by provider: the set's order within one identity
}

Status ModelTxn::PutUnboundLogin(std::string_view identity_id, std::string_view provider) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  if (!state->identities.contains(std::string(identity_id))) {
    return Refused("unbound login of a missing identity");
  }
  state->unbound_logins.emplace(std::string(identity_id), std::string(provider));
  return OkStatus();
}

Status ModelTxn::DeleteUnboundLogin(std::string_view identity_id, std::string_view provider) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->unbound_logins.erase({std::string(identity_id), std::string(provider)});
  return OkStatus();
}

Status ModelTxn::AddCounter(std::string_view name, int64_t delta) {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  state->counters[std::string(name)] += delta;
  return OkStatus();
}

Result<std::vector<std::pair<std::string, int64_t>>> ModelTxn::ListCounters(
    std::string_view prefix) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& [name, value] : view_.counters) {
    if (name.starts_with(prefix)) out.emplace_back(name, value);
  }
  return out;
}

// ---- test mode ---------------------------------------------------------------------------------

Status ModelTxn::WipeCognitoState() {
  COGSYNC_ASSIGN_OR_RETURN(State * state, Mutable());
  NoteEverything();
  // Access keys, secrets and leases are not Cognito state and stay.
  State kept;
  kept.access_keys = std::move(state->access_keys);
  kept.secrets = std::move(state->secrets);
  kept.leases = std::move(state->leases);
  *state = std::move(kept);
  return OkStatus();
}

}  // namespace cogsync::store::model
