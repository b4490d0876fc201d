#include "bench/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/stats.h"

namespace cogsync::bench {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using Credentials = auth::sigv4::Credentials;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kIdentityService = "cognito-identity";
constexpr std::string_view kSyncService = "cognito-sync";
constexpr std::string_view kConflict = "ResourceConflictException";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count();
}

// Rethrows what a coroutine threw, so a bug surfaces instead of vanishing.
void Rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

std::optional<bj::object> ParseObject(const std::string& body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string StringField(const bj::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

int64_t IntField(const bj::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return int64_t(it->value().get_uint64());
  return 0;
}

ApiError Unexpected(std::string_view what, const Reply& reply) {
  return ApiError::InternalError(fmt::format("{}: status {} {} {}", what, reply.status,
                                             reply.error_type, reply.body.substr(0, 300)));
}

struct IdentityCreds {
  std::string identity_id;
  Credentials credentials;
};

// One dataset as a device sees it: its count and the SyncCount of every record it knows.
struct DatasetView {
  IdentityCreds* identity = nullptr;
  std::string name;
  std::string path;  // REST path of the dataset
  int64_t sync_count = 0;
  std::unordered_map<std::string, int64_t> records;
};

// Runs task(client, i) for every i in [0, count) on `concurrency` connections spread over
// `threads` event loops. The first failure stops the handing out of further tasks.
class Parallel {
 public:
  using Task = std::function<asio::awaitable<Status>(Client&, int)>;

  static Status Run(const CommonOptions& common, int concurrency, int count, const Task& task) {
    Parallel p(common, task, count);
    std::vector<std::unique_ptr<asio::io_context>> loops;
    for (int t = 0; t < std::max(1, common.threads); ++t) {
      loops.push_back(std::make_unique<asio::io_context>(1));
    }
    for (int c = 0; c < std::max(1, std::min(concurrency, count)); ++c) {
      asio::co_spawn(*loops[size_t(c) % loops.size()], p.Worker(*loops[size_t(c) % loops.size()]),
                     Rethrow);
    }
    std::vector<std::thread> threads;
    for (auto& loop : loops) threads.emplace_back([l = loop.get()] { l->run(); });
    for (auto& t : threads) t.join();
    if (p.failed_) return *p.error_;
    return OkStatus();
  }

 private:
  Parallel(const CommonOptions& common, const Task& task, int count)
      : common_(common), task_(task), count_(count) {}

  asio::awaitable<void> Worker(asio::io_context& loop) {
    Client client(loop.get_executor(), common_.endpoint);
    for (;;) {
      int i = next_.fetch_add(1);
      if (i >= count_ || failed_.load()) break;
      Status s = co_await task_(client, i);
      if (!s.ok()) {
        std::lock_guard lock(mu_);
        if (!failed_.exchange(true)) error_ = s.error();
      }
    }
    client.Close();
  }

  const CommonOptions& common_;
  const Task& task_;
  const int count_;
  std::atomic<int> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::optional<ApiError> error_;
};

// Blocking one-off call on a private loop (pool creation and the like).
Result<Reply> CallOnce(const CommonOptions& common, HttpRequest request) {
  Reply reply;
  CommonOptions one = common;
  one.threads = 1;
  Parallel::Task task = [&](Client& client, int) -> asio::awaitable<Status> {
    reply = co_await client.Send(request);
    co_return OkStatus();
  };
  COGSYNC_RETURN_IF_ERROR(Parallel::Run(one, 1, 1, task));
  return reply;
}

Result<std::string> EnsurePool(const CommonOptions& common) {
  if (!common.pool_id.empty()) return common.pool_id;
  if (common.developer.access_key_id.empty()) {
    return ApiError::InvalidParameter(
        "creating a pool needs a developer key (--access-key-id/--secret-access-key or "
        "COGSYNC_ACCESS_KEY_ID/COGSYNC_SECRET_ACCESS_KEY), or pass --pool-id");
  }
  bj::object create{{"IdentityPoolName", "bench"}, {"AllowUnauthenticatedIdentities", true}};
  auto request = IdentityRequest(common.endpoint, "CreateIdentityPool", bj::serialize(create));
  COGSYNC_RETURN_IF_ERROR(Sign(request, common.developer, kIdentityService, NowSeconds()));
  COGSYNC_ASSIGN_OR_RETURN(Reply created, CallOnce(common, std::move(request)));
  auto body = ParseObject(created.body);
  if (!created.ok() || !body) return Unexpected("CreateIdentityPool", created);
  std::string pool_id = StringField(*body, "IdentityPoolId");

  // Unauthenticated identities get credentials only when the pool has a role for them.
  bj::object roles{
      {"IdentityPoolId", pool_id},
      {"Roles", bj::object{{"unauthenticated", "arn:aws:iam::123456789012:role/bench"},
                           {"authenticated", "arn:aws:iam::123456789012:role/bench"}}}};
  request = IdentityRequest(common.endpoint, "SetIdentityPoolRoles", bj::serialize(roles));
  COGSYNC_RETURN_IF_ERROR(Sign(request, common.developer, kIdentityService, NowSeconds()));
  COGSYNC_ASSIGN_OR_RETURN(Reply set, CallOnce(common, std::move(request)));
  if (!set.ok()) return Unexpected("SetIdentityPoolRoles", set);
  return pool_id;
}

// GetId, unsigned, as an app does.
asio::awaitable<Status> GetId(Client& client, const Endpoint& endpoint, const std::string& pool_id,
                              IdentityCreds& out) {
  auto get_id =
      IdentityRequest(endpoint, "GetId", bj::serialize(bj::object{{"IdentityPoolId", pool_id}}));
  Reply id_reply = co_await client.Send(get_id);
  auto id_body = ParseObject(id_reply.body);
  if (!id_reply.ok() || !id_body) co_return Unexpected("GetId", id_reply);
  out.identity_id = StringField(*id_body, "IdentityId");
  co_return OkStatus();
}

// GetId then GetCredentialsForIdentity, both unsigned, as an app does.
asio::awaitable<Status> NewIdentity(Client& client, const Endpoint& endpoint,
                                    const std::string& pool_id, IdentityCreds& out) {
  Status got = co_await GetId(client, endpoint, pool_id, out);
  if (!got.ok()) co_return got;

  auto get_creds = IdentityRequest(endpoint, "GetCredentialsForIdentity",
                                   bj::serialize(bj::object{{"IdentityId", out.identity_id}}));
  Reply creds_reply = co_await client.Send(get_creds);
  auto creds_body = ParseObject(creds_reply.body);
  if (!creds_reply.ok() || !creds_body || !creds_body->contains("Credentials") ||
      !creds_body->at("Credentials").is_object()) {
    co_return Unexpected("GetCredentialsForIdentity", creds_reply);
  }
  const bj::object& c = creds_body->at("Credentials").as_object();
  out.credentials = {StringField(c, "AccessKeyId"), StringField(c, "SecretKey"),
                     StringField(c, "SessionToken")};
  co_return OkStatus();
}

Status NewIdentities(const CommonOptions& common, const std::string& pool_id,
                     std::vector<IdentityCreds>& identities, int connections) {
  Parallel::Task task = [&](Client& client, int i) -> asio::awaitable<Status> {
    co_return co_await NewIdentity(client, common.endpoint, pool_id, identities[size_t(i)]);
  };
  return Parallel::Run(common, connections, int(identities.size()), task);
}

std::string ListRecordsQuery(int64_t last_sync_count) {
  return "lastSyncCount=" + std::to_string(last_sync_count) + "&maxResults=1024";
}

HttpRequest ListRecordsRequest(const Endpoint& endpoint, const DatasetView& view,
                               int64_t last_sync_count) {
  return SyncRequest(endpoint, "GET", view.path + "/records", ListRecordsQuery(last_sync_count),
                     "");
}

// Learns SyncCounts from a ListRecords or UpdateRecords answer.
void Absorb(DatasetView& view, const bj::object& body) {
  view.sync_count = std::max(view.sync_count, IntField(body, "DatasetSyncCount"));
  auto it = body.find("Records");
  if (it == body.end() || !it->value().is_array()) return;
  for (const auto& r : it->value().get_array()) {
    if (!r.is_object()) continue;
    int64_t count = IntField(r.get_object(), "SyncCount");
    view.records[StringField(r.get_object(), "Key")] = count;
    view.sync_count = std::max(view.sync_count, count);
  }
}

std::string Value(int64_t n, int bytes) {
  std::string v = fmt::format("v{:x}-", n);
  while (int(v.size()) < bytes) v.push_back(char('a' + v.size() % 26));
  v.resize(size_t(std::max(bytes, 1)));
  return v;
}

enum class CycleResult { kDone, kConflict };

// One sync cycle: ListRecords since the last known count, then UpdateRecords of `keys` with the
// session token and the SyncCounts just learnt. `recorder` null: not measured.
asio::awaitable<Result<CycleResult>> SyncCycle(Client& client, const Endpoint& endpoint,
                                               DatasetView& view,
                                               const std::vector<std::string>& keys,
                                               int value_bytes, int64_t value_seed,
                                               Recorder* recorder) {
  auto list = ListRecordsRequest(endpoint, view, view.sync_count);
  if (auto s = Sign(list, view.identity->credentials, kSyncService, NowSeconds()); !s.ok()) {
    co_return s.error();
  }
  auto start = SteadyClock::now();
  Reply listed = co_await client.Send(list);
  auto list_micros = MicrosSince(start);
  auto list_body = ParseObject(listed.body);
  if (!listed.ok() || !list_body) {
    if (recorder) recorder->Record("ListRecords", list_micros, Outcome::kError, listed.error_type);
    co_return Unexpected("ListRecords", listed);
  }
  if (recorder) recorder->Record("ListRecords", list_micros, Outcome::kOk);
  Absorb(view, *list_body);

  bj::array patches;
  for (size_t k = 0; k < keys.size(); ++k) {
    auto known = view.records.find(keys[k]);
    patches.push_back(bj::object{{"Key", keys[k]},
                                 {"Op", "replace"},
                                 {"SyncCount", known == view.records.end() ? 0 : known->second},
                                 {"Value", Value(value_seed + int64_t(k), value_bytes)}});
  }
  bj::object update{{"SyncSessionToken", StringField(*list_body, "SyncSessionToken")},
                    {"RecordPatches", std::move(patches)}};
  auto write = SyncRequest(endpoint, "POST", view.path, "", bj::serialize(update));
  if (auto s = Sign(write, view.identity->credentials, kSyncService, NowSeconds()); !s.ok()) {
    co_return s.error();
  }
  start = SteadyClock::now();
  Reply written = co_await client.Send(write);
  auto write_micros = MicrosSince(start);
  if (written.status == 409 && written.error_type == kConflict) {
    // Another device wrote first: expected in concurrent sync. The next cycle re-lists.
    if (recorder) recorder->Record("UpdateRecords", write_micros, Outcome::kConflict);
    co_return CycleResult::kConflict;
  }
  auto write_body = ParseObject(written.body);
  if (!written.ok() || !write_body) {
    if (recorder)
      recorder->Record("UpdateRecords", write_micros, Outcome::kError, written.error_type);
    co_return Unexpected("UpdateRecords", written);
  }
  if (recorder) recorder->Record("UpdateRecords", write_micros, Outcome::kOk);
  Absorb(view, *write_body);
  co_return CycleResult::kDone;
}

std::vector<std::string> Keys(int count) {
  std::vector<std::string> keys;
  for (int i = 0; i < count; ++i) keys.push_back(fmt::format("key-{:04}", i));
  return keys;
}

// Writes `records` records into a fresh dataset, retrying conflicts with other seeders.
asio::awaitable<Status> Seed(Client& client, const Endpoint& endpoint, DatasetView& view,
                             int records, int value_bytes) {
  if (records <= 0) co_return OkStatus();
  const auto keys = Keys(records);
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto r = co_await SyncCycle(client, endpoint, view, keys, value_bytes, 0, nullptr);
    if (!r.ok()) co_return r.error();
    if (*r == CycleResult::kDone) co_return OkStatus();
  }
  co_return ApiError::InternalError("seeding " + view.name + " kept conflicting");
}

// --- Run -----------------------------------------------------------------------------------

struct RunState {
  const RunOptions& options;
  std::string pool_id;
  SteadyClock::time_point measure_from;
  SteadyClock::time_point end;
  std::atomic<int64_t> budget;
  std::mutex mu;
  std::string first_error;

  bool Continue() {
    auto now = SteadyClock::now();
    if (now >= end) return false;
    // Warm-up requests do not spend the --requests budget.
    if (options.max_requests <= 0 || now < measure_from) return true;
    return budget.fetch_sub(1, std::memory_order_relaxed) > 0;
  }
  void Fail(const ApiError& e) {
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = e.message();
    // Keep measuring: every unexpected error is counted and reported, then the run fails.
  }
};

// A request of the read mixes, recorded under its operation name.
asio::awaitable<void> ReadOnce(Client& client, RunState& state, DatasetView& view, uint64_t i,
                               Recorder& recorder) {
  const auto& o = state.options;
  const Endpoint& endpoint = o.common.endpoint;
  std::string op;
  HttpRequest request;
  const Credentials* credentials = &view.identity->credentials;
  std::string_view service = kSyncService;
  if (o.workload == "describe-pool") {
    op = "DescribeIdentityPool";
    request =
        IdentityRequest(endpoint, op, bj::serialize(bj::object{{"IdentityPoolId", state.pool_id}}));
    credentials = &o.common.developer;
    service = kIdentityService;
  } else if (o.workload == "read" && i % 10 == 0) {
    op = "DescribeDataset";
    request = SyncRequest(endpoint, "GET", view.path, "", "");
  } else if (o.workload == "read" && i % 10 == 1) {
    op = "ListDatasets";
    request = SyncRequest(endpoint, "GET", view.path.substr(0, view.path.rfind('/')),
                          "maxResults=64", "");
  } else {
    op = "ListRecords";
    request = ListRecordsRequest(endpoint, view, 0);
  }
  if (auto s = Sign(request, *credentials, service, NowSeconds()); !s.ok()) {
    state.Fail(s.error());
    co_return;
  }
  auto start = SteadyClock::now();
  Reply reply = co_await client.Send(request);
  auto micros = MicrosSince(start);
  bool measured = start >= state.measure_from;
  if (!reply.ok()) {
    if (measured) recorder.Record(op, micros, Outcome::kError, reply.error_type);
    state.Fail(Unexpected(op, reply));
  } else if (measured) {
    recorder.Record(op, micros, Outcome::kOk);
  }
}

asio::awaitable<void> Device(asio::io_context& loop, RunState& state, DatasetView& view, int device,
                             Recorder& recorder) {
  const auto& o = state.options;
  Client client(loop.get_executor(), o.common.endpoint);
  const auto all_keys = Keys(std::max(o.seed_records, o.patch_records));
  Recorder warmup;  // requests started before measure_from are recorded here and dropped
  uint64_t i = 0;
  while (state.Continue()) {
    if (o.workload != "sync") {
      co_await ReadOnce(client, state, view, i++, recorder);
      continue;
    }
    // Each cycle patches the next `patch_records` keys, so every record keeps changing.
    std::vector<std::string> keys;
    for (int k = 0; k < o.patch_records; ++k) {
      keys.push_back(all_keys[(i * size_t(o.patch_records) + size_t(k)) % all_keys.size()]);
    }
    Recorder* target = SteadyClock::now() >= state.measure_from ? &recorder : &warmup;
    auto r = co_await SyncCycle(client, o.common.endpoint, view, keys, o.value_bytes,
                                int64_t(i) * 1000 + device, target);
    ++i;
    if (!r.ok()) state.Fail(r.error());
  }
  client.Close();
}

}  // namespace

