// The Cognito Sync operation table against tests/fixtures/operations.tsv: all 17 operations, each
// with the access rule of the table's last column (D9), and `writes` on exactly the mutating
// operations.

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "protocol/operations.h"
#include "unit/sync/sync_fixture.h"

namespace cogsync::sync::testing {
namespace {

using SyncOperationTableTest = SyncTest;

TEST_F(SyncOperationTableTest, MatchesOperationsTsvD9) {
  // The fixture is part of the repository: a missing file is a failure, never a skip.
  std::ifstream tsv(COGSYNC_SOURCE_DIR "/tests/fixtures/operations.tsv");
  ASSERT_TRUE(tsv) << "tests/fixtures/operations.tsv is missing";
  std::map<std::string, std::string> expected;  // operation -> needs_developer_credentials
  std::string line;
  while (std::getline(tsv, line)) {
    std::vector<std::string> cols;
    std::stringstream row(line);
    for (std::string col; std::getline(row, col, '\t');) cols.push_back(col);
    if (cols.size() == 6 && cols[0] == "cognito-sync") expected[cols[1]] = cols[5];
  }
  ASSERT_EQ(expected.size(), 17u);

  const std::set<std::string> writers = {"BulkPublish",
                                         "DeleteDataset",
                                         "RegisterDevice",
                                         "SetCognitoEvents",
                                         "SetIdentityPoolConfiguration",
                                         "SubscribeToDataset",
                                         "UnsubscribeFromDataset",
                                         "UpdateRecords"};
  auto table = protocol::SyncOperationTable(*service_);
  ASSERT_EQ(table.size(), 17u);
  for (const auto& entry : table) {
    const std::string name(entry.model->name);
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_EQ(entry.service, Service::kSync);
    const std::string& who = expected[name];
    const auth::Access want = who == "yes"      ? auth::Access::kDeveloper
                              : who == "either" ? auth::Access::kEither
                                                : auth::Access::kIdentityOnly;
    EXPECT_EQ(entry.access, want) << name;
    EXPECT_EQ(entry.writes, writers.count(name) == 1) << name;
    expected.erase(name);
  }
  EXPECT_TRUE(expected.empty());
}

}  // namespace
}  // namespace cogsync::sync::testing
