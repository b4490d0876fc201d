#pragma once
// Shared set-up of the Sync tests: the model store (store/model/, in memory: the SQL engines are
// checked against it by the store's conformance and lockstep tests), a temporary directory for
// the stream file sink, a ManualClock, a SyncService, one pool with two identities, and helpers
// to call the handlers as the dispatcher would (validated input objects, developer or identity
// principals).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/sealed_token.h"
#include "store/model/model_store.h"
#include "support/temp_dir.h"
#include "sync/service.h"

namespace cogsync::sync::testing {

namespace bj = boost::json;

inline constexpr char kPool[] = "us-east-1:11111111-2222-3333-4444-555555555555";
inline constexpr char kIdentity[] = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
inline constexpr char kOther[] = "us-east-1:00000000-0000-0000-0000-000000000002";
inline constexpr char kUnknown[] = "us-east-1:99999999-9999-9999-9999-999999999999";
inline constexpr int64_t kStartMs = 1'700'000'000'123;

// A store that counts the transactions it is asked for, passing changes through.
class CountingStore final : public store::Store {
 public:
  explicit CountingStore(store::Store& inner) : inner_(inner) {}
  Status Read(const TxnFn& fn) override {
    ++reads;
    return inner_.Read(fn);
  }
  Status Write(const TxnFn& fn) override {
    ++writes;
    return inner_.Write(fn);
  }
  bool SetChangeObserver(store::ChangeObserver* observer) override {
    return inner_.SetChangeObserver(observer);
  }
  std::atomic<int> reads{0};
  std::atomic<int> writes{0};

 private:
  store::Store& inner_;
};

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_dir_.ok());
    store_ = std::make_unique<store::model::ModelStore>();
    config_.data_dir = dir_.string();  // the stream file sink writes under <data_dir>/streams
    // Outbound calls in these tests go to local fakes only; none needs a signature.
    calls_ = std::make_unique<outbox::AwsCalls>(
        config_, [](http_client::Request&, std::string_view) { return OkStatus(); });
    sinks_ = std::make_unique<outbox::Sinks>(config_, *calls_);
    dispatcher_ = std::make_unique<outbox::Dispatcher>(*store_, clock_, config_.integrations,
                                                       *sinks_, "test-node");
    bulk_ = std::make_unique<BulkPublisher>(*store_, clock_, config_, *sinks_, "test-node");
    service_ = std::make_unique<SyncService>(*store_, clock_, config_, sealer_,
                                             Integrations{*calls_, *sinks_, *dispatcher_, *bulk_});
    AddPool(kPool);
    AddIdentity(kPool, kIdentity);
    AddIdentity(kPool, kOther);
  }
  void TearDown() override {
    service_.reset();
    bulk_.reset();
    dispatcher_.reset();
    store_.reset();
  }

  void MustWrite(const store::Store::TxnFn& fn) {
    Status s = store_->Write(fn);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  void AddPool(const std::string& id) {
    MustWrite([&](store::Txn& txn) {
      store::Pool pool;
      pool.id = id;
      pool.name = "pool";
      pool.created_ms = kStartMs;
      return txn.PutPool(pool);
    });
  }
  void AddIdentity(const std::string& pool, const std::string& id, bool disabled = false) {
    MustWrite([&](store::Txn& txn) {
      return txn.PutIdentity(store::Identity{id, pool, kStartMs, kStartMs, disabled, ""});
    });
  }

  static RequestContext Dev() {
    RequestContext ctx;
    ctx.principal.kind = auth::Principal::Kind::kDeveloper;
    ctx.principal.access_key_id = "AKIDTEST";
    ctx.principal.key_name = "test-developer";
    return ctx;
  }
  static RequestContext Ident(const std::string& identity = kIdentity,
                              const std::string& pool = kPool) {
    RequestContext ctx;
    ctx.principal.kind = auth::Principal::Kind::kIdentity;
    ctx.principal.pool_id = pool;
    ctx.principal.identity_id = identity;
    ctx.principal.authenticated = true;
    return ctx;
  }

  static bj::object DatasetInput(const std::string& dataset,
                                 const std::string& identity = kIdentity) {
    return bj::object{
        {"IdentityPoolId", kPool}, {"IdentityId", identity}, {"DatasetName", dataset}};
  }
  static bj::object Replace(const std::string& key, const std::string& value, int64_t count) {
    return bj::object{{"Op", "replace"}, {"Key", key}, {"Value", value}, {"SyncCount", count}};
  }
  static bj::object Remove(const std::string& key, int64_t count) {
    return bj::object{{"Op", "remove"}, {"Key", key}, {"SyncCount", count}};
  }

  Result<bj::value> List(RequestContext ctx, const std::string& dataset, int64_t last = 0,
                         const std::string& identity = kIdentity, bj::object extra = {}) {
    bj::object in = DatasetInput(dataset, identity);
    if (last != 0) in["LastSyncCount"] = last;
    for (auto& kv : extra) in[kv.key()] = kv.value();
    return service_->ListRecords(ctx, in);
  }
  bj::object ListOk(RequestContext ctx, const std::string& dataset, int64_t last = 0,
                    const std::string& identity = kIdentity, bj::object extra = {}) {
    auto r = List(ctx, dataset, last, identity, std::move(extra));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? r->as_object() : bj::object();
  }
  std::string Token(const std::string& dataset, const std::string& identity = kIdentity) {
    return std::string(ListOk(Dev(), dataset, 0, identity).at("SyncSessionToken").as_string());
  }
  Result<bj::value> Update(RequestContext ctx, const std::string& dataset, bj::array patches,
                           const std::string& identity = kIdentity, std::string token = "") {
    if (token.empty()) token = Token(dataset, identity);
    bj::object in = DatasetInput(dataset, identity);
    in["SyncSessionToken"] = token;
    in["RecordPatches"] = std::move(patches);
    return service_->UpdateRecords(ctx, in);
  }
  bj::array UpdateOk(RequestContext ctx, const std::string& dataset, bj::array patches,
                     const std::string& identity = kIdentity) {
    auto r = Update(ctx, dataset, std::move(patches), identity);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? r->as_object().at("Records").as_array() : bj::array();
  }
  bj::object DescribeOk(const std::string& dataset) {
    RequestContext ctx = Dev();
    auto r = service_->DescribeDataset(ctx, DatasetInput(dataset));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? r->as_object().at("Dataset").as_object() : bj::object();
  }

  cogsync::testing::TempDir temp_dir_{"sync-test"};  // first: removed after everything else
  std::filesystem::path dir_ = temp_dir_.path();
  ManualClock clock_{kStartMs};
  Config config_;
  TokenSealer sealer_{"sync-test-key-0123456789abcdef"};
  std::unique_ptr<store::model::ModelStore> store_;
  std::unique_ptr<outbox::AwsCalls> calls_;
  std::unique_ptr<outbox::Sinks> sinks_;
  std::unique_ptr<outbox::Dispatcher> dispatcher_;
  std::unique_ptr<BulkPublisher> bulk_;
  std::unique_ptr<SyncService> service_;
};

// The error code of a failed result ("" when it succeeded).
template <typename T>
std::string CodeOf(const Result<T>& r) {
  return r.ok() ? "" : r.error().code();
}

inline std::vector<std::string> Keys(const bj::array& records) {
  std::vector<std::string> keys;
  for (const auto& r : records) keys.emplace_back(r.as_object().at("Key").as_string());
  return keys;
}

}  // namespace cogsync::sync::testing
