// The Store contract, once for every implementation: each test runs against the in-memory model
// (store/model/), SQLite and PostgreSQL (a fresh database of the shared test server), so all
// three answer every Txn method alike: round trips, cascades, keyset pagination, deletion memory,
// usage, transaction semantics and concurrent writers of one dataset. Implementation-specific
// behaviour (SQLite group commit and file permissions, PostgreSQL pooling, retries and outages) is
// tested in their own files.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

namespace bj = boost::json;

class StoreConformanceTest : public EngineTest {
 protected:
  static Pool MakePool(const std::string& id) {
    Pool pool;
    pool.id = id;
    pool.name = "name-" + id;
    pool.created_ms = 1000;
    return pool;
  }
  static Identity MakeIdentity(const std::string& pool_id, const std::string& id) {
    return Identity{id, pool_id, 10, 20, false, ""};
  }
  static Dataset MakeDataset(const std::string& pool_id, const std::string& identity_id,
                             const std::string& name) {
    Dataset dataset;
    dataset.identity_id = identity_id;
    dataset.name = name;
    dataset.pool_id = pool_id;
    dataset.sync_count = 1;
    dataset.created_ms = 100;
    dataset.modified_ms = 200;
    dataset.modified_by = "someone";
    return dataset;
  }
  // A pool with one identity holding dataset "ds" with records a (live) and b (tombstone),
  // one device subscribed to "ds", and a login.
  void SeedIdentity(const std::string& pool_id, const std::string& identity_id) {
    MustWrite([&](Txn& txn) -> Status {
      if (*txn.GetPool(pool_id) == nullptr) COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool(pool_id)));
      COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity(pool_id, identity_id)));
      COGSYNC_RETURN_IF_ERROR(
          txn.PutLogin(Login{pool_id, "graph.facebook.com", "sub-" + identity_id, identity_id, 5}));
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(MakeDataset(pool_id, identity_id, "ds")));
      COGSYNC_RETURN_IF_ERROR(txn.PutRecord(identity_id, "ds", Record{"a", "1", 1, 5, "x", 7}));
      COGSYNC_RETURN_IF_ERROR(
          txn.PutRecord(identity_id, "ds", Record{"b", std::nullopt, 1, 5, "x", std::nullopt}));
      COGSYNC_RETURN_IF_ERROR(
          txn.PutDevice(Device{"dev-" + identity_id, pool_id, identity_id, "GCM", "tok", "", 9}));
      COGSYNC_RETURN_IF_ERROR(txn.PutPrincipalTagMap(pool_id, "p", bj::object{{"k", "v"}}));
      COGSYNC_RETURN_IF_ERROR(txn.AddSyncSessions(pool_id, 1));
      return txn.PutSubscription(Subscription{pool_id, identity_id, "ds", "dev-" + identity_id});
    });
  }
};

