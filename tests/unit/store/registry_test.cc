// The engine registry (store/registry.h): stores are opened by URL scheme, one table of engines.

#include "store/registry.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>

namespace cogsync::store {
namespace {

TEST(StoreRegistryTest, EveryEngineHasItsOwnSchemesAndLabel) {
  std::set<std::string_view> schemes;
  std::set<std::string_view> labels;
  ASSERT_GE(Engines().size(), 2u);
  for (const Engine& engine : Engines()) {
    EXPECT_TRUE(labels.insert(engine.label).second) << engine.label;
    ASSERT_FALSE(engine.schemes.empty()) << engine.name;
    for (std::string_view scheme : engine.schemes) {
      EXPECT_TRUE(schemes.insert(scheme).second) << scheme;
      EXPECT_EQ(FindEngine(std::string(scheme) + ":x"), &engine) << scheme;
    }
    EXPECT_NE(engine.open, nullptr);
  }
}

TEST(StoreRegistryTest, UrlsFindTheirEngineByScheme) {
  ASSERT_NE(FindEngine("sqlite:/tmp/x.db"), nullptr);
  EXPECT_EQ(FindEngine("sqlite:/tmp/x.db")->name, "sqlite");
  ASSERT_NE(FindEngine("postgresql://u:p@h/db"), nullptr);
  EXPECT_EQ(FindEngine("postgresql://u:p@h/db")->name, "postgresql");
  EXPECT_EQ(FindEngine("postgres://u:p@h/db"), FindEngine("postgresql://u:p@h/db"));
  EXPECT_EQ(FindEngine("mysql://u:p@h/db"), nullptr);
  EXPECT_EQ(FindEngine("no-scheme-at-all"), nullptr);
  EXPECT_EQ(FindEngine(""), nullptr);
  EXPECT_EQ(FindEngine(":x"), nullptr);
}

TEST(StoreRegistryTest, AnUnknownSchemeIsRefusedWithoutEchoingTheUrl) {
  auto opened = OpenStore("mysql://admin:hunter2@db.internal/cogsync", Config{}, false);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), "InvalidParameterException");
  EXPECT_NE(opened.error().message().find("'mysql:...'"), std::string::npos)
      << opened.error().message();
  EXPECT_NE(opened.error().message().find("sqlite:"), std::string::npos);
  EXPECT_EQ(opened.error().message().find("hunter2"), std::string::npos);
  EXPECT_EQ(opened.error().message().find("db.internal"), std::string::npos);
}

TEST(StoreRegistryTest, ASqliteUrlOpensAWorkingStoreAtItsPath) {
  std::string dir = (std::filesystem::temp_directory_path() / "registry-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/sub/cogsync.db";
  {
    auto opened = OpenStore("sqlite:" + path, Config{}, /*server=*/false);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    Status written = (*opened)->Write([](Txn& txn) { return txn.PutSecret("k", "v"); });
    ASSERT_TRUE(written.ok()) << written.error().ToString();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cogsync::store
