#pragma once
// The random steps of the lockstep test (lockstep_test.cc): operations of every Txn method over
// small name spaces, so that they collide often (upserts of existing rows, deletes of missing
// ones, children of missing parents, cascades, outbox partitions, lease owners), each printing
// what it saw into a transcript that two stores must write alike.

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "common/json.h"
#include "store/store.h"

namespace cogsync::store::lockstep {

namespace bj = boost::json;

// One operation of a transaction: appends what it saw to the transcript, or fails.
using Op = std::function<Status(Txn&, std::ostringstream&)>;

struct Step {
  bool write = false;
  std::vector<Op> ops;
};

inline std::string Opt(const std::optional<std::string>& value) {
  return value ? "'" + *value + "'" : "null";
}
inline std::string Opt(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

inline void Print(std::ostringstream& out, const Pool& p) {
  out << "pool{" << p.id << "," << p.name << "," << p.developer_provider_name << ","
      << json::Write(bj::value(p.description)) << "," << json::Write(bj::value(p.tags)) << ","
      << p.created_ms << "}";
}
inline void Print(std::ostringstream& out, const Identity& i) {
  out << "identity{" << i.id << "," << i.pool_id << "," << i.created_ms << "," << i.modified_ms
      << "," << i.disabled << "," << i.merged_into << "}";
}
inline void Print(std::ostringstream& out, const Login& l) {
  out << "login{" << l.pool_id << "," << l.provider << "," << l.subject << "," << l.identity_id
      << "," << l.linked_ms << "}";
}
inline void Print(std::ostringstream& out, const Dataset& d) {
  out << "dataset{" << d.identity_id << "," << d.name << "," << d.pool_id << "," << d.sync_count
      << "," << d.modified_ms << "," << d.modified_by << "," << d.data_storage << ","
      << d.num_records << "," << d.deleted << "," << d.last_deleted_at << "," << d.merged_into_name
      << "}";
}
inline void Print(std::ostringstream& out, const Record& r) {
  out << "record{" << r.key << "," << Opt(r.value) << "," << r.sync_count << "," << r.modified_ms
      << "," << r.modified_by << "," << Opt(r.device_modified_ms) << "}";
}
inline void Print(std::ostringstream& out, const Device& d) {
  out << "device{" << d.device_id << "," << d.pool_id << "," << d.identity_id << "," << d.platform
      << "," << d.token << "," << d.endpoint_arn << "," << d.created_ms << "}";
}
inline void Print(std::ostringstream& out, const Subscription& s) {
  out << "sub{" << s.pool_id << "," << s.identity_id << "," << s.dataset_name << "," << s.device_id
      << "}";
}
inline void Print(std::ostringstream& out, const AccessKey& k) {
  out << "key{" << k.access_key_id << "," << k.secret_access_key << "," << k.name << ","
      << k.created_ms << "}";
}
inline void Print(std::ostringstream& out, const std::string& s) { out << "'" << s << "'"; }
inline void Print(std::ostringstream& out, const bj::object& o) {
  out << json::Write(bj::value(o));
}
inline void Print(std::ostringstream& out, const PoolName& p) {
  out << "name{" << p.id << "," << p.name << "}";
}
inline void Print(std::ostringstream& out, const std::pair<std::string, bj::object>& map) {
  out << "tagmap{" << map.first << "," << json::Write(bj::value(map.second)) << "}";
}
inline void Print(std::ostringstream& out, const OutboxEntry& e) {
  out << "outbox{" << e.id << "," << e.kind << "," << e.pool_id << "," << e.partition << ","
      << e.position << "," << e.sub << "," << e.target << "," << e.payload << "," << e.attempts
      << "," << e.next_attempt_ms << "," << e.created_ms << "," << e.last_error << "}";
}

template <typename T>
inline void Print(std::ostringstream& out, const std::optional<T>& value) {
  if (value) {
    Print(out, *value);
  } else {
    out << "none";
  }
}
template <typename T>
inline void Print(std::ostringstream& out, const std::shared_ptr<const T>& value) {
  if (value) {
    Print(out, *value);
  } else {
    out << "none";
  }
}
template <typename T>
inline void Print(std::ostringstream& out, const std::vector<T>& values) {
  out << "[";
  for (const T& value : values) {
    Print(out, value);
    out << ";";
  }
  out << "]";
}

// Prints a successful answer, or propagates the error.
template <typename T>
inline Status Show(std::ostringstream& out, const char* what, Result<T> result) {
  if (!result.ok()) return result.error();
  out << what << "=";
  if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, bool>) {
    out << *result;
  } else if constexpr (std::is_same_v<T, PoolUsage>) {
    out << result->sync_sessions << "/" << result->data_storage << "/" << result->last_modified_ms;
  } else if constexpr (std::is_same_v<T, PoolCounts>) {
    out << result->identities << "/" << result->datasets;
  } else if constexpr (std::is_same_v<T, OutboxStats>) {
    out << result->pending << "/" << result->oldest_created_ms;
  } else {
    Print(out, *result);
  }
  out << "\n";
  return OkStatus();
}

// Builds random steps over small name spaces, so operations collide often: upserts of existing
// rows, deletes of missing ones, children of missing parents, cascades.
class Generator {
 public:
  explicit Generator(uint32_t seed) : random_(seed) {}

