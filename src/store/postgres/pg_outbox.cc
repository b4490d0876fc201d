// PgTxn: the outbox (D24) and leases. Kept apart from pg_txn.cc, which holds the Cognito rows;
// both implement the one PgTxn class.

#include "store/postgres/pg_txn.h"

namespace cogsync::store::postgres {

#define COGSYNC_OUTBOX_COLUMNS                                                                    \
  "id, kind, pool_id, partition_key, position, sub, target, payload, attempts, next_attempt_ms, " \
  "created_ms, last_error"

namespace {

OutboxEntry ReadOutboxEntry(const Rows& rows, int r) {
  OutboxEntry e;
  e.id = rows.Text(r, 0);
  e.kind = rows.Text(r, 1);
  e.pool_id = rows.Text(r, 2);
  e.partition = rows.Text(r, 3);
  e.position = rows.Int(r, 4);
  e.sub = static_cast<int>(rows.Int(r, 5));
  e.target = rows.Text(r, 6);
  e.payload = rows.Text(r, 7);
  e.attempts = static_cast<int>(rows.Int(r, 8));
  e.next_attempt_ms = rows.Int(r, 9);
  e.created_ms = rows.Int(r, 10);
  e.last_error = rows.Text(r, 11);
  return e;
}

}  // namespace

Status PgTxn::AppendOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Due no earlier than the partition's last entry (store.h): one descent of outbox_order.
  return Done(
      Run("INSERT INTO outbox (" COGSYNC_OUTBOX_COLUMNS
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, GREATEST($10::BIGINT, COALESCE(("
          "SELECT next_attempt_ms FROM outbox WHERE partition_key = $4 "
          "ORDER BY position DESC, sub DESC, id DESC LIMIT 1), 0)), $11, $12)",
          {Param::Text(e.id), Param::Text(e.kind), Param::Text(e.pool_id), Param::Text(e.partition),
           Param::Int(e.position), Param::Int(e.sub), Param::Text(e.target), Param::Text(e.payload),
           Param::Int(e.attempts), Param::Int(e.next_attempt_ms), Param::Int(e.created_ms),
           Param::Text(e.last_error)},
          "AppendOutbox"));
}

Status PgTxn::ReplaceOutbox(const OutboxEntry& e) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_RETURN_IF_ERROR(Run("DELETE FROM outbox WHERE partition_key = $1",
                              {Param::Text(e.partition)}, "ReplaceOutbox"));
  return AppendOutbox(e);
}

Result<std::vector<OutboxEntry>> PgTxn::ListOutbox(const OutboxCursor& after, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows, Run("SELECT " COGSYNC_OUTBOX_COLUMNS
                     " FROM outbox WHERE (partition_key, position, sub, id) > ($1, $2, $3, $4)"
                     " ORDER BY partition_key, position, sub, id LIMIT $5",
                     {Param::Text(after.partition), Param::Int(after.position),
                      Param::Int(after.sub), Param::Text(after.id), Param::Int(PageLimit(limit))},
                     "ListOutbox"));
  return AllRows<OutboxEntry>(rows, ReadOutboxEntry);
}

Result<std::vector<OutboxEntry>> PgTxn::ListDueOutbox(std::string_view kind, int64_t now_ms,
                                                      const OutboxCursor& after, int limit) {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT " COGSYNC_OUTBOX_COLUMNS " FROM outbox WHERE kind = $1 AND next_attempt_ms <= $2"
          " AND (next_attempt_ms, partition_key, position, sub, id) > ($3, $4, $5, $6, $7)"
          " ORDER BY next_attempt_ms, partition_key, position, sub, id LIMIT $8",
          {Param::Text(kind), Param::Int(now_ms), Param::Int(after.next_attempt_ms),
           Param::Text(after.partition), Param::Int(after.position), Param::Int(after.sub),
           Param::Text(after.id), Param::Int(PageLimit(limit))},
          "ListDueOutbox"));
  return AllRows<OutboxEntry>(rows, ReadOutboxEntry);
}

Status PgTxn::DeleteOutbox(std::string_view id) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return Done(Run("DELETE FROM outbox WHERE id = $1", {Param::Text(id)}, "DeleteOutbox"));
}

Status PgTxn::UpdateOutboxAttempt(std::string_view id, int attempts, int64_t next_attempt_ms,
                                  std::string_view last_error) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  COGSYNC_RETURN_IF_ERROR(Run(
      "UPDATE outbox SET attempts = $2, next_attempt_ms = $3, last_error = $4 "
      "WHERE id = $1",
      {Param::Text(id), Param::Int(attempts), Param::Int(next_attempt_ms), Param::Text(last_error)},
      "UpdateOutboxAttempt"));
  // The entries after it wait for it (store.h): its partition stays in order.
  return Done(
      Run("UPDATE outbox SET next_attempt_ms = $2 WHERE next_attempt_ms < $2 AND partition_key = "
          "(SELECT partition_key FROM outbox WHERE id = $1)",
          {Param::Text(id), Param::Int(next_attempt_ms)}, "UpdateOutboxAttempt"));
}

Result<OutboxStats> PgTxn::GetOutboxStats() {
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("SELECT COUNT(*), COALESCE(MIN(created_ms), 0) FROM outbox", {}, "GetOutboxStats"));
  OutboxStats stats;
  if (!rows.empty()) {
    stats.pending = rows.Int(0, 0);
    stats.oldest_created_ms = rows.Int(0, 1);
  }
  return stats;
}

Result<bool> PgTxn::TryAcquireLease(std::string_view name, std::string_view owner, int64_t now_ms,
                                    int64_t ttl_ms) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  // Takes the lease if it is free, expired or ours; RETURNING tells whether the row changed.
  COGSYNC_ASSIGN_OR_RETURN(
      Rows rows,
      Run("INSERT INTO leases (name, owner, expires_ms) VALUES ($1, $2, $3::BIGINT + $4::BIGINT) "
          "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = "
          "excluded.expires_ms "
          "WHERE leases.owner = excluded.owner OR leases.expires_ms <= $3::BIGINT RETURNING owner",
          {Param::Text(name), Param::Text(owner), Param::Int(now_ms), Param::Int(ttl_ms)},
          "TryAcquireLease"));
  return !rows.empty();
}

#undef COGSYNC_OUTBOX_COLUMNS

}  // namespace cogsync::store::postgres