int Run(const RunOptions& o) {
  const CommonOptions& common = o.common;
  auto fail = [](const ApiError& e) {
    std::fprintf(stderr, "cogsync-bench: %s\n", e.message().c_str());
    return 1;
  };
  if (o.workload != "sync" && o.workload != "read" && o.workload != "list-records" &&
      o.workload != "describe-pool") {
    return fail(ApiError::InvalidParameter("unknown workload " + o.workload));
  }
  if (o.devices < 1 || o.identities < 1 || o.identities > o.devices) {
    return fail(ApiError::InvalidParameter("want 1 <= identities <= devices"));
  }
  if (o.seed_records > 1024 || o.patch_records < 1 || o.patch_records > 1024) {
    return fail(ApiError::InvalidParameter("seed-records and patch-records must be at most 1024"));
  }
  auto pool = EnsurePool(common);
  if (!pool.ok()) return fail(pool.error());

  auto setup_start = SteadyClock::now();
  std::vector<IdentityCreds> identities(size_t(o.identities));
  if (auto s = NewIdentities(common, *pool, identities, o.devices); !s.ok()) return fail(s.error());
  // Device d belongs to identity d % identities; with distinct datasets it owns "device-<d>".
  std::vector<DatasetView> views(size_t(o.devices));
  for (int d = 0; d < o.devices; ++d) {
    auto& v = views[size_t(d)];
    v.identity = &identities[size_t(d % o.identities)];
    v.name = o.shared_datasets ? "shared" : fmt::format("device-{}", d);
    v.path = DatasetPath(*pool, v.identity->identity_id, v.name);
  }
  Parallel::Task seed = [&](Client& client, int d) -> asio::awaitable<Status> {
    co_return co_await Seed(client, common.endpoint, views[size_t(d)], o.seed_records,
                            o.value_bytes);
  };
  if (auto s = Parallel::Run(common, o.devices, o.devices, seed); !s.ok()) return fail(s.error());
  std::fprintf(stderr, "cogsync-bench: %d identities, %d devices ready in %.1f s; %s for %.0f s\n",
               o.identities, o.devices, double(MicrosSince(setup_start)) / 1e6, o.workload.c_str(),
               o.duration_seconds);

  RunState state{.options = o, .pool_id = *pool, .budget = o.max_requests};
  const auto start = SteadyClock::now();
  state.measure_from = start + std::chrono::microseconds(int64_t(o.warmup_seconds * 1e6));
  state.end = state.measure_from + std::chrono::microseconds(int64_t(o.duration_seconds * 1e6));

  const int threads = std::max(1, common.threads);
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<Recorder> recorders(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) loops.push_back(std::make_unique<asio::io_context>(1));
  for (int d = 0; d < o.devices; ++d) {
    size_t t = size_t(d % threads);
    asio::co_spawn(*loops[t], Device(*loops[t], state, views[size_t(d)], d, recorders[t]), Rethrow);
  }
  std::vector<std::thread> workers;
  for (auto& loop : loops) workers.emplace_back([l = loop.get()] { l->run(); });
  for (auto& w : workers) w.join();
  const auto stop = SteadyClock::now();

  Recorder total;
  for (const auto& r : recorders) total.Merge(r);
  double seconds =
      std::chrono::duration<double>(stop - std::max(start, state.measure_from)).count();
  std::printf("workload=%s devices=%d identities=%d threads=%d seconds=%.2f\n", o.workload.c_str(),
              o.devices, o.identities, threads, seconds);
  std::fputs(Report(total, seconds).c_str(), stdout);
  if (o.workload == "sync") {
    auto it = total.ops().find("UpdateRecords");
    uint64_t cycles = it == total.ops().end() ? 0 : it->second.ok + it->second.conflicts;
    std::printf("RESULT op=sync-cycle rps=%.1f\n", double(cycles) / std::max(seconds, 1e-9));
  }
  std::fflush(stdout);
  if (total.TotalErrors() > 0 || !state.first_error.empty()) {
    std::fprintf(stderr, "cogsync-bench: FAILED: %llu unexpected errors; first: %s\n",
                 static_cast<unsigned long long>(total.TotalErrors()), state.first_error.c_str());
    return 1;
  }
  if (total.TotalRequests() == 0) {
    std::fprintf(stderr, "cogsync-bench: FAILED: no request was measured\n");
    return 1;
  }
  return 0;
}

