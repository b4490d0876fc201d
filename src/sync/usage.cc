// Usage (D22): DescribeIdentityUsage, DescribeIdentityPoolUsage, ListIdentityPoolUsage.
// SyncSessionsCount is what the Store holds plus this node's counts not yet flushed.

#include <algorithm>

#include "common/json.h"
#include "common/next_token.h"
#include "sync/lookup.h"
#include "sync/service.h"

namespace cogsync::sync {
namespace {

constexpr std::string_view kPoolUsageScope = "ListIdentityPoolUsage";

bj::object PoolUsageJson(std::string_view pool_id, const store::PoolUsage& usage,
                         int64_t pending_sessions) {
  bj::object o;
  o["IdentityPoolId"] = pool_id;
  o["SyncSessionsCount"] = usage.sync_sessions + pending_sessions;  // never null
  o["DataStorage"] = usage.data_storage;
  if (usage.last_modified_ms > 0) o["LastModifiedDate"] = json::Timestamp(usage.last_modified_ms);
  return o;
}

}  // namespace

SyncService::Output SyncService::DescribeIdentityUsage(RequestContext& ctx, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  const std::string identity_id(in.at("IdentityId").as_string());
  int64_t dataset_count = 0;
  int64_t storage = 0;
  int64_t last_modified = 0;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(LoadPool(txn, pool_id));
    COGSYNC_RETURN_IF_ERROR(
        CheckIdentity(txn, ctx.principal, pool_id, identity_id, MissingIdentity::kNotFound));
    // Deleted datasets count as changes (LastModifiedDate) but hold no data.
    COGSYNC_ASSIGN_OR_RETURN(auto datasets, txn.ListAllDatasets(identity_id));
    for (const auto& d : datasets) {
      last_modified = std::max(last_modified, d.modified_ms);
      if (d.deleted) continue;
      ++dataset_count;
      storage += d.data_storage;
    }
    return OkStatus();
  }));
  bj::object usage;
  usage["IdentityId"] = identity_id;
  usage["IdentityPoolId"] = pool_id;
  if (last_modified > 0) usage["LastModifiedDate"] = json::Timestamp(last_modified);
  usage["DatasetCount"] = dataset_count;
  usage["DataStorage"] = storage;
  return bj::value(bj::object{{"IdentityUsage", std::move(usage)}});
}

SyncService::Output SyncService::DescribeIdentityPoolUsage(RequestContext&, const bj::object& in) {
  const std::string pool_id(in.at("IdentityPoolId").as_string());
  store::PoolUsage usage;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(LoadPool(txn, pool_id));
    COGSYNC_ASSIGN_OR_RETURN(usage, txn.GetPoolUsage(pool_id));
    return OkStatus();
  }));
  return bj::value(bj::object{
      {"IdentityPoolUsage", PoolUsageJson(pool_id, usage, session_counts_.Pending(pool_id))}});
}

SyncService::Output SyncService::ListIdentityPoolUsage(RequestContext&, const bj::object& in) {
  COGSYNC_ASSIGN_OR_RETURN(const int limit, PageSize(in, "MaxResults", kMaxPoolUsagePage));
  std::string after;
  if (auto token = json::GetString(in, "NextToken")) {
    COGSYNC_ASSIGN_OR_RETURN(after, ReadNextToken(sealer_, kPoolUsageScope, *token));
  }
  bj::object out;
  bj::array items;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pools, txn.ListPools(after, limit + 1));
    for (size_t i = 0; i < pools.size() && i < size_t(limit); ++i) {
      COGSYNC_ASSIGN_OR_RETURN(auto usage, txn.GetPoolUsage(pools[i].id));
      items.push_back(PoolUsageJson(pools[i].id, usage, session_counts_.Pending(pools[i].id)));
    }
    if (pools.size() > size_t(limit)) {
      out["NextToken"] = MakeNextToken(sealer_, kPoolUsageScope, pools[size_t(limit) - 1].id);
    }
    return OkStatus();
  }));
  out["MaxResults"] = int64_t(limit);
  out["Count"] = int64_t(items.size());
  out["IdentityPoolUsages"] = std::move(items);
  return bj::value(std::move(out));
}

}  // namespace cogsync::sync
