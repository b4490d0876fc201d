// `cogsync migrate --verify`: the source against the target store, difference by difference.

#include <algorithm>
#include <unordered_set>

#include "migrate/migrator.h"
#include "migrate/source_reader.h"

namespace cogsync::migrate {
namespace {

std::string Num(int64_t n) { return std::to_string(n); }

std::string Show(const std::optional<std::string>& value) {
  return value ? "'" + *value + "'" : std::string("(removed)");
}

class Verifier {
 public:
  Verifier(SourceClient& source, store::Store& target, int64_t sample_every, bool identities_only)
      : source_(source),
        target_(target),
        sample_every_(std::max<int64_t>(1, sample_every)),
        identities_only_(identities_only) {}

  Status Pool(const std::string& pool_id) {
    store::PoolPtr pool;
    COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(pool, txn.GetPool(pool_id));
      return OkStatus();
    }));
    if (!pool) {
      Differ("pool " + pool_id + " is not in the target");
      return OkStatus();
    }
    COGSYNC_ASSIGN_OR_RETURN(boost::json::object line,
                             ReadPoolLine(source_, pool_id, "", 0, identities_only_));
    auto same = [&](std::string_view what, const boost::json::value& source_value,
                    const boost::json::value& target_value) {
      if (source_value != target_value) {
        Differ("pool " + pool_id + ": " + std::string(what) + " differs: source " +
               boost::json::serialize(source_value) + ", target " +
               boost::json::serialize(target_value));
      }
    };
    same("name", line["name"], boost::json::value(pool->name));
    same("tags", line["tags"], pool->tags);
    if (!identities_only_) {  // what --identities-only does not read is not compared either
      same("roles", line["roles"], pool->roles);
      same("role mappings", line["role_mappings"], pool->role_mappings);
      same("sync configuration", line["sync_config"], pool->sync_config);
      same("events", line["events"], pool->events);
    }

    std::unordered_set<std::string> seen, tokens;
    std::string next;
    int64_t index = 0;
    do {
      COGSYNC_ASSIGN_OR_RETURN(IdentityPage page, ListIdentityPage(source_, pool_id, next, false));
      for (const SourceIdentity& listed : page.identities) {
        seen.insert(listed.id);
        COGSYNC_RETURN_IF_ERROR(Identity(pool_id, listed, index++ % sample_every_ == 0));
      }
      next = page.next_token;
      COGSYNC_RETURN_IF_ERROR(CheckNextToken(tokens, next, "ListIdentities"));
    } while (!next.empty());
    int64_t held = 0;
    COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
      std::string after;
      while (true) {
        COGSYNC_ASSIGN_OR_RETURN(auto page, txn.ListIdentities(pool_id, after, 1000, false));
        if (page.empty()) break;
        held += static_cast<int64_t>(page.size());
        after = page.back().id;
      }
      return OkStatus();
    }));
    if (held != static_cast<int64_t>(seen.size())) {
      Differ("pool " + pool_id + ": the source lists " + Num(static_cast<int64_t>(seen.size())) +
             " identities, the target holds " + Num(held));
    }
    return OkStatus();
  }

  VerifyReport& report() { return report_; }

 private:
  void Differ(std::string line) { report_.differences.push_back(std::move(line)); }

  Status Identity(const std::string& pool_id, const SourceIdentity& listed, bool records) {
    ++report_.identities;
    std::optional<store::Identity> identity;
    std::vector<store::Dataset> held;
    COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(identity, txn.GetIdentity(listed.id));
      if (identity) {
        COGSYNC_ASSIGN_OR_RETURN(held, txn.ListAllDatasets(listed.id));
      }
      return OkStatus();
    }));
    if (!identity) {
      Differ("identity " + listed.id + " is not in the target");
      return OkStatus();
    }
    if (identity->pool_id != pool_id || identity->created_ms != listed.created_ms) {
      Differ("identity " + listed.id + ": pool or creation date differs");
    }
    if (identities_only_) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto datasets, ListSourceDatasets(source_, pool_id, listed.id));
    for (const store::Dataset& d : datasets) {
      ++report_.datasets;
      auto h = std::find_if(held.begin(), held.end(), [&](const store::Dataset& x) {
        return x.name == d.name && !x.deleted;
      });
      const std::string what = "identity " + listed.id + " dataset '" + d.name + "'";
      if (h == held.end()) {
        Differ(what + " is not in the target");
        continue;
      }
      if (h->num_records != d.num_records || h->modified_ms != d.modified_ms) {
        Differ(what + ": source has " + Num(d.num_records) + " records modified at " +
               Num(d.modified_ms) + ", target " + Num(h->num_records) + " modified at " +
               Num(h->modified_ms));
      }
      if (!records) continue;
      COGSYNC_ASSIGN_OR_RETURN(DatasetCopy source_copy, ReadDataset(source_, d));
      std::vector<store::Record> target_records;
      COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
        std::string after;
        while (true) {
          COGSYNC_ASSIGN_OR_RETURN(auto page, txn.ListRecords(listed.id, d.name, 0, after, 1000));
          if (page.empty()) return OkStatus();
          after = page.back().key;
          for (store::Record& r : page) target_records.push_back(std::move(r));
        }
      }));
      std::sort(target_records.begin(), target_records.end(),
                [](const store::Record& a, const store::Record& b) { return a.key < b.key; });
      if (source_copy.dataset.sync_count != h->sync_count) {
        Differ(what + ": SyncCount " + Num(source_copy.dataset.sync_count) + " at the source, " +
               Num(h->sync_count) + " in the target");
      }
      size_t t = 0;
      for (const store::Record& s : source_copy.records) {
        ++report_.records;
        while (t < target_records.size() && target_records[t].key < s.key) {
          Differ(what + " record '" + target_records[t].key + "' is only in the target");
          ++t;
        }
        if (t == target_records.size() || target_records[t].key != s.key) {
          Differ(what + " record '" + s.key + "' is not in the target");
          continue;
        }
        const store::Record& r = target_records[t++];
        if (r.value != s.value || r.sync_count != s.sync_count || r.modified_ms != s.modified_ms) {
          Differ(what + " record '" + s.key + "': source " + Show(s.value) + " at SyncCount " +
                 Num(s.sync_count) + ", target " + Show(r.value) + " at SyncCount " +
                 Num(r.sync_count));
        }
      }
      for (; t < target_records.size(); ++t) {
        Differ(what + " record '" + target_records[t].key + "' is only in the target");
      }
    }
    for (const store::Dataset& h : held) {
      if (h.deleted) continue;
      if (std::none_of(datasets.begin(), datasets.end(),
                       [&](const store::Dataset& d) { return d.name == h.name; })) {
        Differ("identity " + listed.id + " dataset '" + h.name +
               "' is in the target but not at the source");
      }
    }
    return OkStatus();
  }

  SourceClient& source_;
  store::Store& target_;
  int64_t sample_every_;
  bool identities_only_;
  VerifyReport report_;
};

}  // namespace

Result<VerifyReport> Verify(SourceClient& source, store::Store& target,
                            const MigrateOptions& options, int64_t sample_every) {
  std::vector<std::string> pools = options.pools;
  if (options.all_pools) {
    COGSYNC_ASSIGN_OR_RETURN(pools, ListPoolIds(source));
  }
  Verifier verifier(source, target, sample_every, options.identities_only);
  for (const std::string& pool_id : pools) COGSYNC_RETURN_IF_ERROR(verifier.Pool(pool_id));
  return std::move(verifier.report());
}

}  // namespace cogsync::migrate
