#include "console/admin_api.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json.h"
#include "outbox/status.h"
#include "protocol/wire.h"

namespace cogsync::console {
namespace {

namespace bj = boost::json;

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view QueryOf(std::string_view target) {
  const size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// Dates as the Cognito APIs give them: epoch seconds with a fraction.
double EpochSeconds(int64_t millis) { return static_cast<double>(millis) / 1000.0; }

http::Response Error(const ApiError& error) { return protocol::EncodeError(Service::kSync, error); }

http::Response Json(bj::object body) {
  return protocol::EncodeOutput(Service::kSync, bj::value(std::move(body)));
}

// The value of `name` in a query string, percent-decoded; nullopt when absent or malformed.
std::optional<std::string> QueryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return encoding::PercentDecode(pair.substr(eq + 1), /*plus_as_space=*/true);
  }
  return std::nullopt;
}

}  // namespace

int64_t HistogramQuantileMicros(const http::LatencyHistogram::Snapshot& snapshot, double quantile) {
  uint64_t total = 0;
  for (uint64_t n : snapshot.buckets) total += n;
  if (total == 0) return 0;
  // The smallest bucket whose cumulative count reaches quantile * total (at least one request).
  const double rank = std::max(1.0, quantile * static_cast<double>(total));
  uint64_t cumulative = 0;
  for (size_t i = 0; i < http::kLatencyBucketsMicros.size(); ++i) {
    cumulative += snapshot.buckets[i];
    if (static_cast<double>(cumulative) >= rank) {
      return http::kLatencyBucketsMicros[i];
    }
  }
  return http::kLatencyBucketsMicros.back();
}

http::Response AdminApi::Handle(const http::Request& request) {
  const std::string_view path = PathOf(request.target);
  const std::string_view name = path.substr(kPathPrefix.size());
  const bool known = name == "outbox" || name == "metrics" || name == "identity" || name == "pools";
  http::Response response;
  if (!known) {
    response = Error(ApiError::UnknownOperation("Unknown admin resource: " + std::string(path)));
  } else if (request.method != "GET") {
    response = Error(ApiError::MethodNotAllowed("The admin API takes GET."));
  } else if (auto principal = authenticator_.Authenticate(request, kSigningService);
             !principal.ok()) {
    response = Error(principal.error());
  } else if (!principal->is_developer()) {
    // D30: the console and its admin API are for developer keys only.
    response = Error(ApiError::AccessDenied(
        "The admin API takes developer credentials; identity credentials are refused."));
  } else if (name == "outbox") {
    response = Outbox();
  } else if (name == "metrics") {
    response = MetricsSummary();
  } else if (name == "identity") {
    response = Identity(QueryOf(request.target));
  } else {
    response = PoolCounts(QueryOf(request.target));
  }
  // A bounded set of names for the metrics and the access log, never the raw path.
  response.operation = known ? "Admin." + std::string(name) : "Admin";
  return response;
}

http::Response AdminApi::Outbox() {
  auto status = outbox::ReadOutboxStatus(store_, kShownOutboxEntries);
  if (!status.ok()) return Error(status.error());
  const int64_t now = clock_.NowMillis();
  bj::array entries;
  for (const auto& e : status->first_pending) {
    // Never the payload or the target: they hold record values and device tokens.
    entries.push_back(bj::object{{"Kind", e.kind},
                                 {"Id", e.id},
                                 {"IdentityPoolId", e.pool_id},
                                 {"Attempts", e.attempts},
                                 {"CreatedDate", EpochSeconds(e.created_ms)},
                                 {"NextAttemptDate", EpochSeconds(e.next_attempt_ms)},
                                 {"LastError", e.last_error}});
  }
  bj::array bulk;
  for (const auto& run : status->bulk_publishes) {
    bulk.push_back(bj::object{{"IdentityPoolId", run.pool_id},
                              {"BulkPublishStartTime", EpochSeconds(run.started_ms)}});
  }
  bj::object out{
      {"Pending", status->stats.pending},
      {"OldestAgeSeconds",
       status->stats.pending > 0 ? EpochSeconds(now - status->stats.oldest_created_ms) : 0.0},
      {"FirstPending", std::move(entries)},
      {"RunningBulkPublishes", std::move(bulk)},
      {"Time", EpochSeconds(now)}};
  return Json(std::move(out));
}

http::Response AdminApi::MetricsSummary() {
  bj::array operations;
  for (const auto& op : metrics_.Operations()) {
    operations.push_back(
        bj::object{{"Operation", op.name},
                   {"Requests", op.requests},
                   {"Errors4xx", op.errors_4xx},
                   {"Errors5xx", op.errors_5xx},
                   {"LatencyP99Micros", HistogramQuantileMicros(op.latency, 0.99)}});
  }
  return Json(bj::object{{"Operations", std::move(operations)},
                         {"Time", EpochSeconds(clock_.NowMillis())}});
}

http::Response AdminApi::Identity(std::string_view query) {
  const auto id = QueryParameter(query, "IdentityId");
  if (!id || id->empty() || id->size() > 55) {
    return Error(ApiError::InvalidParameter("IdentityId (1 to 55 characters) is required."));
  }
  std::optional<store::Identity> identity;
  if (auto s = store_.Read([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(identity, txn.GetIdentity(*id));
        return OkStatus();
      });
      !s.ok()) {
    return Error(s.error());
  }
  if (!identity) return Error(ApiError::ResourceNotFound("Identity '" + *id + "' not found."));
  return Json(bj::object{{"IdentityId", identity->id},
                         {"IdentityPoolId", identity->pool_id},
                         {"Disabled", identity->disabled},
                         {"MergedInto", identity->merged_into}});
}

http::Response AdminApi::PoolCounts(std::string_view query) {
  const auto id = QueryParameter(query, "IdentityPoolId");
  if (!id || id->empty() || id->size() > 55) {
    return Error(ApiError::InvalidParameter("IdentityPoolId (1 to 55 characters) is required."));
  }
  // One read transaction: the pool and both counts agree with each other.
  bool exists = false;
  store::PoolCounts counts;
  if (auto s = store_.Read([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(*id));
        exists = pool != nullptr;
        if (!exists) return OkStatus();
        COGSYNC_ASSIGN_OR_RETURN(counts, txn.CountPoolContents(*id));
        return OkStatus();
      });
      !s.ok()) {
    return Error(s.error());
  }
  if (!exists) return Error(ApiError::ResourceNotFound("IdentityPool '" + *id + "' not found."));
  return Json(bj::object{
      {"IdentityPoolId", *id}, {"Identities", counts.identities}, {"Datasets", counts.datasets}});
}

}  // namespace cogsync::console