TEST_P(StoreConformanceTest, PoolRoundTripKeepsJsonColumns) {
  Pool pool = MakePool("us-east-1:p1");
  pool.developer_provider_name = "login.example";
  pool.description =
      bj::object{{"IdentityPoolName", "n"}, {"AllowUnauthenticatedIdentities", true}};
  pool.tags = bj::object{{"team", "a"}};
  pool.roles = bj::object{{"authenticated", "arn:aws:iam::000000000000:role/a"}};
  pool.role_mappings = bj::object{{"p", bj::object{{"Type", "Token"}}}};
  pool.sync_config = bj::object{{"PushSync", bj::object{{"RoleArn", "r"}}}};
  pool.events = bj::object{{"SyncTrigger", "arn:lambda"}};
  pool.bulk_publish = bj::object{{"BulkPublishStatus", "NOT_STARTED"}};
  pool.created_ms = 1234567;
  MustWrite([&](Txn& txn) { return txn.PutPool(pool); });
  MustRead([&](Txn& txn) -> Status {
    auto got = txn.GetPool("us-east-1:p1");
    EXPECT_TRUE(got.ok());
    EXPECT_NE(*got, nullptr);
    const Pool& p = **got;
    EXPECT_EQ(p.name, pool.name);
    EXPECT_EQ(p.developer_provider_name, "login.example");
    EXPECT_EQ(p.description, pool.description);
    EXPECT_EQ(p.tags, pool.tags);
    EXPECT_EQ(p.roles, pool.roles);
    EXPECT_EQ(p.role_mappings, pool.role_mappings);
    EXPECT_EQ(p.sync_config, pool.sync_config);
    EXPECT_EQ(p.events, pool.events);
    EXPECT_EQ(p.bulk_publish, pool.bulk_publish);
    EXPECT_EQ(p.created_ms, 1234567);
    EXPECT_EQ(*txn.GetPool("us-east-1:nope"), nullptr);
    EXPECT_EQ(*txn.CountPools(), 1);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, PutPoolReplacesWithoutCascading) {
  SeedIdentity("p", "i1");
  Pool renamed = MakePool("p");
  renamed.name = "renamed";
  MustWrite([&](Txn& txn) { return txn.PutPool(renamed); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ((*txn.GetPool("p"))->name, "renamed");
    // An upsert, not delete + insert: the pool's identities and data are still there.
    EXPECT_TRUE(txn.GetIdentity("i1")->has_value());
    EXPECT_EQ(txn.ListRecords("i1", "ds", 0, "", 10)->size(), 2u);
    EXPECT_EQ(*txn.CountPools(), 1);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, PrincipalTagMapRoundTrip) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(
        txn.PutPrincipalTagMap("p", "accounts.google.com", bj::object{{"UseDefaults", false}}));
    return txn.PutPrincipalTagMap("p", "accounts.google.com", bj::object{{"UseDefaults", true}});
  });
  MustRead([&](Txn& txn) -> Status {
    auto map = txn.GetPrincipalTagMap("p", "accounts.google.com");
    EXPECT_TRUE(map->has_value());
    EXPECT_EQ(**map, (bj::object{{"UseDefaults", true}}));
    EXPECT_FALSE(txn.GetPrincipalTagMap("p", "other")->has_value());
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, IdentitiesAndLoginRelinking) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i1")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(Identity{"i2", "p", 1, 2, true, "i1"}));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(Login{"p", "dev", "user-b", "i2", 10}));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(Login{"p", "dev", "user-a", "i2", 11}));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(Login{"p", "accounts.google.com", "g", "i2", 12}));
    // Re-linking moves the login to i1.
    return txn.PutLogin(Login{"p", "dev", "user-b", "i1", 20});
  });
  MustRead([&](Txn& txn) -> Status {
    auto i2 = *txn.GetIdentity("i2");
    EXPECT_TRUE(i2.has_value());
    EXPECT_EQ(i2->pool_id, "p");
    EXPECT_EQ(i2->created_ms, 1);
    EXPECT_EQ(i2->modified_ms, 2);
    EXPECT_TRUE(i2->disabled);
    EXPECT_EQ(i2->merged_into, "i1");
    auto login = *txn.FindLogin("p", "dev", "user-b");
    EXPECT_TRUE(login.has_value());
    EXPECT_EQ(login->identity_id, "i1");
    EXPECT_EQ(login->linked_ms, 20);
    EXPECT_FALSE(txn.FindLogin("other-pool", "dev", "user-b")->has_value());
    auto logins = *txn.ListLogins("i2");
    EXPECT_EQ(logins.size(), 2u);
    if (logins.size() == 2) {  // ordered by (provider, subject)
      EXPECT_EQ(logins[0].provider, "accounts.google.com");
      EXPECT_EQ(logins[1].subject, "user-a");
    }
    EXPECT_EQ(txn.ListLogins("i1")->size(), 1u);
    return OkStatus();
  });
  MustWrite([&](Txn& txn) { return txn.DeleteLogin("p", "dev", "user-a"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.FindLogin("p", "dev", "user-a")->has_value());
    EXPECT_EQ(txn.ListLogins("i2")->size(), 1u);
    return OkStatus();
  });
}

