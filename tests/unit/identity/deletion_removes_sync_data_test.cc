// DeleteIdentities and DeleteIdentityPool remove the Sync data they own (issue scope of the
// Sync API: "DeleteIdentityPool and DeleteIdentities remove the sync data they own").

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "support/in_process.h"

namespace cogsync::testing {
namespace {

namespace bj = boost::json;

class DeletionRemovesSyncData : public ::testing::Test {
 protected:
  std::string pool_;
  InProcess server_;

  void SetUp() override {
    auto pool =
        server_.IdentityOk("CreateIdentityPool",
                           {{"IdentityPoolName", "p"}, {"AllowUnauthenticatedIdentities", true}});
    pool_ = std::string(pool.at("IdentityPoolId").as_string());
  }

  std::string NewIdentityWithData() {
    auto id = server_.IdentityOk("GetId", {{"IdentityPoolId", pool_}}, nullptr);
    std::string identity(id.at("IdentityId").as_string());
    std::string path = "/identitypools/" + encoding::UriEncode(pool_, false) + "/identities/" +
                       encoding::UriEncode(identity, false) + "/datasets/settings";
    http::Response list = server_.Sync("GET", path + "/records");
    EXPECT_EQ(list.status, 200) << list.body;
    std::string token(json::Parse(list.body)->at("SyncSessionToken").as_string());
    bj::object body{
        {"SyncSessionToken", token},
        {"RecordPatches",
         bj::array{bj::object{{"Op", "replace"}, {"Key", "k"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    http::Response update = server_.Sync("POST", path, json::Write(body));
    EXPECT_EQ(update.status, 200) << update.body;
    return identity;
  }

  size_t DatasetRows(const std::string& identity) {
    size_t n = 0;
    auto s = server_.app().store().Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(auto all, txn.ListAllDatasets(identity));
      n = all.size();
      COGSYNC_ASSIGN_OR_RETURN(auto records, txn.ListRecords(identity, "settings", 0, "", 10));
      n += records.size();
      return OkStatus();
    });
    EXPECT_TRUE(s.ok());
    return n;
  }
};

TEST_F(DeletionRemovesSyncData, DeleteIdentities) {
  std::string gone = NewIdentityWithData();
  std::string kept = NewIdentityWithData();
  ASSERT_EQ(DatasetRows(gone), 2u);  // the dataset row and its record
  server_.IdentityOk("DeleteIdentities", {{"IdentityIdsToDelete", bj::array{bj::value(gone)}}});
  EXPECT_EQ(DatasetRows(gone), 0u);
  EXPECT_EQ(DatasetRows(kept), 2u);
}

TEST_F(DeletionRemovesSyncData, DeleteIdentityPool) {
  std::string a = NewIdentityWithData();
  std::string b = NewIdentityWithData();
  server_.IdentityOk("DeleteIdentityPool", {{"IdentityPoolId", pool_}});
  EXPECT_EQ(DatasetRows(a), 0u);
  EXPECT_EQ(DatasetRows(b), 0u);
  // A developer call on the deleted pool's dataset now finds nothing.
  std::string path = "/identitypools/" + pool_ + "/identities/" + a + "/datasets/settings";
  EXPECT_EQ(server_.Sync("GET", path).status, 404);
}

}  // namespace
}  // namespace cogsync::testing
