// SqlTxn: the outbox (D24), leases and pool-wide dataset scans (D26). Kept apart from
// sql_txn.cc, which holds the Cognito rows; both implement the one SqlTxn class.

#include "store/sql/rows.h"
#include "store/sql/sql_txn.h"

namespace cogsync::store::sql {
#define COGSYNC_SELECT_OUTBOX "SELECT " COGSYNC_OUTBOX_COLUMNS " FROM outbox"

Status SqlTxn::AppendOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Due no earlier than the partition's last entry (store.h): one descent of outbox_order.
  return session_.Run(
      "INSERT INTO outbox (" COGSYNC_OUTBOX_COLUMNS R"sql()
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
        {{greatest}}(CAST(?10 AS BIGINT),
                     COALESCE((SELECT next_attempt_ms FROM outbox WHERE partition_key = ?4
                               ORDER BY position DESC, sub DESC, id DESC LIMIT 1), 0)),
        ?11, ?12))sql",
      {Arg::Text(e.id), Arg::Text(e.kind), Arg::Text(e.pool_id), Arg::Text(e.partition),
       Arg::Int(e.position), Arg::Int(e.sub), Arg::Text(e.target), Arg::Text(e.payload),
       Arg::Int(e.attempts), Arg::Int(e.next_attempt_ms), Arg::Int(e.created_ms),
       Arg::Text(e.last_error)});
}

Status SqlTxn::ReplaceOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_RETURN_IF_ERROR(
      session_.Run("DELETE FROM outbox WHERE partition_key = ?1", {Arg::Text(e.partition)}));
  return AppendOutbox(e);
}

Result<std::vector<OutboxEntry>> SqlTxn::ListOutbox(const OutboxCursor& after, int limit) {
  return session_.Collect<OutboxEntry>(
      COGSYNC_SELECT_OUTBOX R"sql( WHERE (partition_key, position, sub, id) > (?1, ?2, ?3, ?4)
ORDER BY partition_key, position, sub, id LIMIT ?5)sql",
      {Arg::Text(after.partition), Arg::Int(after.position), Arg::Int(after.sub),
       Arg::Text(after.id), Arg::Int(PageLimit(limit))},
      ReadOutboxEntry);
}

Result<std::vector<OutboxEntry>> SqlTxn::ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                       const OutboxCursor& after, int limit) {
  return session_.Collect<OutboxEntry>(
      COGSYNC_SELECT_OUTBOX R"sql({{indexed_by:outbox_due}}
WHERE kind = ?1 AND next_attempt_ms <= ?2
  AND (next_attempt_ms, partition_key, position, sub, id) > (?3, ?4, ?5, ?6, ?7)
ORDER BY next_attempt_ms, partition_key, position, sub, id LIMIT ?8)sql",
      {Arg::Text(kind), Arg::Int(now_ms), Arg::Int(after.next_attempt_ms),
       Arg::Text(after.partition), Arg::Int(after.position), Arg::Int(after.sub),
       Arg::Text(after.id), Arg::Int(PageLimit(limit))},
      ReadOutboxEntry);
}

Status SqlTxn::DeleteOutbox(std::string_view id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run("DELETE FROM outbox WHERE id = ?1", {Arg::Text(id)});
}

Status SqlTxn::UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                                   std::string_view last_error) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_RETURN_IF_ERROR(session_.Run(
      "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE id = ?1",
      {Arg::Text(id), Arg::Int(attempts), Arg::Int(next_attempt_ms), Arg::Text(last_error)}));
  // The entries after it wait for it (store.h): its partition stays in order.
  return session_.Run(R"sql(
UPDATE outbox SET next_attempt_ms = ?2
WHERE partition_key = (SELECT partition_key FROM outbox WHERE id = ?1) AND next_attempt_ms < ?2)sql",
                      {Arg::Text(id), Arg::Int(next_attempt_ms)});
}

Result<OutboxStats> SqlTxn::GetOutboxStats() {
  COGSYNC_ASSIGN_OR_RETURN(
      std::optional<OutboxStats> stats,
      session_.First<OutboxStats>("SELECT COUNT(*), COALESCE(MIN(created_ms), 0) FROM outbox", {},
                                  [](const Row& row) {
                                    OutboxStats s;
                                    s.pending = row.Int(0);
                                    s.oldest_created_ms = row.Int(1);
                                    return s;
                                  }));
  return stats.value_or(OutboxStats{});
}

Result<bool> SqlTxn::TryAcquireLease(std::string_view name, std::string_view owner, int64_t now_ms,
                                     int64_t ttl_ms) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // One statement: take the lease if it is free, expired or ours, otherwise leave it alone;
  // RETURNING answers a row only when it was taken.
  COGSYNC_ASSIGN_OR_RETURN(std::optional<std::string> taken,
                           session_.First<std::string>(R"sql(
INSERT INTO leases (name, owner, expires_ms) VALUES (?1, ?2, CAST(?3 AS BIGINT) + CAST(?4 AS BIGINT))
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
WHERE leases.owner = excluded.owner OR leases.expires_ms <= CAST(?3 AS BIGINT)
RETURNING owner)sql",
                                                       {Arg::Text(name), Arg::Text(owner),
                                                        Arg::Int(now_ms), Arg::Int(ttl_ms)},
                                                       [](const Row& row) { return row.Text(0); }));
  return taken.has_value();
}

Result<std::vector<Dataset>> SqlTxn::ListPoolDatasets(std::string_view pool_id,
                                                      std::string_view after_identity,
                                                      std::string_view after_name, int limit) {
  return session_.Collect<Dataset>("SELECT " COGSYNC_DATASET_COLUMNS R"sql( FROM datasets
WHERE pool_id = ?1 AND {{not:deleted}} AND (identity_id, name) > (?2, ?3)
ORDER BY identity_id, name LIMIT ?4)sql",
                                   {Arg::Text(pool_id), Arg::Text(after_identity),
                                    Arg::Text(after_name), Arg::Int(PageLimit(limit))},
                                   ReadDataset);
}

#undef COGSYNC_SELECT_OUTBOX

}  // namespace cogsync::store::sql