// Found by the lockstep test (seed 1005): one identity holding the same (provider, subject) in two
// pools came back in insertion order from SQLite and PostgreSQL, so the order was the engine's
// choice. The pool breaks the tie.
TEST_P(StoreConformanceTest, ListLoginsBreaksTiesByPool) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p0")));
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p1")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p0", "i")));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(Login{"p1", "dev", "same", "i", 1}));
    COGSYNC_RETURN_IF_ERROR(txn.PutLogin(Login{"p0", "dev", "same", "i", 2}));
    return txn.PutLogin(Login{"p1", "dev", "earlier", "i", 3});
  });
  MustRead([&](Txn& txn) -> Status {
    auto logins = *txn.ListLogins("i");
    EXPECT_EQ(logins.size(), 3u);
    if (logins.size() == 3) {
      EXPECT_EQ(logins[0].pool_id + "/" + logins[0].subject, "p1/earlier");
      EXPECT_EQ(logins[1].pool_id + "/" + logins[1].subject, "p0/same");
      EXPECT_EQ(logins[2].pool_id + "/" + logins[2].subject, "p1/same");
    }
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, AccessKeysAndSecrets) {
  const std::string binary_secret("k\0e\xffy", 5);
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutAccessKey(AccessKey{"AKIDB", "secret-b", "bob", 2}));
    COGSYNC_RETURN_IF_ERROR(txn.PutAccessKey(AccessKey{"AKIDA", "secret-a", "alice", 1}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSecret("token-hmac", binary_secret));
    return txn.PutSecret("empty", "");
  });
  MustRead([&](Txn& txn) -> Status {
    auto key = *txn.GetAccessKey("AKIDA");
    EXPECT_TRUE(key.has_value());
    EXPECT_EQ(key->secret_access_key, "secret-a");
    EXPECT_EQ(key->name, "alice");
    EXPECT_EQ(key->created_ms, 1);
    auto keys = *txn.ListAccessKeys();
    EXPECT_EQ(keys.size(), 2u);
    if (keys.size() == 2) {
      EXPECT_EQ(keys[0].access_key_id, "AKIDA");
    }
    EXPECT_EQ(**txn.GetSecret("token-hmac"), binary_secret);
    EXPECT_EQ(**txn.GetSecret("empty"), "");
    EXPECT_FALSE(txn.GetSecret("missing")->has_value());
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    EXPECT_TRUE(*txn.DeleteAccessKey("AKIDA"));
    EXPECT_FALSE(*txn.DeleteAccessKey("AKIDA"));
    return OkStatus();
  });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.GetAccessKey("AKIDA")->has_value());
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, DatasetsWithDeletionMemoryAndMerges) {
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i")));
    Dataset deleted = MakeDataset("p", "i", "gone");
    deleted.sync_count = 7;
    deleted.deleted = true;
    deleted.last_deleted_at = 7;
    deleted.data_storage = 0;
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(deleted));
    Dataset live = MakeDataset("p", "i", "live");
    live.data_storage = 42;
    live.num_records = 3;
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(live));
    Dataset merged = MakeDataset("p", "i", "live.us-east-1:other");
    merged.merged_into_name = "live";
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(merged));
    Dataset merged_deleted = MakeDataset("p", "i", "live.us-east-1:third");
    merged_deleted.merged_into_name = "live";
    merged_deleted.deleted = true;
    return txn.PutDataset(merged_deleted);
  });
  MustRead([&](Txn& txn) -> Status {
    auto gone = *txn.GetDataset("i", "gone", /*for_update=*/false);
    EXPECT_TRUE(gone.has_value());
    EXPECT_TRUE(gone->deleted);
    EXPECT_EQ(gone->sync_count, 7);
    EXPECT_EQ(gone->last_deleted_at, 7);
    auto live = *txn.GetDataset("i", "live", /*for_update=*/true);
    EXPECT_TRUE(live.has_value());
    EXPECT_EQ(live->pool_id, "p");
    EXPECT_EQ(live->data_storage, 42);
    EXPECT_EQ(live->num_records, 3);
    EXPECT_EQ(live->created_ms, 100);
    EXPECT_EQ(live->modified_ms, 200);
    EXPECT_EQ(live->modified_by, "someone");
    EXPECT_FALSE(live->deleted);
    EXPECT_EQ(txn.ListDatasets("i", "", 10)->size(), 2u);  // deleted ones hidden
    EXPECT_EQ(txn.ListAllDatasets("i")->size(), 4u);       // ... but kept
    EXPECT_EQ(*txn.ListMergedDatasetNames("i", "live"),
              std::vector<std::string>{"live.us-east-1:other"});
    EXPECT_TRUE(txn.ListMergedDatasetNames("i", "")->empty());
    return OkStatus();
  });
  MustWrite([&](Txn& txn) { return txn.PurgeDataset("i", "gone"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.GetDataset("i", "gone", false)->has_value());
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, RecordsWithTombstonesAndDeviceDates) {
  SeedIdentity("p", "i");
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutRecord("i", "ds", Record{"c", "", 3, 30, "me", std::nullopt}));
    return txn.PutRecord("i", "ds", Record{"a", "2", 4, 40, "you", 39});  // replaces a
  });
  MustRead([&](Txn& txn) -> Status {
    auto records = *txn.GetRecords("i", "ds", {"c", "missing", "a", "b"});
    EXPECT_EQ(records.size(), 3u);
    if (records.size() == 3) {  // in the order asked for, missing keys skipped
      EXPECT_EQ(records[0].key, "c");
      EXPECT_EQ(records[0].value, std::optional<std::string>(""));  // empty, not a tombstone
      EXPECT_FALSE(records[0].device_modified_ms.has_value());
      EXPECT_EQ(records[1].key, "a");
      EXPECT_EQ(records[1].value, std::optional<std::string>("2"));
      EXPECT_EQ(records[1].sync_count, 4);
      EXPECT_EQ(records[1].modified_ms, 40);
      EXPECT_EQ(records[1].modified_by, "you");
      EXPECT_EQ(records[1].device_modified_ms, std::optional<int64_t>(39));
      EXPECT_EQ(records[2].key, "b");
      EXPECT_FALSE(records[2].value.has_value());  // tombstone
    }
    auto newer = *txn.ListRecords("i", "ds", 1, "", 10);  // sync_count > 1
    EXPECT_EQ(newer.size(), 2u);
    if (newer.size() == 2) {
      EXPECT_EQ(newer[0].key, "a");
      EXPECT_EQ(newer[1].key, "c");
    }
    EXPECT_TRUE(txn.ListRecords("i", "other", 0, "", 10)->empty());
    return OkStatus();
  });
  MustWrite([&](Txn& txn) { return txn.DeleteRecords("i", "ds"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_TRUE(txn.ListRecords("i", "ds", 0, "", 10)->empty());
    EXPECT_TRUE(txn.GetDataset("i", "ds", false)->has_value());  // the row stays as the marker
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, PoolUsageAggregatesLiveDatasets) {
  MustRead([&](Txn& txn) -> Status {
    PoolUsage usage = *txn.GetPoolUsage("p");
    EXPECT_EQ(usage.sync_sessions, 0);
    EXPECT_EQ(usage.data_storage, 0);
    EXPECT_EQ(usage.last_modified_ms, 0);
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("q")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i1")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i2")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("q", "j")));
    Dataset a = MakeDataset("p", "i1", "a");
    a.data_storage = 10;
    a.modified_ms = 500;
    Dataset b = MakeDataset("p", "i2", "b");
    b.data_storage = 5;
    b.modified_ms = 300;
    Dataset deleted = MakeDataset("p", "i2", "gone");
    deleted.data_storage = 1000;  // not counted: deleted
    deleted.deleted = true;
    deleted.modified_ms = 700;  // but its deletion is the pool's latest change
    Dataset other = MakeDataset("q", "j", "a");
    other.data_storage = 99;
    other.modified_ms = 900;
    for (const Dataset& d : {a, b, deleted, other}) COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
    COGSYNC_RETURN_IF_ERROR(txn.AddSyncSessions("p", 2));
    return txn.AddSyncSessions("p", 3);
  });
  MustRead([&](Txn& txn) -> Status {
    PoolUsage usage = *txn.GetPoolUsage("p");
    EXPECT_EQ(usage.sync_sessions, 5);
    EXPECT_EQ(usage.data_storage, 15);
    EXPECT_EQ(usage.last_modified_ms, 700);
    EXPECT_EQ(txn.GetPoolUsage("q")->sync_sessions, 0);
    EXPECT_EQ(txn.GetPoolUsage("q")->data_storage, 99);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, CountPoolContentsCountsIdentitiesAndLiveDatasets) {
  MustRead([&](Txn& txn) -> Status {
    PoolCounts counts = *txn.CountPoolContents("p");  // an unknown pool holds nothing
    EXPECT_EQ(counts.identities, 0);
    EXPECT_EQ(counts.datasets, 0);
    return OkStatus();
  });
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("q")));
    for (const char* id : {"i1", "i2", "i3"}) {
      COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", id)));
    }
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("q", "j")));
    Dataset marker = MakeDataset("p", "i2", "gone");
    marker.deleted = true;  // D17: a deleted-dataset marker is not a dataset the pool has
    for (const Dataset& d : {MakeDataset("p", "i1", "a"), MakeDataset("p", "i1", "b"),
                             MakeDataset("p", "i2", "a"), marker, MakeDataset("q", "j", "a")}) {
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(d));
    }
    return OkStatus();
  });
  MustRead([&](Txn& txn) -> Status {
    PoolCounts p = *txn.CountPoolContents("p");
    EXPECT_EQ(p.identities, 3);
    EXPECT_EQ(p.datasets, 3);
    PoolCounts q = *txn.CountPoolContents("q");
    EXPECT_EQ(q.identities, 1);
    EXPECT_EQ(q.datasets, 1);
    return OkStatus();
  });
  // Deleting a dataset (its row stays as a marker) and an identity lower the counts.
  MustWrite([&](Txn& txn) -> Status {
    Dataset deleted = MakeDataset("p", "i1", "b");
    deleted.deleted = true;
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(deleted));
    return txn.DeleteIdentity("i3");
  });
  MustRead([&](Txn& txn) -> Status {
    PoolCounts p = *txn.CountPoolContents("p");
    EXPECT_EQ(p.identities, 2);
    EXPECT_EQ(p.datasets, 2);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, DevicesAndSubscriptions) {
  SeedIdentity("p", "i");
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"d2", "p", "i", "APNS", "t2", "arn:e", 11}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSubscription(Subscription{"p", "i", "ds", "d2"}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSubscription(Subscription{"p", "i", "ds", "d2"}));  // idempotent
    return txn.PutSubscription(Subscription{"p", "i", "other", "d2"});
  });
  MustRead([&](Txn& txn) -> Status {
    auto device = *txn.GetDevice("d2");
    EXPECT_TRUE(device.has_value());
    EXPECT_EQ(device->platform, "APNS");
    EXPECT_EQ(device->token, "t2");
    EXPECT_EQ(device->endpoint_arn, "arn:e");
    EXPECT_EQ(device->created_ms, 11);
    auto found = *txn.FindDevice("i", "APNS", "t2");
    EXPECT_TRUE(found.has_value());
    EXPECT_EQ(found->device_id, "d2");
    EXPECT_FALSE(txn.FindDevice("i", "GCM", "t2")->has_value());
    auto subscriptions = *txn.ListSubscriptions("i", "ds");
    EXPECT_EQ(subscriptions.size(), 2u);
    if (subscriptions.size() == 2) {
      EXPECT_EQ(subscriptions[0].device_id, "d2");
      EXPECT_EQ(subscriptions[1].device_id, "dev-i");
      EXPECT_EQ(subscriptions[1].pool_id, "p");
      EXPECT_EQ(subscriptions[1].dataset_name, "ds");
    }
    return OkStatus();
  });
  MustWrite([&](Txn& txn) { return txn.DeleteSubscription(Subscription{"p", "i", "ds", "d2"}); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ(txn.ListSubscriptions("i", "ds")->size(), 1u);
    EXPECT_EQ(txn.ListSubscriptions("i", "other")->size(), 1u);
    return OkStatus();
  });
}