  Step NextStep() {
    Step step;
    int count = Pick(1, 4);
    for (int n = 0; n < count; ++n) {
      bool write = Pick(0, 99) < 55;
      step.ops.push_back(write ? WriteOp() : ReadOp());
      step.write = step.write || write;
    }
    return step;
  }

 private:
  int Pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  std::string Name(const char* prefix, int count) {
    return prefix + std::to_string(Pick(0, count - 1));
  }
  std::string PoolId() { return Name("p", 3); }
  std::string IdentityId() { return Name("i", 5); }
  std::string DatasetName() {
    static const char* kNames[] = {"d0", "d1", "D2", "d0.merged"};
    return kNames[Pick(0, 3)];
  }
  std::string Key() {
    static const char* kKeys[] = {"k0", "k1", "K2", "k_3", "k\xc3\xa9", "k10"};
    return kKeys[Pick(0, 5)];
  }
  std::string Text() {
    static const char* kTexts[] = {"",          "v",         "value with spaces", "\xe2\x98\x83",
                                   "{\"j\":1}", "quote'\"\\"};
    return kTexts[Pick(0, 5)];
  }
  int64_t Number() { return Pick(0, 1000); }

  Op WriteOp() {
    switch (Pick(0, 5)) {
      case 0:
        return OutboxWriteOp();
      case 1:
        return BoundsWriteOp();
      default:
        return RowWriteOp();
    }
  }
  Op ReadOp() {
    switch (Pick(0, 5)) {
      case 0:
        return OutboxReadOp();
      case 1:
        return BoundsReadOp();
      default:
        return RowReadOp();
    }
  }

  // The outbox (D24) and leases: ids, partitions and owners from small sets, so appends collide
  // on ids, partitions interleave and leases change hands.
  Op OutboxWriteOp() {
    std::string id = Name("o", 8);
    switch (Pick(0, 4)) {
      case 0:
      case 1: {
        OutboxEntry entry;
        entry.id = id;
        entry.kind = Pick(0, 1) ? "stream" : "push";
        entry.pool_id = PoolId();
        entry.partition = Name("part", 3);
        entry.position = Pick(0, 3);
        entry.sub = Pick(0, 1);
        entry.target = Text();
        entry.payload = Text();
        entry.attempts = Pick(0, 2);
        entry.next_attempt_ms = Number();
        entry.created_ms = Number();
        entry.last_error = Pick(0, 1) ? "" : Text();
        bool replace = Pick(0, 3) == 0;
        return [entry, replace](Txn& txn, std::ostringstream&) {
          return replace ? txn.ReplaceOutbox(entry) : txn.AppendOutbox(entry);
        };
      }
      case 2:
        return [id](Txn& txn, std::ostringstream&) { return txn.DeleteOutbox(id); };
      case 3: {
        int attempts = Pick(1, 5);
        int64_t next = Number();
        std::string error = Text();
        return [id, attempts, next, error](Txn& txn, std::ostringstream&) {
          return txn.UpdateOutboxAttempt(id, attempts, next, error);
        };
      }
      default: {
        std::string lease = Name("lease", 2), owner = Name("node", 2);
        int64_t now = Number(), ttl = Pick(0, 300);
        return [lease, owner, now, ttl](Txn& txn, std::ostringstream& out) {
          return Show(out, "lease", txn.TryAcquireLease(lease, owner, now, ttl));
        };
      }
    }
  }

