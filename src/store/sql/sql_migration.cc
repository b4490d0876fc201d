// SqlTxn: the state of a migration from Amazon Cognito (D29): forwarded logins, unbound
// providers of migrated identities, named counters. Kept apart from sql_txn.cc, which holds the
// Cognito rows; both implement the one SqlTxn class.

#include "store/sql/sql_txn.h"

namespace cogsync::store::sql {
namespace {

LoginBinding ReadBinding(const Row& row) {
  return LoginBinding{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Int(5)};
}

}  // namespace

Result<std::optional<LoginBinding>> SqlTxn::GetLoginBinding(std::string_view pool_id,
                                                            std::string_view provider,
                                                            std::string_view subject) {
  return session_.First<LoginBinding>(R"sql(
SELECT pool_id, provider, subject, outcome, identity_id, created_ms FROM login_bindings
WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3)sql",
                                      {Arg::Text(pool_id), Arg::Text(provider), Arg::Text(subject)},
                                      ReadBinding);
}

Status SqlTxn::PutLoginBinding(const LoginBinding& b) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO login_bindings (pool_id, provider, subject, outcome, identity_id, created_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (pool_id, provider, subject) DO UPDATE SET
  outcome = excluded.outcome, identity_id = excluded.identity_id,
  created_ms = excluded.created_ms)sql",
                      {Arg::Text(b.pool_id), Arg::Text(b.provider), Arg::Text(b.subject),
                       Arg::Text(b.outcome), Arg::Text(b.identity_id), Arg::Int(b.created_ms)});
}

Result<std::vector<std::string>> SqlTxn::ListUnboundLogins(std::string_view identity_id) {
  return session_.Collect<std::string>(
      "SELECT provider FROM unbound_logins WHERE identity_id = ?1 ORDER BY provider",
      {Arg::Text(identity_id)}, [](const Row& row) { return row.Text(0); });
}

Status SqlTxn::PutUnboundLogin(std::string_view identity_id, std::string_view provider) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(
      "INSERT INTO unbound_logins (identity_id, provider) VALUES (?1, ?2) "
      "ON CONFLICT (identity_id, provider) DO NOTHING",
      {Arg::Text(identity_id), Arg::Text(provider)});
}

Status SqlTxn::DeleteUnboundLogin(std::string_view identity_id, std::string_view provider) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run("DELETE FROM unbound_logins WHERE identity_id = ?1 AND provider = ?2",
                      {Arg::Text(identity_id), Arg::Text(provider)});
}

Status SqlTxn::AddCounter(std::string_view name, int64_t delta) {
  COGSYNC_RETURN_IF_ERROR(CheckWritable());
  return session_.Run(R"sql(
INSERT INTO counters (name, value) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value)sql",
                      {Arg::Text(name), Arg::Int(delta)});
}

Result<std::vector<std::pair<std::string, int64_t>>> SqlTxn::ListCounters(std::string_view prefix) {
  // A handful of rows: filtered here, so the prefix needs no dialect-specific string function.
  using Counter = std::pair<std::string, int64_t>;
  COGSYNC_ASSIGN_OR_RETURN(
      std::vector<Counter> all,
      session_.Collect<Counter>("SELECT name, value FROM counters ORDER BY name", {},
                                [](const Row& row) { return Counter(row.Text(0), row.Int(1)); }));
  std::erase_if(all, [&](const auto& counter) { return !counter.first.starts_with(prefix); });
  return all;
}

}  // namespace cogsync::store::sql
