// Model-based comparison of the two Store implementations: one random sequence of transactions
// (writes that may fail on a missing parent, reads of every kind) is applied to SQLite and to
// PostgreSQL in lockstep, and every answer, values and error codes alike, must be the same.
// SQLite is the reference model here, as LevelDB's ModelDB test checks its DB against a map:
// whatever both have agreed on so far, the next step must agree too.
//
// The seed is printed; COGSYNC_MODEL_SEED=<n> replays one run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.h"
#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

namespace bj = boost::json;

// One operation of a transaction: appends what it saw to the transcript, or fails.
using Op = std::function<Status(Txn&, std::ostringstream&)>;

struct Step {
  bool write = false;
  std::vector<Op> ops;
};

std::string Opt(const std::optional<std::string>& value) {
  return value ? "'" + *value + "'" : "null";
}
std::string Opt(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

void Print(std::ostringstream& out, const Pool& p) {
  out << "pool{" << p.id << "," << p.name << "," << p.developer_provider_name << ","
      << json::Write(bj::value(p.description)) << "," << json::Write(bj::value(p.tags)) << ","
      << p.created_ms << "}";
}
void Print(std::ostringstream& out, const Identity& i) {
  out << "identity{" << i.id << "," << i.pool_id << "," << i.created_ms << "," << i.modified_ms
      << "," << i.disabled << "," << i.merged_into << "}";
}
void Print(std::ostringstream& out, const Login& l) {
  out << "login{" << l.pool_id << "," << l.provider << "," << l.subject << "," << l.identity_id
      << "," << l.linked_ms << "}";
}
void Print(std::ostringstream& out, const Dataset& d) {
  out << "dataset{" << d.identity_id << "," << d.name << "," << d.pool_id << "," << d.sync_count
      << "," << d.modified_ms << "," << d.modified_by << "," << d.data_storage << ","
      << d.num_records << "," << d.deleted << "," << d.last_deleted_at << "," << d.merged_into_name
      << "}";
}
void Print(std::ostringstream& out, const Record& r) {
  out << "record{" << r.key << "," << Opt(r.value) << "," << r.sync_count << "," << r.modified_ms
      << "," << r.modified_by << "," << Opt(r.device_modified_ms) << "}";
}
void Print(std::ostringstream& out, const Device& d) {
  out << "device{" << d.device_id << "," << d.pool_id << "," << d.identity_id << "," << d.platform
      << "," << d.token << "," << d.endpoint_arn << "," << d.created_ms << "}";
}
void Print(std::ostringstream& out, const Subscription& s) {
  out << "sub{" << s.pool_id << "," << s.identity_id << "," << s.dataset_name << "," << s.device_id
      << "}";
}
void Print(std::ostringstream& out, const AccessKey& k) {
  out << "key{" << k.access_key_id << "," << k.secret_access_key << "," << k.name << ","
      << k.created_ms << "}";
}
void Print(std::ostringstream& out, const std::string& s) { out << "'" << s << "'"; }
void Print(std::ostringstream& out, const bj::object& o) { out << json::Write(bj::value(o)); }

template <typename T>
void Print(std::ostringstream& out, const std::optional<T>& value) {
  if (value) {
    Print(out, *value);
  } else {
    out << "none";
  }
}
template <typename T>
void Print(std::ostringstream& out, const std::vector<T>& values) {
  out << "[";
  for (const T& value : values) {
    Print(out, value);
    out << ";";
  }
  out << "]";
}

// Prints a successful answer, or propagates the error.
template <typename T>
Status Show(std::ostringstream& out, const char* what, Result<T> result) {
  if (!result.ok()) return result.error();
  out << what << "=";
  if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, bool>) {
    out << *result;
  } else if constexpr (std::is_same_v<T, PoolUsage>) {
    out << result->sync_sessions << "/" << result->data_storage << "/" << result->last_modified_ms;
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

  Op ReadOp() {
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

// Runs a step and returns its transcript: what each operation saw, or the error that ended it.
std::string Apply(Store& store, const Step& step) {
  std::string transcript;
  auto fn = [&](Txn& txn) -> Status {
    std::ostringstream out;  // fresh per attempt: a write may be re-run
    Status status = OkStatus();
    for (const Op& op : step.ops) {
      status = op(txn, out);
      if (!status.ok()) break;
    }
    transcript = out.str();
    return status;
  };
  Status status = step.write ? store.Write(fn) : store.Read(fn);
  if (!status.ok()) transcript += "error " + status.error().code() + "\n";
  return transcript;
}

class StoreModelTest : public ::testing::Test {};

TEST_F(StoreModelTest, SqliteAndPostgresAnswerEveryRandomStepAlike) {
  std::unique_ptr<TestStore> sqlite;
  std::unique_ptr<TestStore> postgres;
  COGSYNC_OPEN_TEST_STORE(sqlite, Backend::kSqlite);
  COGSYNC_OPEN_TEST_STORE(postgres, Backend::kPostgres);

  uint32_t seed = std::random_device{}();
  if (const char* fixed = std::getenv("COGSYNC_MODEL_SEED")) {
    seed = static_cast<uint32_t>(std::strtoul(fixed, nullptr, 10));
  }
  RecordProperty("seed", std::to_string(seed));
  std::printf("model seed %u (COGSYNC_MODEL_SEED=%u replays it)\n", seed, seed);

  Generator generator(seed);
  constexpr int kSteps = 1500;
  int errors = 0;
  for (int n = 0; n < kSteps; ++n) {
    Step step = generator.NextStep();
    std::string expected = Apply(sqlite->store(), step);
    std::string actual = Apply(postgres->store(), step);
    if (expected.find("error ") != std::string::npos) ++errors;
    ASSERT_EQ(actual, expected) << "step " << n << " of seed " << seed;
  }
  // The sequence must exercise failures (missing parents) as well as successes.
  EXPECT_GT(errors, kSteps / 20);
  EXPECT_LT(errors, kSteps * 9 / 10);
}

}  // namespace
}  // namespace cogsync::store