  // What D16 and D19 bound: tombstones written and purged one by one (their times collide, so
  // the oldest-first order needs its tie-break), devices registered and removed.
  Op BoundsWriteOp() {
    std::string id = IdentityId(), name = DatasetName(), key = Key();
    switch (Pick(0, 4)) {
      case 4: {
        // Reclaiming a deleted revision (D16, D17): a bounded batch of the rows at or below a
        // SyncCount.
        int64_t max_sync_count = Pick(0, 1000);
        int limit = Pick(-1, 3);
        return [id, name, max_sync_count, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "purged", txn.PurgeRecordsUpTo(id, name, max_sync_count, limit));
        };
      }
      case 0: {
        Record tombstone{key, std::nullopt, Number(), Pick(0, 5), Text(), std::nullopt};
        return [id, name, tombstone](Txn& txn, std::ostringstream&) {
          return txn.PutRecord(id, name, tombstone);
        };
      }
      case 1:
        return [id, name, key](Txn& txn, std::ostringstream&) {
          return txn.DeleteRecord(id, name, key);
        };
      case 2: {
        Device device{Name("dev", 3), PoolId(), id,        Pick(0, 1) ? "GCM" : "APNS",
                      Name("tok", 2), Text(),   Pick(0, 3)};
        return [device](Txn& txn, std::ostringstream&) { return txn.PutDevice(device); };
      }
      default: {
        std::string device = Name("dev", 3);
        return [device](Txn& txn, std::ostringstream&) { return txn.DeleteDevice(device); };
      }
    }
  }

  OutboxCursor Cursor() {
    OutboxCursor cursor;
    if (Pick(0, 1) == 0) return cursor;  // from the start
    cursor.partition = Name("part", 3);
    cursor.position = Pick(-1, 3);
    cursor.sub = Pick(-1, 1);
    cursor.id = Pick(0, 1) ? "" : Name("o", 8);
    cursor.next_attempt_ms = Pick(0, 1) ? -1 : Number();
    return cursor;
  }

