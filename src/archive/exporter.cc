#include "archive/exporter.h"

#include <algorithm>
#include <set>

#include "common/ids.h"

#ifndef COGSYNC_VERSION
#define COGSYNC_VERSION "unknown"
#endif

namespace cogsync::archive {
namespace {

constexpr int kPage = 1000;

class Exporter {
 public:
  Exporter(const ExportOptions& options, ArchiveWriter& out, Progress& progress)
      : options_(options), out_(out), progress_(progress) {}

  Status Run(store::Txn& txn) {
    // Which pools, and within them which identities.
    std::vector<store::Pool> pools;
    std::set<std::string> only_identities(options_.identities.begin(), options_.identities.end());
    if (!only_identities.empty()) {
      std::set<std::string> pool_ids;
      for (const std::string& id : only_identities) {
        COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(id));
        if (!identity) return ApiError::ResourceNotFound("identity " + id + " not found");
        pool_ids.insert(identity->pool_id);
      }
      COGSYNC_RETURN_IF_ERROR(LoadPools(txn, pool_ids, pools));
    } else if (!options_.pools.empty()) {
      COGSYNC_RETURN_IF_ERROR(LoadPools(
          txn, std::set<std::string>(options_.pools.begin(), options_.pools.end()), pools));
    }
    const bool all = options_.pools.empty() && only_identities.empty();
    int64_t pool_count = static_cast<int64_t>(pools.size());
    if (all) {
      COGSYNC_ASSIGN_OR_RETURN(pool_count, txn.CountPools());
    }

    Header header;
    header.cogsync_version = COGSYNC_VERSION;
    header.region = options_.region;
    header.account_id = options_.account_id;
    header.archive_id = ids::Uuid();
    header.created_ms = options_.now_ms;
    header.secrets = options_.include_secrets;
    header.pools = options_.pools;
    std::sort(header.pools.begin(), header.pools.end());
    header.identities.assign(only_identities.begin(), only_identities.end());
    header.pool_count = pool_count;
    COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeHeader(header)));

    if (options_.include_secrets) COGSYNC_RETURN_IF_ERROR(WriteSecrets(txn));

