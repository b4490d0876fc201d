#pragma once
// The model store's state: every row of the store interface in ordered maps, keyed as the store
// orders them, with nothing derived or indexed twice. It is plain data: ModelTxn gives it the
// meaning of store.h (keys, foreign keys, cascades, orders, bounds), ModelStore its transactions.
//
// Thread safety: none; a State is either a published, immutable snapshot or the private copy of
// one write transaction.

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "store/types.h"

namespace cogsync::store::model {

// A dataset row with the records it owns, by key (tombstones included, D16).
struct DatasetRows {
  Dataset dataset;
  std::map<std::string, Record> records;
};

struct Lease {
  std::string owner;
  int64_t expires_ms = 0;
};

// (pool, provider, subject): a login's key.
using LoginKey = std::tuple<std::string, std::string, std::string>;
// (identity, dataset, device, pool): a subscription's key, in ListIdentitySubscriptions order.
using SubscriptionKey = std::tuple<std::string, std::string, std::string, std::string>;

struct State {
  std::map<std::string, PoolPtr> pools;  // immutable snapshots, shared by copies of the state
  std::map<std::pair<std::string, std::string>, boost::json::object> tag_maps;  // (pool, provider)
  std::map<std::string, int64_t> sync_sessions;                                 // by pool
  std::map<std::string, Identity> identities;
  std::map<LoginKey, Login> logins;
  std::map<std::string, AccessKey> access_keys;
  std::map<std::string, std::string> secrets;
  std::map<std::pair<std::string, std::string>, DatasetRows> datasets;  // (identity, name)
  std::map<std::string, Device> devices;
  std::set<SubscriptionKey> subscriptions;
  std::map<std::string, OutboxEntry> outbox;  // by id
  std::map<std::string, Lease> leases;
  // Migration from Amazon Cognito (D29).
  std::map<LoginKey, LoginBinding> login_bindings;               // cascade with their pool
  std::set<std::pair<std::string, std::string>> unbound_logins;  // (identity, provider)
  std::map<std::string, int64_t> counters;
};

}  // namespace cogsync::store::model