  Op OutboxReadOp() {
    OutboxCursor cursor = Cursor();
    int limit = Pick(-1, 6);
    switch (Pick(0, 3)) {
      case 0:
        return [cursor, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "outbox", txn.ListOutbox(cursor, limit));
        };
      case 1: {
        std::string kind = Pick(0, 1) ? "stream" : "push";
        int64_t now = Number();
        return [kind, now, cursor, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "due", txn.ListDueOutbox(kind, now, cursor, limit));
        };
      }
      case 2:
        return [](Txn& txn, std::ostringstream& out) {
          return Show(out, "stats", txn.GetOutboxStats());
        };
      default: {
        std::string pool = PoolId();
        std::string after_identity = Pick(0, 1) ? "" : IdentityId();
        std::string after_name = Pick(0, 1) ? "" : DatasetName();
        return [pool, after_identity, after_name, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "pooldatasets",
                      txn.ListPoolDatasets(pool, after_identity, after_name, limit));
        };
      }
    }
  }

  Op BoundsReadOp() {
    std::string id = IdentityId(), name = DatasetName(), pool = PoolId();
    int limit = Pick(-1, 4);
    switch (Pick(0, 6)) {
      case 0:
        return [id, name](Txn& txn, std::ostringstream& out) {
          return Show(out, "tombstones", txn.CountTombstones(id, name));
        };
      case 1: {
        int64_t before = Pick(0, 6);
        return [id, name, before, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "old", txn.ListOldTombstones(id, name, before, limit));
        };
      }
      case 2:
        return [id](Txn& txn, std::ostringstream& out) {
          return Show(out, "devices", txn.ListDevices(id));
        };
      case 3:
        return [id](Txn& txn, std::ostringstream& out) {
          return Show(out, "identitysubs", txn.ListIdentitySubscriptions(id));
        };
      case 4:
        return [pool](Txn& txn, std::ostringstream& out) -> Status {
          COGSYNC_RETURN_IF_ERROR(Show(out, "tagmaps", txn.ListPrincipalTagMaps(pool)));
          return Show(out, "counts", txn.CountPoolContents(pool));
        };
      case 5: {
        std::string after = Pick(0, 1) ? "" : PoolId();
        return [after, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "names", txn.ListPoolNames(after, limit));
        };
      }
      default: {
        std::string key = Name("AKID", 3);
        return [key](Txn& txn, std::ostringstream& out) {
          return Show(out, "key", txn.GetAccessKey(key));
        };
      }
    }
  }

  Op RowWriteOp() {
    switch (Pick(0, 18)) {
      case 0: {
        Pool pool;
        pool.id = PoolId();
        pool.name = Text();
        pool.developer_provider_name = Pick(0, 1) ? "" : "login.dev";
        pool.description = bj::object{{"IdentityPoolName", pool.name}, {"n", Number()}};
        pool.tags = bj::object{{"t", Text()}};
        pool.created_ms = Number();
        return [pool](Txn& txn, std::ostringstream&) { return txn.PutPool(pool); };
      }
      case 1: {
        std::string id = PoolId();
        return [id](Txn& txn, std::ostringstream&) { return txn.DeletePool(id); };
      }
      case 2:
      case 3: {
        Identity identity{IdentityId(), PoolId(),        Number(),
                          Number(),     Pick(0, 3) == 0, Pick(0, 3) == 0 ? IdentityId() : ""};
        return [identity](Txn& txn, std::ostringstream&) { return txn.PutIdentity(identity); };
      }
      case 4: {
        std::string id = IdentityId();
        return [id](Txn& txn, std::ostringstream&) { return txn.DeleteIdentity(id); };
      }
      case 5: {
        Login login{PoolId(), Name("prov", 2), Name("sub", 2), IdentityId(), Number()};
        return [login](Txn& txn, std::ostringstream&) { return txn.PutLogin(login); };
      }
      case 6: {
        Login login{PoolId(), Name("prov", 2), Name("sub", 2), "", 0};
        return [login](Txn& txn, std::ostringstream&) {
          return txn.DeleteLogin(login.pool_id, login.provider, login.subject);
        };
      }
      case 7:
      case 8: {
        Dataset dataset;
        dataset.identity_id = IdentityId();
        dataset.name = DatasetName();
        dataset.pool_id = PoolId();
        dataset.sync_count = Number();
        dataset.created_ms = Number();
        dataset.modified_ms = Number();
        dataset.modified_by = Text();
        dataset.data_storage = Number();
        dataset.num_records = Pick(0, 5);
        dataset.deleted = Pick(0, 3) == 0;
        dataset.last_deleted_at = Number();
        dataset.merged_into_name = Pick(0, 2) == 0 ? "d0" : "";
        return [dataset](Txn& txn, std::ostringstream&) { return txn.PutDataset(dataset); };
      }
      case 9: {
        std::string id = IdentityId(), name = DatasetName();
        return [id, name](Txn& txn, std::ostringstream&) { return txn.PurgeDataset(id, name); };
      }
      case 10:
      case 11: {
        std::string id = IdentityId(), name = DatasetName();
        Record record{Key(),    Pick(0, 4) == 0 ? std::nullopt : std::optional<std::string>(Text()),
                      Number(), Number(),
                      Text(),   Pick(0, 1) ? std::optional<int64_t>(Number()) : std::nullopt};
        return [id, name, record](Txn& txn, std::ostringstream&) {
          return txn.PutRecord(id, name, record);
        };
      }
      case 12: {
        std::string id = IdentityId(), name = DatasetName();
        return [id, name](Txn& txn, std::ostringstream&) { return txn.DeleteRecords(id, name); };
      }
      case 13: {
        std::string pool = PoolId();
        int64_t count = Pick(1, 5);
        return [pool, count](Txn& txn, std::ostringstream&) {
          return txn.AddSyncSessions(pool, count);
        };
      }
      case 14: {
        Device device{Name("dev", 3), PoolId(), IdentityId(), Pick(0, 1) ? "GCM" : "APNS",
                      Name("tok", 2), Text(),   Number()};
        return [device](Txn& txn, std::ostringstream&) { return txn.PutDevice(device); };
      }
      case 15: {
        Subscription subscription{PoolId(), IdentityId(), DatasetName(), Name("dev", 3)};
        bool add = Pick(0, 2) != 0;
        return [subscription, add](Txn& txn, std::ostringstream&) {
          return add ? txn.PutSubscription(subscription) : txn.DeleteSubscription(subscription);
        };
      }
      case 16: {
        std::string name = Name("secret", 2);
        std::string value = Pick(0, 1) ? Text() : std::string("\0\x01\xff", 3);
        return [name, value](Txn& txn, std::ostringstream&) { return txn.PutSecret(name, value); };
      }
      case 17: {
        AccessKey key{Name("AKID", 3), Text(), Text(), Number()};
        bool remove = Pick(0, 2) == 0;
        return [key, remove](Txn& txn, std::ostringstream& out) -> Status {
          if (remove) return Show(out, "deleted", txn.DeleteAccessKey(key.access_key_id));
          return txn.PutAccessKey(key);
        };
      }
      default: {
        if (Pick(0, 9) == 0) {
          return [](Txn& txn, std::ostringstream&) { return txn.WipeCognitoState(); };
        }
        std::string pool = PoolId(), provider = Name("prov", 2);
        bj::object map{{"UseDefaults", Pick(0, 1) == 0}};
        return [pool, provider, map](Txn& txn, std::ostringstream&) {
          return txn.PutPrincipalTagMap(pool, provider, map);
        };
      }
    }
  }

  Op RowReadOp() {
    std::string pool = PoolId(), id = IdentityId(), name = DatasetName(), after = Key();
    int limit = Pick(-1, 4);
    switch (Pick(0, 17)) {
      case 0:
        return [pool](Txn& txn, std::ostringstream& out) {
          return Show(out, "pool", txn.GetPool(pool));
        };
      case 1:
        return [pool, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "pools", txn.ListPools(pool, limit));
        };
      case 2:
        return
            [](Txn& txn, std::ostringstream& out) { return Show(out, "count", txn.CountPools()); };
      case 3:
        return [id](Txn& txn, std::ostringstream& out) {
          return Show(out, "identity", txn.GetIdentity(id));
        };
      case 4: {
        bool hide = Pick(0, 1) == 0;
        std::string from = Pick(0, 1) ? "" : IdentityId();
        return [pool, from, limit, hide](Txn& txn, std::ostringstream& out) {
          return Show(out, "identities", txn.ListIdentities(pool, from, limit, hide));
        };
      }
      case 5: {
        std::string provider = Name("prov", 2), subject = Name("sub", 2);
        return [pool, provider, subject](Txn& txn, std::ostringstream& out) {
          return Show(out, "login", txn.FindLogin(pool, provider, subject));
        };
      }
      case 6:
        return [id](Txn& txn, std::ostringstream& out) {
          return Show(out, "logins", txn.ListLogins(id));
        };
      case 7: {
        bool lock = Pick(0, 1) == 0;
        return [id, name, lock](Txn& txn, std::ostringstream& out) {
          return Show(out, "dataset", txn.GetDataset(id, name, lock));
        };
      }
      case 8: {
        std::string from = Pick(0, 1) ? "" : DatasetName();
        return [id, from, limit](Txn& txn, std::ostringstream& out) -> Status {
          COGSYNC_RETURN_IF_ERROR(Show(out, "datasets", txn.ListDatasets(id, from, limit)));
          return Show(out, "all", txn.ListAllDatasets(id));
        };
      }
      case 9:
        return [id](Txn& txn, std::ostringstream& out) {
          return Show(out, "merged", txn.ListMergedDatasetNames(id, "d0"));
        };
      case 10: {
        std::vector<std::string> keys = {Key(), Key(), Key()};
        return [id, name, keys](Txn& txn, std::ostringstream& out) {
          return Show(out, "records", txn.GetRecords(id, name, keys));
        };
      }
      case 11: {
        int64_t min = Pick(0, 1) ? 0 : Number();
        std::string from = Pick(0, 1) ? "" : after;
        return [id, name, min, from, limit](Txn& txn, std::ostringstream& out) {
          return Show(out, "list", txn.ListRecords(id, name, min, from, limit));
        };
      }
      case 12:
        return [pool](Txn& txn, std::ostringstream& out) {
          return Show(out, "usage", txn.GetPoolUsage(pool));
        };
      case 13: {
        std::string device = Name("dev", 3), token = Name("tok", 2);
        return [device, id, token](Txn& txn, std::ostringstream& out) -> Status {
          COGSYNC_RETURN_IF_ERROR(Show(out, "device", txn.GetDevice(device)));
          return Show(out, "found", txn.FindDevice(id, "GCM", token));
        };
      }
      case 14:
        return [id, name](Txn& txn, std::ostringstream& out) {
          return Show(out, "subs", txn.ListSubscriptions(id, name));
        };
      case 15: {
        std::string secret = Name("secret", 2);
        return [secret](Txn& txn, std::ostringstream& out) {
          return Show(out, "secret", txn.GetSecret(secret));
        };
      }
      case 16:
        return [](Txn& txn, std::ostringstream& out) {
          return Show(out, "keys", txn.ListAccessKeys());
        };
      default: {
        std::string provider = Name("prov", 2);
        return [pool, provider](Txn& txn, std::ostringstream& out) {
          return Show(out, "tagmap", txn.GetPrincipalTagMap(pool, provider));
        };
      }
    }
  }

  std::mt19937 random_;
};