    if (all) {
      std::string after;
      while (true) {
        COGSYNC_ASSIGN_OR_RETURN(auto page, txn.ListPools(after, 100));
        for (const store::Pool& pool : page) COGSYNC_RETURN_IF_ERROR(WritePool(txn, pool, {}));
        if (static_cast<int>(page.size()) < 100) break;
        after = page.back().id;
      }
    } else {
      for (const store::Pool& pool : pools) {
        COGSYNC_RETURN_IF_ERROR(WritePool(txn, pool, only_identities));
      }
    }
    return OkStatus();
  }

  const Counts& counts() const { return counts_; }

 private:
  Status LoadPools(store::Txn& txn, const std::set<std::string>& ids,
                   std::vector<store::Pool>& pools) {
    for (const std::string& id : ids) {  // a std::set: ordered by id, as the format wants
      COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(id));
      if (!pool) return ApiError::ResourceNotFound("identity pool " + id + " not found");
      pools.push_back(*pool);
    }
    return OkStatus();
  }

  Status WriteSecrets(store::Txn& txn) {
    COGSYNC_ASSIGN_OR_RETURN(auto keys, txn.ListAccessKeys());
    std::sort(keys.begin(), keys.end(),
              [](const auto& a, const auto& b) { return a.access_key_id < b.access_key_id; });
    for (const store::AccessKey& key : keys) {
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeAccessKey(key)));
      ++counts_.access_keys;
    }
    std::vector<std::string> names = options_.secret_names;
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      COGSYNC_ASSIGN_OR_RETURN(auto value, txn.GetSecret(name));
      if (!value) continue;
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeSecret({name, *value})));
      ++counts_.secrets;
    }
    return OkStatus();
  }

  Status WritePool(store::Txn& txn, const store::Pool& pool,
                   const std::set<std::string>& only_identities) {
    PoolEntry entry;
    entry.pool = pool;
    COGSYNC_ASSIGN_OR_RETURN(entry.principal_tag_maps, txn.ListPrincipalTagMaps(pool.id));
    COGSYNC_ASSIGN_OR_RETURN(store::PoolUsage usage, txn.GetPoolUsage(pool.id));
    entry.sync_sessions = usage.sync_sessions;
    COGSYNC_RETURN_IF_ERROR(out_.Write(EncodePool(entry)));
    ++counts_.pools;
    if (!only_identities.empty()) {
      for (const std::string& id : only_identities) {
        COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(id));
        if (identity && identity->pool_id == pool.id) {
          COGSYNC_RETURN_IF_ERROR(WriteIdentity(txn, *identity));
        }
      }
      return OkStatus();
    }
    std::string after;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto page, txn.ListIdentities(pool.id, after, kPage, false));
      for (const store::Identity& identity : page) {
        COGSYNC_RETURN_IF_ERROR(WriteIdentity(txn, identity));
      }
      if (static_cast<int>(page.size()) < kPage) break;
      after = page.back().id;
    }
    return OkStatus();
  }

  Status WriteIdentity(store::Txn& txn, const store::Identity& identity) {
    COGSYNC_ASSIGN_OR_RETURN(auto unbound, txn.ListUnboundLogins(identity.id));
    COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeIdentity(identity, unbound)));
    ++counts_.identities;
    COGSYNC_ASSIGN_OR_RETURN(auto logins, txn.ListLogins(identity.id));
    for (const store::Login& login : logins) {
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeLogin(login)));
      ++counts_.logins;
    }
    COGSYNC_ASSIGN_OR_RETURN(auto datasets, txn.ListAllDatasets(identity.id));
    for (const store::Dataset& dataset : datasets) {
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeDataset(dataset)));
      ++counts_.datasets;
      std::string after;
      while (true) {
        COGSYNC_ASSIGN_OR_RETURN(
            auto page, txn.ListRecords(identity.id, dataset.name, store::ReadFloor(dataset, -1),
                                       after, kPage));
        for (const store::Record& record : page) {
          COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeRecord(identity.id, dataset.name, record)));
          ++counts_.records;
          progress_.Update(counts_.identities, counts_.records);
        }
        if (static_cast<int>(page.size()) < kPage) break;
        after = page.back().key;
      }
    }
    COGSYNC_ASSIGN_OR_RETURN(auto devices, txn.ListDevices(identity.id));
    // The store lists devices in registration order (D19 replaces the oldest); the archive
    // orders them by id (docs/archive.md).
    std::sort(devices.begin(), devices.end(), [](const store::Device& a, const store::Device& b) {
      return a.device_id < b.device_id;
    });
    for (const store::Device& device : devices) {
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeDevice(device)));
      ++counts_.devices;
    }
    COGSYNC_ASSIGN_OR_RETURN(auto subscriptions, txn.ListIdentitySubscriptions(identity.id));
    for (const store::Subscription& subscription : subscriptions) {
      COGSYNC_RETURN_IF_ERROR(out_.Write(EncodeSubscription(subscription)));
      ++counts_.subscriptions;
    }
    progress_.Update(counts_.identities, counts_.records);
    return OkStatus();
  }

  const ExportOptions& options_;
  ArchiveWriter& out_;
  Progress& progress_;
  Counts counts_;
};

}  // namespace

Result<Counts> ExportArchive(store::Store& store, const ExportOptions& options, ArchiveWriter& out,
                             Progress& progress) {
  Exporter exporter(options, out, progress);
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) { return exporter.Run(txn); }));
  Trailer trailer;
  trailer.counts = exporter.counts();
  trailer.lines = out.lines();
  trailer.sha256 = out.Digest();
  COGSYNC_RETURN_IF_ERROR(out.Finish(EncodeTrailer(trailer)));
  progress.Done(trailer.counts.identities, trailer.counts.records);
  return trailer.counts;
}

}  // namespace cogsync::archive
