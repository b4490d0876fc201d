// `cogsync status` (D24, D26): the report names the backlog, its oldest entry's age, each shown
// entry's last error, and the bulk publishes in progress.

#include "cli/status.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cogsync::cli {
namespace {

TEST(StatusReport, NamesTheBacklogAndRunningBulkPublishes) {
  cogsync::testing::TempDir dir("status-test");
  ASSERT_TRUE(dir.ok());
  store::SqliteOptions options;
  options.path = dir.File("cogsync.db");
  auto opened = store::SqliteStore::Open(options);
  ASSERT_TRUE(opened.ok());
  auto& store = **opened;

  auto empty = StatusReport(store, 5000);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "outbox: 0 pending\n");

  Status s = store.Write([](store::Txn& txn) -> Status {
    store::Pool pool;
    pool.id = "us-east-1:pool";
    pool.name = "p";
    pool.bulk_publish =
        boost::json::object{{"BulkPublishStatus", "IN_PROGRESS"}, {"BulkPublishStartTime", 0}};
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(pool));
    store::OutboxEntry e;
    e.id = "entry-1";
    e.kind = "stream";
    e.pool_id = pool.id;
    e.partition = "p";
    e.created_ms = 1000;
    e.attempts = 4;
    e.last_error = "connection refused";
    return txn.AppendOutbox(e);
  });
  ASSERT_TRUE(s.ok());
  auto report = StatusReport(store, 61000);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->find("outbox: 1 pending, oldest 60 s old"), std::string::npos) << *report;
  EXPECT_NE(
      report->find("stream entry-1 pool us-east-1:pool attempts 4 last error: connection refused"),
      std::string::npos)
      << *report;
  EXPECT_NE(report->find("bulk publish: us-east-1:pool IN_PROGRESS since 1970-01-01T00:00:00"),
            std::string::npos)
      << *report;
  opened->reset();
}

}  // namespace
}  // namespace cogsync::cli