// Everything a store holds that a reader can see, as one transcript: pools with their tag maps
// and usage, identities with their logins, datasets (deleted ones too) with every record,
// devices and subscriptions; access keys, the secrets the steps name, and the outbox.
inline std::string Dump(Store& store) {
  constexpr int kAll = 1 << 20;
  std::string dump;
  Status status = store.Read([&](Txn& txn) -> Status {
    std::ostringstream out;
    COGSYNC_ASSIGN_OR_RETURN(std::vector<Pool> pools, txn.ListPools("", kAll));
    for (const Pool& pool : pools) {
      Print(out, pool);
      out << "\n";
      COGSYNC_RETURN_IF_ERROR(Show(out, " tagmaps", txn.ListPrincipalTagMaps(pool.id)));
      COGSYNC_RETURN_IF_ERROR(Show(out, " usage", txn.GetPoolUsage(pool.id)));
      COGSYNC_RETURN_IF_ERROR(Show(out, " counts", txn.CountPoolContents(pool.id)));
      COGSYNC_ASSIGN_OR_RETURN(std::vector<Identity> identities,
                               txn.ListIdentities(pool.id, "", kAll, false));
      for (const Identity& identity : identities) {
        Print(out, identity);
        out << "\n";
        COGSYNC_RETURN_IF_ERROR(Show(out, " logins", txn.ListLogins(identity.id)));
        COGSYNC_RETURN_IF_ERROR(Show(out, " devices", txn.ListDevices(identity.id)));
        COGSYNC_RETURN_IF_ERROR(Show(out, " subs", txn.ListIdentitySubscriptions(identity.id)));
        COGSYNC_ASSIGN_OR_RETURN(std::vector<Dataset> datasets, txn.ListAllDatasets(identity.id));
        for (const Dataset& dataset : datasets) {
          Print(out, dataset);
          out << "\n";
          COGSYNC_RETURN_IF_ERROR(
              Show(out, "  records", txn.ListRecords(identity.id, dataset.name, -1, "", kAll)));
        }
      }
    }
    COGSYNC_RETURN_IF_ERROR(Show(out, "keys", txn.ListAccessKeys()));
    for (const char* name : {"secret0", "secret1"}) {
      COGSYNC_RETURN_IF_ERROR(Show(out, name, txn.GetSecret(name)));
    }
    COGSYNC_RETURN_IF_ERROR(Show(out, "outbox", txn.ListOutbox(OutboxCursor(), kAll)));
    dump = out.str();
    return OkStatus();
  });
  if (!status.ok()) dump += "error " + status.error().code() + "\n";
  return dump;
}

}  // namespace cogsync::store::lockstep
