// SqliteTxn: the outbox (D24) and leases. Kept apart from sqlite_txn.cc, which holds the Cognito
// rows; both implement the one SqliteTxn class.

#include "store/sqlite/sqlite_txn.h"

namespace cogsync::store::sqlite {
namespace {

constexpr std::string_view kOutboxColumns =
    "id, kind, pool_id, partition_key, position, sub, target, payload, attempts, "
    "next_attempt_ms, created_ms, last_error";

OutboxEntry ReadOutboxEntry(const Statement& stmt) {
  OutboxEntry e;
  e.id = stmt.Text(0);
  e.kind = stmt.Text(1);
  e.pool_id = stmt.Text(2);
  e.partition = stmt.Text(3);
  e.position = stmt.Int(4);
  e.sub = static_cast<int>(stmt.Int(5));
  e.target = stmt.Text(6);
  e.payload = stmt.Text(7);
  e.attempts = static_cast<int>(stmt.Int(8));
  e.next_attempt_ms = stmt.Int(9);
  e.created_ms = stmt.Int(10);
  e.last_error = stmt.Text(11);
  return e;
}

}  // namespace

Status SqliteTxn::AppendOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Due no earlier than the partition's last entry (store.h): one descent of outbox_order.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO outbox (id, kind, pool_id, partition_key, position, sub, target, payload, attempts,
                    next_attempt_ms, created_ms, last_error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
        MAX(?10, COALESCE((SELECT next_attempt_ms FROM outbox WHERE partition_key = ?4
                           ORDER BY position DESC, sub DESC, id DESC LIMIT 1), 0)),
        ?11, ?12))sql"));
  stmt.BindText(1, e.id)
      .BindText(2, e.kind)
      .BindText(3, e.pool_id)
      .BindText(4, e.partition)
      .BindInt(5, e.position)
      .BindInt(6, e.sub)
      .BindText(7, e.target)
      .BindText(8, e.payload)
      .BindInt(9, e.attempts)
      .BindInt(10, e.next_attempt_ms)
      .BindInt(11, e.created_ms)
      .BindText(12, e.last_error);
  return stmt.Run();
}

Status SqliteTxn::ReplaceOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("DELETE FROM outbox WHERE partition_key = ?1"));
  stmt.BindText(1, e.partition);
  COGSYNC_RETURN_IF_ERROR(stmt.Run());
  return AppendOutbox(e);
}

Result<std::vector<OutboxEntry>> SqliteTxn::ListOutbox(const OutboxCursor& after, int limit) {
  std::string sql = "SELECT ";
  sql += kOutboxColumns;
  sql += R"sql( FROM outbox WHERE (partition_key, position, sub, id) > (?1, ?2, ?3, ?4)
ORDER BY partition_key, position, sub, id LIMIT ?5)sql";
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  stmt.BindText(1, after.partition)
      .BindInt(2, after.position)
      .BindInt(3, after.sub)
      .BindText(4, after.id)
      .BindInt(5, std::max(limit, 0));
  return CollectRows<OutboxEntry>(stmt, ReadOutboxEntry);
}

Result<std::vector<OutboxEntry>> SqliteTxn::ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                          const OutboxCursor& after, int limit) {
  std::string sql = "SELECT ";
  sql += kOutboxColumns;
  sql += R"sql( FROM outbox INDEXED BY outbox_due
WHERE kind = ?1 AND next_attempt_ms <= ?2
  AND (next_attempt_ms, partition_key, position, sub, id) > (?3, ?4, ?5, ?6, ?7)
ORDER BY next_attempt_ms, partition_key, position, sub, id LIMIT ?8)sql";
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  stmt.BindText(1, kind)
      .BindInt(2, now_ms)
      .BindInt(3, after.next_attempt_ms)
      .BindText(4, after.partition)
      .BindInt(5, after.position)
      .BindInt(6, after.sub)
      .BindText(7, after.id)
      .BindInt(8, std::max(limit, 0));
  return CollectRows<OutboxEntry>(stmt, ReadOutboxEntry);
}

Status SqliteTxn::DeleteOutbox(std::string_view id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare("DELETE FROM outbox WHERE id = ?1"));
  stmt.BindText(1, id);
  return stmt.Run();
}

Status SqliteTxn::UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                                      std::string_view last_error) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_ASSIGN_OR_RETURN(
      Statement stmt,
      Prepare(
          "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE id = ?1"));
  stmt.BindText(1, id).BindInt(2, attempts).BindInt(3, next_attempt_ms).BindText(4, last_error);
  COGSYNC_RETURN_IF_ERROR(stmt.Run());
  // The entries after it wait for it (store.h): its partition stays in order.
  COGSYNC_ASSIGN_OR_RETURN(Statement defer, Prepare(R"sql(
UPDATE outbox SET next_attempt_ms = ?2
WHERE partition_key = (SELECT partition_key FROM outbox WHERE id = ?1) AND next_attempt_ms < ?2)sql"));
  defer.BindText(1, id).BindInt(2, next_attempt_ms);
  return defer.Run();
}

Result<OutboxStats> SqliteTxn::GetOutboxStats() {
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt,
                           Prepare("SELECT COUNT(*), COALESCE(MIN(created_ms), 0) FROM outbox"));
  COGSYNC_ASSIGN_OR_RETURN(bool row, stmt.Step());
  OutboxStats stats;
  if (row) {
    stats.pending = stmt.Int(0);
    stats.oldest_created_ms = stmt.Int(1);
  }
  return stats;
}

Result<bool> SqliteTxn::TryAcquireLease(std::string_view name, std::string_view owner,
                                        int64_t now_ms, int64_t ttl_ms) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // One statement: take the lease if it is free, expired or ours; otherwise leave it alone.
  COGSYNC_ASSIGN_OR_RETURN(Statement stmt, Prepare(R"sql(
INSERT INTO leases (name, owner, expires_ms) VALUES (?1, ?2, ?3 + ?4)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
WHERE leases.owner = excluded.owner OR leases.expires_ms <= ?3)sql"));
  stmt.BindText(1, name).BindText(2, owner).BindInt(3, now_ms).BindInt(4, ttl_ms);
  COGSYNC_RETURN_IF_ERROR(stmt.Run());
  COGSYNC_ASSIGN_OR_RETURN(Statement check, Prepare("SELECT owner FROM leases WHERE name = ?1"));
  check.BindText(1, name);
  COGSYNC_ASSIGN_OR_RETURN(bool row, check.Step());
  return row && check.Text(0) == owner;
}

}  // namespace cogsync::store::sqlite