int Fill(const FillOptions& o) {
  auto fail = [](const ApiError& e) {
    std::fprintf(stderr, "cogsync-bench: %s\n", e.message().c_str());
    return 1;
  };
  if (o.records < 1 || o.records > 1024 || o.datasets < 1 || o.identities < 1) {
    return fail(
        ApiError::InvalidParameter("want identities >= 1, datasets >= 1, 1 <= records <= 1024"));
  }
  auto pool = EnsurePool(o.common);
  if (!pool.ok()) return fail(pool.error());
  const int with_data =
      o.data_identities < 0 ? o.identities : std::min(o.data_identities, o.identities);
  auto start = SteadyClock::now();
  std::atomic<int> done{0};
  const int progress_step = std::max(1, o.identities / 20);
  // One task per identity: get it, then write each of its datasets with one UpdateRecords.
  // Identities past `with_data` only GetId: a store of many identities, few of them syncing,
  // fills at the rate of identity creation.
  Parallel::Task task = [&](Client& client, int i) -> asio::awaitable<Status> {
    IdentityCreds identity;
    if (i >= with_data) {
      Status got = co_await GetId(client, o.common.endpoint, *pool, identity);
      if (!got.ok()) co_return got;
    } else {
      Status got = co_await NewIdentity(client, o.common.endpoint, *pool, identity);
      if (!got.ok()) co_return got;
      for (int d = 0; d < o.datasets; ++d) {
        DatasetView view{.identity = &identity, .name = fmt::format("data-{}", d)};
        view.path = DatasetPath(*pool, identity.identity_id, view.name);
        Status seeded = co_await Seed(client, o.common.endpoint, view, o.records, o.value_bytes);
        if (!seeded.ok()) co_return seeded;
      }
    }
    int n = done.fetch_add(1, std::memory_order_relaxed) + 1;
    if (o.progress && n % progress_step == 0) {
      double s = double(MicrosSince(start)) / 1e6;
      std::fprintf(stderr, "cogsync-bench: fill %d/%d identities in %.0f s (%.0f/s)\n", n,
                   o.identities, s, double(n) / std::max(s, 1e-9));
    }
    co_return OkStatus();
  };
  if (auto s = Parallel::Run(o.common, o.connections, o.identities, task); !s.ok()) {
    return fail(s.error());
  }
  double seconds = double(MicrosSince(start)) / 1e6;
  int64_t records = int64_t(with_data) * o.datasets * o.records;
  std::printf(
      "pool=%s identities=%d datasets=%lld records=%lld seconds=%.2f identities_per_s=%.0f "
      "records_per_s=%.0f\n",
      pool->c_str(), o.identities, static_cast<long long>(int64_t(with_data) * o.datasets),
      static_cast<long long>(records), seconds, double(o.identities) / std::max(seconds, 1e-9),
      double(records) / std::max(seconds, 1e-9));
  return 0;
}

