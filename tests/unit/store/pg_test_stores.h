#pragma once
// Opens a fresh, empty Store of any registered engine (store/registry.h) for a test: SQLite in a
// temporary directory, PostgreSQL in a new database of the shared test server
// (support/postgres_server.h), and any other engine at `scheme:` (an engine that needs nothing
// more, as an in-memory one). The conformance suites iterate over every registered engine
// (EngineLabels()); the lockstep test opens the model (label "Model") and each other engine.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/registry.h"
#include "support/postgres_server.h"

namespace cogsync::store {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// The labels of every registered engine ("Sqlite", "Postgres", ...): the conformance suites'
// parameters and the suffixes of their test names.
inline std::vector<std::string> EngineLabels() {
  std::vector<std::string> labels;
  for (const Engine& engine : Engines()) labels.emplace_back(engine.label);
  return labels;
}

inline const Engine* EngineByLabel(const std::string& label) {
  for (const Engine& engine : Engines()) {
    if (engine.label == label) return &engine;
  }
  return nullptr;
}

// A store plus what it lives in; removes the SQLite directory when destroyed (PostgreSQL test
// databases go with the shared server's directory at the end of the run).
class TestStore {
 public:
  ~TestStore() {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  Store& store() { return *store_; }
  const std::string& url() const { return url_; }

  // Null with *error set on failure; *skip is set when PostgreSQL tests were asked to be skipped.
  static std::unique_ptr<TestStore> Open(Backend backend, std::string* error, bool* skip,
                                         int pool_size = 4) {
    return Open(BackendName(backend), error, skip, pool_size);
  }
  static std::unique_ptr<TestStore> Open(const std::string& label, std::string* error, bool* skip,
                                         int pool_size = 4) {
    auto test_store = std::unique_ptr<TestStore>(new TestStore());
    *skip = false;
    const Engine* engine = EngineByLabel(label);
    if (engine == nullptr) {
      *error = "no registered engine " + label;
      return nullptr;
    }
    Config config;
    config.sqlite_read_connections = 2;
    config.postgres_pool_size = pool_size;
    if (engine->name == "sqlite") {
      std::string pattern = (std::filesystem::temp_directory_path() / "store-conf-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        *error = "mkdtemp failed";
        return nullptr;
      }
      test_store->dir_ = pattern;
      test_store->url_ = "sqlite:" + (test_store->dir_ / "cogsync.db").string();
    } else if (engine->name == "postgresql") {
      auto* server = testing::PostgresServer::Shared(error);
      if (server == nullptr) {
        *skip = testing::PostgresServer::SkipRequested();
        return nullptr;
      }
      test_store->url_ = server->CreateDatabase(error);
      if (test_store->url_.empty()) return nullptr;
    } else {
      test_store->url_ = std::string(engine->schemes.front()) + ":";
    }
    auto opened = engine->open(test_store->url_, config, /*server=*/false);
    if (!opened.ok()) {
      *error = opened.error().ToString();
      return nullptr;
    }
    test_store->store_ = std::move(opened).value();
    return test_store;
  }

 private:
  TestStore() = default;
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

// In a test body or SetUp: opens a store into `var` (a std::unique_ptr<TestStore>), or skips or
// fails the test.
#define COGSYNC_OPEN_TEST_STORE(var, backend, ...)                                   \
  do {                                                                               \
    std::string open_error_;                                                         \
    bool open_skip_ = false;                                                         \
    var = ::cogsync::store::TestStore::Open(backend, &open_error_,                   \
                                            &open_skip_ __VA_OPT__(, ) __VA_ARGS__); \
    if (open_skip_) GTEST_SKIP() << open_error_;                                     \
    ASSERT_NE(var, nullptr) << open_error_;                                          \
  } while (false)

// The fixture of the suites that run once per registered engine (EngineLabels() as parameter):
// a fresh store of the engine for each test, and writes and reads that must succeed.
class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { COGSYNC_OPEN_TEST_STORE(store_, GetParam()); }
  void TearDown() override { store_.reset(); }

  void MustWrite(const Store::TxnFn& fn) {
    Status status = store_->store().Write(fn);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }
  void MustRead(const Store::TxnFn& fn) {
    Status status = store_->store().Read(fn);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  std::unique_ptr<TestStore> store_;
};

}  // namespace cogsync::store