// What the archive exporter lists (D28): an identity's devices and subscriptions and a pool's
// principal tag maps, each complete and in the archive's order on both stores.
TEST_P(StoreConformanceTest, ArchiveListingsAreCompleteAndOrdered) {
  SeedIdentity("p", "i");
  SeedIdentity("p", "j");
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutDevice(Device{"a-dev", "p", "i", "APNS", "t2", "arn:e", 11}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSubscription(Subscription{"p", "i", "ds", "a-dev"}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSubscription(Subscription{"p", "i", "b", "dev-i"}));
    return txn.PutPrincipalTagMap("p", "accounts.google.com", bj::object{{"UseDefaults", true}});
  });
  MustRead([&](Txn& txn) -> Status {
    auto devices = *txn.ListDevices("i");
    EXPECT_EQ(devices.size(), 2u);
    if (devices.size() == 2) {  // registration order (D19); the exporter sorts them by id
      EXPECT_EQ(devices[0].device_id, "dev-i");
      EXPECT_EQ(devices[0].created_ms, 9);
      EXPECT_EQ(devices[1].device_id, "a-dev");
      EXPECT_EQ(devices[1].endpoint_arn, "arn:e");
    }
    auto subscriptions = *txn.ListIdentitySubscriptions("i");
    std::vector<std::string> order;
    for (const auto& s : subscriptions) order.push_back(s.dataset_name + "/" + s.device_id);
    EXPECT_EQ(order, (std::vector<std::string>{"b/dev-i", "ds/a-dev", "ds/dev-i"}));
    EXPECT_EQ(txn.ListIdentitySubscriptions("j")->size(), 1u);
    EXPECT_TRUE(txn.ListDevices("missing")->empty());
    auto maps = *txn.ListPrincipalTagMaps("p");
    EXPECT_EQ(maps.size(), 2u);
    if (maps.size() == 2) {
      EXPECT_EQ(maps[0].first, "accounts.google.com");
      EXPECT_EQ(maps[0].second, (bj::object{{"UseDefaults", true}}));
      EXPECT_EQ(maps[1].first, "p");
    }
    EXPECT_TRUE(txn.ListPrincipalTagMaps("other")->empty());
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, DeletePoolCascadesToEverythingUnderIt) {
  SeedIdentity("p", "i1");
  SeedIdentity("p", "i2");
  SeedIdentity("q", "j");
  MustWrite([&](Txn& txn) { return txn.DeletePool("p"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ(*txn.GetPool("p"), nullptr);
    EXPECT_FALSE(txn.GetIdentity("i1")->has_value());
    EXPECT_FALSE(txn.FindLogin("p", "graph.facebook.com", "sub-i1")->has_value());
    EXPECT_FALSE(txn.GetDataset("i2", "ds", false)->has_value());
    EXPECT_TRUE(txn.GetRecords("i1", "ds", {"a", "b"})->empty());
    EXPECT_FALSE(txn.GetDevice("dev-i1")->has_value());
    EXPECT_TRUE(txn.ListSubscriptions("i1", "ds")->empty());
    EXPECT_FALSE(txn.GetPrincipalTagMap("p", "p")->has_value());
    EXPECT_EQ(txn.GetPoolUsage("p")->sync_sessions, 0);
    // The other pool is untouched.
    EXPECT_TRUE(txn.GetIdentity("j")->has_value());
    EXPECT_EQ(txn.GetRecords("j", "ds", {"a", "b"})->size(), 2u);
    EXPECT_EQ(txn.GetPoolUsage("q")->sync_sessions, 1);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, DeleteIdentityCascadesToItsRows) {
  SeedIdentity("p", "i1");
  SeedIdentity("p", "i2");
  MustWrite([&](Txn& txn) { return txn.DeleteIdentity("i1"); });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_FALSE(txn.GetIdentity("i1")->has_value());
    EXPECT_TRUE(txn.ListLogins("i1")->empty());
    EXPECT_TRUE(txn.ListAllDatasets("i1")->empty());
    EXPECT_TRUE(txn.ListRecords("i1", "ds", 0, "", 10)->empty());
    EXPECT_FALSE(txn.GetDevice("dev-i1")->has_value());
    EXPECT_TRUE(txn.ListSubscriptions("i1", "ds")->empty());
    EXPECT_NE(*txn.GetPool("p"), nullptr);
    EXPECT_EQ(txn.ListRecords("i2", "ds", 0, "", 10)->size(), 2u);
    EXPECT_EQ(txn.ListSubscriptions("i2", "ds")->size(), 1u);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, WipeCognitoStateKeepsKeysAndSecrets) {
  SeedIdentity("p", "i");
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutAccessKey(AccessKey{"AKID", "s", "n", 1}));
    COGSYNC_RETURN_IF_ERROR(txn.PutSecret("jwt", "key"));
    return txn.WipeCognitoState();
  });
  MustRead([&](Txn& txn) -> Status {
    EXPECT_EQ(*txn.CountPools(), 0);
    EXPECT_FALSE(txn.GetIdentity("i")->has_value());
    EXPECT_TRUE(txn.ListAllDatasets("i")->empty());
    EXPECT_TRUE(txn.GetRecords("i", "ds", {"a"})->empty());
    EXPECT_FALSE(txn.GetDevice("dev-i")->has_value());
    EXPECT_EQ(txn.GetPoolUsage("p")->sync_sessions, 0);
    EXPECT_TRUE(txn.GetAccessKey("AKID")->has_value());
    EXPECT_EQ(**txn.GetSecret("jwt"), "key");
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, KeysetPaginationIsOrderedAndBounded) {
  MustWrite([&](Txn& txn) -> Status {
    for (const char* id : {"p3", "p1", "p2", "p5", "p4"}) {
      COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool(id)));
    }
    for (const char* id : {"i3", "i1", "i2", "i4"}) {
      Identity identity = MakeIdentity("p1", id);
      identity.disabled = std::string(id) == "i2";
      COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(identity));
    }
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p2", "i0")));  // another pool
    for (const char* name : {"d3", "d1", "d2"}) {
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(MakeDataset("p1", "i1", name)));
    }
    for (const char* key : {"k3", "k1", "k4", "k2"}) {
      COGSYNC_RETURN_IF_ERROR(txn.PutRecord("i1", "d1", Record{key, "v", 1, 1, "m", std::nullopt}));
    }
    return OkStatus();
  });
  MustRead([&](Txn& txn) -> Status {
    auto ids = [](const auto& rows) {
      std::vector<std::string> out;
      for (const auto& row : rows) out.push_back(row.id);
      return out;
    };
    EXPECT_EQ(ids(*txn.ListPools("", 2)), (std::vector<std::string>{"p1", "p2"}));
    EXPECT_EQ(ids(*txn.ListPools("p2", 2)), (std::vector<std::string>{"p3", "p4"}));
    EXPECT_EQ(ids(*txn.ListPools("p4", 2)), (std::vector<std::string>{"p5"}));
    EXPECT_TRUE(txn.ListPools("p5", 2)->empty());
    EXPECT_TRUE(txn.ListPools("", 0)->empty());
    EXPECT_TRUE(txn.ListPools("", -1)->empty());  // negative is not "unlimited"
    auto names = *txn.ListPoolNames("p1", 3);
    EXPECT_EQ(ids(names), (std::vector<std::string>{"p2", "p3", "p4"}));
    EXPECT_EQ(names[0].name, MakePool("p2").name);
    EXPECT_TRUE(txn.ListPoolNames("p5", 2)->empty());
    EXPECT_TRUE(txn.ListPoolNames("", -1)->empty());
    EXPECT_EQ(ids(*txn.ListIdentities("p1", "", 3, false)),
              (std::vector<std::string>{"i1", "i2", "i3"}));
    EXPECT_EQ(ids(*txn.ListIdentities("p1", "i1", 3, true)),
              (std::vector<std::string>{"i3", "i4"}));
    EXPECT_EQ(ids(*txn.ListIdentities("p2", "", 10, false)), (std::vector<std::string>{"i0"}));

    auto datasets = *txn.ListDatasets("i1", "d1", 1);
    EXPECT_EQ(datasets.size(), 1u);
    if (!datasets.empty()) {
      EXPECT_EQ(datasets[0].name, "d2");
    }

    std::vector<std::string> keys;
    std::string after;
    while (true) {
      auto page = *txn.ListRecords("i1", "d1", 0, after, 3);
      if (page.empty()) break;
      EXPECT_LE(page.size(), 3u);
      for (const Record& record : page) keys.push_back(record.key);
      after = page.back().key;
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2", "k3", "k4"}));
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, MissingParentIsAStorageErrorAndTheStoreStaysUsable) {
  Status status =
      store_->store().Write([](Txn& txn) { return txn.PutIdentity(MakeIdentity("none", "i")); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "InternalErrorException");
  EXPECT_EQ(status.error().message().find("FOREIGN"), std::string::npos);  // no SQL detail leaks
  MustWrite([](Txn& txn) { return txn.PutPool(MakePool("p")); });
}

TEST_P(StoreConformanceTest, TextKeysOrderBytewise) {
  // Keyset pagination depends on one order for "after" comparisons and ORDER BY: bytewise, as
  // SQLite compares, whatever collation the PostgreSQL database was created with.
  const std::vector<std::string> keys = {"b", "B", "a", "\xc3\xa9", "Z", "_", "a-b", "ab"};
  MustWrite([&](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i")));
    COGSYNC_RETURN_IF_ERROR(txn.PutDataset(MakeDataset("p", "i", "d")));
    for (const std::string& key : keys) {
      COGSYNC_RETURN_IF_ERROR(txn.PutRecord("i", "d", Record{key, "v", 1, 1, "m", std::nullopt}));
    }
    return OkStatus();
  });
  MustRead([&](Txn& txn) -> Status {
    std::vector<std::string> listed;
    COGSYNC_ASSIGN_OR_RETURN(std::vector<Record> all, txn.ListRecords("i", "d", 0, "", 100));
    for (const Record& record : all) listed.push_back(record.key);
    EXPECT_EQ(listed, (std::vector<std::string>{"B", "Z", "_", "a", "a-b", "ab", "b", "\xc3\xa9"}));
    std::vector<std::string> after_a;
    COGSYNC_ASSIGN_OR_RETURN(std::vector<Record> page, txn.ListRecords("i", "d", 0, "a", 2));
    for (const Record& record : page) after_a.push_back(record.key);
    EXPECT_EQ(after_a, (std::vector<std::string>{"a-b", "ab"}));
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, FunctionErrorRollsBackTheWholeTransaction) {
  Status status = store_->store().Write([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutSecret("s", "v"));
    return ApiError::ResourceConflict("changed my mind");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ResourceConflictException");  // returned unchanged
  EXPECT_EQ(status.error().message(), "changed my mind");
  MustRead([](Txn& txn) -> Status {
    EXPECT_EQ(*txn.GetPool("p"), nullptr);
    EXPECT_FALSE(txn.GetSecret("s")->has_value());
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, ReadTransactionsRefuseWrites) {
  Status status = store_->store().Read([](Txn& txn) { return txn.PutPool(MakePool("p")); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "InternalErrorException");
  MustRead([](Txn& txn) -> Status {
    EXPECT_EQ(*txn.GetPool("p"), nullptr);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, ThrowingFunctionIsAnInternalErrorAndRollsBack) {
  Status status = store_->store().Write([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "InternalErrorException");
  MustRead([](Txn& txn) -> Status {
    EXPECT_EQ(*txn.GetPool("p"), nullptr);
    return OkStatus();
  });
  MustWrite([](Txn& txn) { return txn.PutPool(MakePool("q")); });  // still usable
}

// The read side of the same guard: more throwing reads than the store has connections, each in
// the middle of its transaction, and the store still reads and sees later writes.
TEST_P(StoreConformanceTest, ThrowingReadIsAnInternalErrorAndEndsItsTransaction) {
  MustWrite([](Txn& txn) { return txn.PutPool(MakePool("p")); });
  for (int i = 0; i < 20; ++i) {
    Status status = store_->store().Read([](Txn& txn) -> Status {
      COGSYNC_RETURN_IF_ERROR(txn.CountPools());  // the snapshot is open
      throw std::runtime_error("boom");
    });
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), "InternalErrorException");
  }
  MustWrite([](Txn& txn) { return txn.PutPool(MakePool("q")); });
  MustRead([](Txn& txn) -> Status {
    EXPECT_EQ(*txn.CountPools(), 2);
    return OkStatus();
  });
}

TEST_P(StoreConformanceTest, NestedWriteIsRefusedNotDeadlocked) {
  Store& store = store_->store();
  Status inner = OkStatus();
  MustWrite([&](Txn& txn) -> Status {
    inner = store.Write([](Txn& t) { return t.PutSecret("inner", "x"); });
    return txn.PutSecret("outer", "y");
  });
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), "InternalErrorException");
}

// D17/D18: UpdateRecords is "read SyncCount, compare with the client's, write count + 1". Many
// writers doing that at once on one dataset must serialise: no update lost, counts strictly
// consecutive, and every writer whose expected count was stale sees the conflict.
TEST_P(StoreConformanceTest, ConcurrentReadModifyWriteOfOneDatasetLosesNothing) {
  MustWrite([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(MakeIdentity("p", "i")));
    Dataset dataset = MakeDataset("p", "i", "ds");
    dataset.sync_count = 0;
    return txn.PutDataset(dataset);
  });
  constexpr int kThreads = 4;
  constexpr int kUpdatesEach = 15;
  std::atomic<int> conflicts{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kUpdatesEach; ++n) {
        // As a client: learn the count, then update based on it.
        int64_t seen = -1;
        Status read = store_->store().Read([&](Txn& txn) -> Status {
          COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset("i", "ds", false));
          if (!dataset.has_value()) return ApiError::ResourceNotFound("no dataset");
          seen = dataset->sync_count;
          return OkStatus();
        });
        if (!read.ok()) {
          ++failures;
          continue;
        }
        Status write = store_->store().Write([&](Txn& txn) -> Status {
          COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset("i", "ds", /*for_update=*/true));
          if (!dataset.has_value()) return ApiError::ResourceNotFound("no dataset");
          if (dataset->sync_count != seen) return ApiError::ResourceConflict("stale");
          dataset->sync_count += 1;
          std::string key = "t" + std::to_string(t) + "-" + std::to_string(n);
          COGSYNC_RETURN_IF_ERROR(txn.PutDataset(*dataset));
          return txn.PutRecord("i", "ds",
                               Record{key, "v", dataset->sync_count, 1, "m", std::nullopt});
        });
        if (!write.ok()) {
          if (write.error().code() == "ResourceConflictException") {
            ++conflicts;
          } else {
            ++failures;
            ADD_FAILURE() << write.error().ToString();
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  MustRead([&](Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset("i", "ds", false));
    if (!dataset.has_value()) return ApiError::ResourceNotFound("no dataset");
    int64_t count = dataset->sync_count;
    COGSYNC_ASSIGN_OR_RETURN(std::vector<Record> records, txn.ListRecords("i", "ds", 0, "", 1000));
    // Every successful update wrote one record with the count it produced.
    EXPECT_EQ(static_cast<int64_t>(records.size()), count);
    EXPECT_EQ(count + conflicts.load(), kThreads * kUpdatesEach);
    std::vector<bool> seen_count(static_cast<size_t>(count) + 1, false);
    for (const Record& record : records) {
      EXPECT_GE(record.sync_count, 1);
      EXPECT_LE(record.sync_count, count);
      if (record.sync_count >= 1 && record.sync_count <= count) {
        EXPECT_FALSE(seen_count[static_cast<size_t>(record.sync_count)])
            << "two updates produced SyncCount " << record.sync_count;
        seen_count[static_cast<size_t>(record.sync_count)] = true;
      }
    }
    return OkStatus();
  });
}

// Two first writers of a dataset that does not exist yet: no row to lock, so the insert itself
// must make one of them lose (and, re-run, see the other's row).
TEST_P(StoreConformanceTest, ConcurrentFirstInsertOfADatasetSerialises) {
  MustWrite([](Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(MakePool("p")));
    return txn.PutIdentity(MakeIdentity("p", "i"));
  });
  constexpr int kThreads = 4;
  std::atomic<int> created{0};
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      bool did_create = false;
      Status status = store_->store().Write([&](Txn& txn) -> Status {
        did_create = false;  // the function may run more than once
        COGSYNC_ASSIGN_OR_RETURN(auto dataset, txn.GetDataset("i", "new", /*for_update=*/true));
        if (dataset.has_value()) return OkStatus();
        Dataset fresh = MakeDataset("p", "i", "new");
        fresh.modified_by = "writer-" + std::to_string(t);
        did_create = true;
        return txn.PutDataset(fresh);
      });
      EXPECT_TRUE(status.ok()) << status.error().ToString();
      if (status.ok()) ++(did_create ? created : found);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(found.load(), kThreads - 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::ValuesIn(EngineLabels()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