namespace {

// A Lua long string that cannot be closed by the text inside it.
std::string LuaString(const std::string& text) {
  std::string level = "=";
  while (text.find("]" + level + "]") != std::string::npos) level += "=";
  return "[" + level + "[" + text + "]" + level + "]";
}

}  // namespace

int SignForWrk(const SignOptions& o) {
  auto fail = [](const ApiError& e) {
    std::fprintf(stderr, "cogsync-bench: %s\n", e.message().c_str());
    return 1;
  };
  if (o.operation != "list-records" && o.operation != "describe-dataset" &&
      o.operation != "describe-pool" && o.operation != "list-pools") {
    return fail(ApiError::InvalidParameter(
        "--op is list-records, describe-dataset, describe-pool or list-pools"));
  }
  if (o.format != "lua" && o.format != "headers") {
    return fail(ApiError::InvalidParameter("--format is lua or headers"));
  }
  // ListIdentityPools needs no pool of its own.
  auto pool =
      o.operation == "list-pools" ? Result<std::string>(std::string()) : EnsurePool(o.common);
  if (!pool.ok()) return fail(pool.error());
  HttpRequest request;
  if (o.operation == "list-pools") {
    request = IdentityRequest(o.common.endpoint, "ListIdentityPools",
                              bj::serialize(bj::object{{"MaxResults", 60}}));
    if (auto s = Sign(request, o.common.developer, kIdentityService, NowSeconds()); !s.ok()) {
      return fail(s.error());
    }
  } else if (o.operation == "describe-pool") {
    request = IdentityRequest(o.common.endpoint, "DescribeIdentityPool",
                              bj::serialize(bj::object{{"IdentityPoolId", *pool}}));
    if (auto s = Sign(request, o.common.developer, kIdentityService, NowSeconds()); !s.ok()) {
      return fail(s.error());
    }
  } else {
    std::vector<IdentityCreds> identities(1);
    if (auto s = NewIdentities(o.common, *pool, identities, 1); !s.ok()) return fail(s.error());
    DatasetView view{.identity = &identities[0], .name = "bench"};
    view.path = DatasetPath(*pool, identities[0].identity_id, view.name);
    Parallel::Task seed = [&](Client& client, int) -> asio::awaitable<Status> {
      co_return co_await Seed(client, o.common.endpoint, view, o.records, 32);
    };
    if (auto s = Parallel::Run(o.common, 1, 1, seed); !s.ok()) return fail(s.error());
    // DescribeDataset reads the same seeded dataset, also with the identity's credentials.
    request = o.operation == "describe-dataset"
                  ? SyncRequest(o.common.endpoint, "GET", view.path, "", "")
                  : ListRecordsRequest(o.common.endpoint, view, 0);
    if (auto s = Sign(request, identities[0].credentials, kSyncService, NowSeconds()); !s.ok()) {
      return fail(s.error());
    }
  }

  std::string text;
  if (o.format == "headers") {
    for (const auto& field : request) {
      text += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
  } else {
    text += "-- One request signed by cogsync-bench; valid for 15 minutes (X-Amz-Date skew).\n";
    text += "wrk.method = \"" + std::string(request.method_string()) + "\"\n";
    text += "wrk.path = " + LuaString(std::string(request.target())) + "\n";
    text += "wrk.body = " + LuaString(request.body()) + "\n";
    for (const auto& field : request) {
      if (boost::beast::iequals(field.name_string(), "content-length")) continue;  // wrk adds it
      // Header names are HTTP tokens: no quote or backslash can occur in them.
      text += "wrk.headers[\"" + std::string(field.name_string()) +
              "\"] = " + LuaString(std::string(field.value())) + "\n";
    }
  }
  if (o.out.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream out(o.out, std::ios::trunc);
    out << text;
    if (!out) return fail(ApiError::InternalError("cannot write " + o.out));
  }
  return 0;
}

}  // namespace cogsync::bench
