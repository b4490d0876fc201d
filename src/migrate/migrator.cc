#include "migrate/migrator.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>
#include <unordered_set>

#include "archive/format.h"
#include "archive/importer.h"
#include "archive/line_io.h"
#include "archive/progress.h"
#include "common/ids.h"
#include "common/json.h"
#include "migrate/source_reader.h"
#include "migrate/target_limits.h"
#include "store/reclaim.h"

namespace cogsync::migrate {
namespace bj = boost::json;
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One identity as it will be written, or why it cannot be.
struct IdentityCopy {
  store::Identity identity;
  std::vector<std::string> unbound;  // provider names without a known subject
  std::vector<store::Login> logins;  // developer user identifiers
  std::vector<DatasetCopy> datasets;
  int64_t unchanged = 0;
  std::optional<ApiError> error;
};

class Migrator {
 public:
  Migrator(SourceClient& source, store::Store& target, const MigrateOptions& options)
      : source_(source), target_(target), options_(options) {}

  Result<MigrateReport> Run() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> pools = options_.pools;
    if (options_.all_pools) {
      COGSYNC_ASSIGN_OR_RETURN(pools, ListPoolIds(source_));
    }
    std::sort(pools.begin(), pools.end());
    pools.erase(std::unique(pools.begin(), pools.end()), pools.end());
    pool_total_ = static_cast<int64_t>(pools.size());
    // Every pool's start is decided before anything is written: one refused conflict refuses the
    // whole run, and the target is left exactly as it was.
    std::vector<PoolStart> starts;
    std::string refused;
    for (const std::string& pool_id : pools) {
      COGSYNC_ASSIGN_OR_RETURN(
          PoolStart start, DecideStart(target_, pool_id, options_.source, options_.on_conflict));
      if (!start.conflict.empty() && options_.on_conflict == OnConflict::kRefuse) {
        refused += (refused.empty() ? "" : "; ") + start.conflict;
      }
      starts.push_back(std::move(start));
    }
    if (!refused.empty()) {
      return ApiError::ResourceConflict(
          refused +
          ". Nothing was written. Run again with --on-conflict merge to copy into the target's "
          "pool (the source's settings, identities and datasets overwrite those of the same ids; "
          "the target's others are kept) or --on-conflict replace to delete the target's pool and "
          "everything under it first");
    }
    for (size_t i = 0; i < pools.size(); ++i) {
      ++pool_index_;
      PoolCounts& counts = report_.pools[pools[i]];
      Status copied = CopyPool(pools[i], starts[i], counts);
      if (!copied.ok()) {
        counts.problems.push_back("pool " + pools[i] + " stopped: " + copied.error().message());
      }
    }
    if (drawn_) std::fputc('\n', stderr);
    report_.source = source_.stats();
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report_;
  }

 private:
  Status CopyPool(const std::string& pool_id, const PoolStart& start, PoolCounts& counts) {
    store::PoolPtr held;
    int64_t pools_held = 0;
    COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(held, txn.GetPool(pool_id));
      COGSYNC_ASSIGN_OR_RETURN(pools_held, txn.CountPools());
      return OkStatus();
    }));
    std::string sync_refused;
    COGSYNC_ASSIGN_OR_RETURN(bj::object pool_line,
                             ReadPoolLine(source_, pool_id, options_.source_account_id, NowMs(),
                                          options_.identities_only, &sync_refused));
    // A source without Cognito Sync for this pool (or no access to it): the identities are still
    // copied, without datasets, and the report says why.
    skip_datasets_ = options_.identities_only || !sync_refused.empty();
    if (!sync_refused.empty()) {
      counts.problems.push_back(
          "datasets of pool " + pool_id +
          " could not be read (its identities were copied without them): " + sync_refused);
    }
    if (held && start.how != Start::kReplace) {
      // What was not read stays as the target has it.
      if (options_.identities_only) {
        pool_line["roles"] = held->roles;
        pool_line["role_mappings"] = held->role_mappings;
      }
      if (skip_datasets_) {
        pool_line["sync_config"] = held->sync_config;
        pool_line["events"] = held->events;
      }
    }
    // D19: a pool the target's limits refuse is not copied (nor anything under it).
    const auto over = PoolOverLimits(pool_line, pools_held, held == nullptr, options_.limits);
    const std::string not_copied = "pool " + pool_id + " not copied: ";
    for (const std::string& item : over) counts.over_limits.push_back(not_copied + item);
    if (!over.empty()) return OkStatus();
    pool_line_ = std::move(pool_line);
    developer_provider_ = json::GetString(pool_line_, "developer_provider_name").value_or("");
    // The source shows disabled identities only when asked not to hide them: the difference
    // between the two listings is the disabled ones (and the listing counts the work ahead).
    enabled_.clear();
    listed_.clear();
    std::string next;
    std::unordered_set<std::string> seen;
    do {
      COGSYNC_ASSIGN_OR_RETURN(IdentityPage page, ListIdentityPage(source_, pool_id, next, true));
      for (SourceIdentity& i : page.identities) enabled_.insert(std::move(i.id));
      next = page.next_token;
      COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, next, "ListIdentities"));
    } while (!next.empty());
    seen.clear();
    listed_ = enabled_;
    pool_identities_ = static_cast<int64_t>(enabled_.size());
    pool_done_ = 0;

    Checkpoint checkpoint = start.checkpoint;
    next = start.how == Start::kContinue && !checkpoint.done ? checkpoint.next_token : "";
    checkpoint.done = false;
    checkpoint.next_token.clear();
    if (start.how == Start::kMerge || start.how == Start::kReplace) {
      // The pool becomes this migration's in one transaction: the source's pool line (replace:
      // the target's pool and everything under it deleted first) and the note.
      COGSYNC_RETURN_IF_ERROR(Import(pool_id, {}, CheckpointText(checkpoint), counts,
                                     start.how == Start::kReplace ? archive::OnConflict::kReplace
                                                                  : archive::OnConflict::kMerge));
      counts.conflict = start.conflict;  // reported once it is done
    }
    owned_ = checkpoint.owned;
    checkpoint_ = checkpoint;
    bool first = true;
    do {
      auto page = ListIdentityPage(source_, pool_id, next, false);
      if (!page.ok() && first && !next.empty()) {
        // The checkpoint's NextToken is no longer accepted: start the pass over (every page
        // already copied costs only its ListDatasets).
        counts.problems.push_back("the checkpoint's NextToken was refused (" +
                                  page.error().message() + "); the pass started over");
        next.clear();
        page = ListIdentityPage(source_, pool_id, next, false);
      }
      if (!page.ok()) return page.error();
      first = false;
      // Checked before the page is written: its checkpoint would point back into the listing.
      COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, page->next_token, "ListIdentities"));
      COGSYNC_RETURN_IF_ERROR(CopyPage(pool_id, *page, counts));
      next = page->next_token;
    } while (!next.empty());
    return DeleteGone(pool_id, counts);
  }

  // After a whole pass: the target's identities of the pool that the source did not list. Each
  // is asked for once more (DescribeIdentity), so that a listing that missed one never deletes
  // it; those the source no longer has are deleted as DeleteIdentities deletes them (their
  // datasets first, in bounded steps). In a pool merged into they are the target's own: kept.
  Status DeleteGone(const std::string& pool_id, PoolCounts& counts) {
    constexpr int kPage = 1000;
    std::vector<std::string> gone;
    std::string after;
    while (true) {
      std::vector<store::Identity> page;
      COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
        COGSYNC_ASSIGN_OR_RETURN(page, txn.ListIdentities(pool_id, after, kPage, false));
        return OkStatus();
      }));
      for (const store::Identity& i : page) {
        if (listed_.count(i.id) == 0) gone.push_back(i.id);
      }
      if (static_cast<int>(page.size()) < kPage) break;
      after = page.back().id;
    }
    if (!owned_) {
      counts.identities_kept += static_cast<int64_t>(gone.size());
      return OkStatus();
    }
    for (const std::string& id : gone) {
      auto described = source_.Identity("DescribeIdentity", bj::object{{"IdentityId", id}});
      if (described.ok()) continue;  // still there (listed after the listing was taken)
      if (described.error().code() != "ResourceNotFoundException") {
        return ApiError(
            described.error().code(), described.error().sync_status(),
            "identity " + id + " (not listed by the source): " + described.error().message());
      }
      COGSYNC_RETURN_IF_ERROR(store::DeleteIdentityInBatches(target_, id));
      ++counts.identities_deleted;
    }
    return OkStatus();
  }

  Status CopyPage(const std::string& pool_id, const IdentityPage& page, PoolCounts& counts) {
    std::vector<IdentityCopy> copies(page.identities.size());
    std::atomic<size_t> cursor{0};
    // One read that fails after every retry dooms the page: the other workers stop taking
    // identities of it (a source that is down costs one round of retries, not one per identity).
    std::atomic<bool> failed{false};
    auto work = [&] {
      for (size_t i = cursor++; i < copies.size() && !failed; i = cursor++) {
        auto copy = ReadIdentity(pool_id, page.identities[i]);
        if (copy.ok()) {
          copies[i] = std::move(*copy);
        } else {
          copies[i].identity.id = page.identities[i].id;
          copies[i].error = copy.error();
          failed = true;
        }
      }
    };
    const int workers = std::clamp(options_.workers, 1, 16);
    std::vector<std::thread> threads;
    for (int w = 1; w < workers && w < static_cast<int>(copies.size()); ++w)
      threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();

    std::vector<const IdentityCopy*> good;
    for (const IdentityCopy& c : copies) {
      if (c.error) {
        // A read that failed after every retry stops the pass: the checkpoint stays before this
        // page, so the next run reads it again.
        return ApiError(c.error->code(), c.error->sync_status(),
                        "identity " + c.identity.id + ": " + c.error->message());
      }
    }
    for (const IdentityCopy& c : copies) {
      listed_.insert(c.identity.id);
      // D19: an identity the target's limits refuse is copied not at all, each item reported.
      const auto over =
          OverLimits(c.datasets, c.unchanged, c.logins.size() + c.unbound.size(), options_.limits);
      for (const std::string& item : over) {
        counts.over_limits.push_back("identity " + c.identity.id + " not copied: " + item);
      }
      if (over.empty()) good.push_back(&c);
    }
    std::sort(good.begin(), good.end(), [](const IdentityCopy* a, const IdentityCopy* b) {
      return a->identity.id < b->identity.id;
    });
    checkpoint_.next_token = page.next_token;
    checkpoint_.done = page.next_token.empty();
    const std::string checkpoint = CheckpointText(checkpoint_);
    Status batch = Import(pool_id, good, checkpoint, counts);
    if (!batch.ok()) {
      // One identity the target refuses (its limits, D19) must not hold back the others: each
      // alone, the refused ones reported with the reason.
      for (const IdentityCopy* c : good) {
        Status alone = Import(pool_id, {c}, "", counts);
        if (!alone.ok()) {
          counts.problems.push_back("identity " + c->identity.id +
                                    " not copied: " + alone.error().message());
        }
      }
      COGSYNC_RETURN_IF_ERROR(Import(pool_id, {}, checkpoint, counts));
    }
    pool_done_ += static_cast<int64_t>(page.identities.size());
    Draw();
    return OkStatus();
  }

  Result<IdentityCopy> ReadIdentity(const std::string& pool_id, const SourceIdentity& listed) {
    IdentityCopy copy;
    copy.identity.id = listed.id;
    copy.identity.pool_id = pool_id;
    copy.identity.created_ms = listed.created_ms;
    copy.identity.modified_ms = listed.modified_ms;
    copy.identity.disabled = enabled_.count(listed.id) == 0;
    std::optional<store::Identity> existing;
    std::vector<store::Dataset> held;
    std::vector<store::Login> logins;
    COGSYNC_RETURN_IF_ERROR(target_.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(existing, txn.GetIdentity(listed.id));
      if (!existing) return OkStatus();
      COGSYNC_ASSIGN_OR_RETURN(held, txn.ListAllDatasets(listed.id));
      COGSYNC_ASSIGN_OR_RETURN(logins, txn.ListLogins(listed.id));
      return OkStatus();
    }));
    for (const std::string& provider : listed.providers) {
      if (!developer_provider_.empty() && provider == developer_provider_) {
        // Developer user identifiers are read once, when the identity is new to the target.
        if (existing || options_.identities_only) continue;
        COGSYNC_ASSIGN_OR_RETURN(auto users, DeveloperUserIds(source_, pool_id, listed.id));
        for (std::string& user : users) {
          copy.logins.push_back(
              store::Login{pool_id, provider, std::move(user), listed.id, listed.modified_ms});
        }
      } else {
        copy.unbound.push_back(provider);
      }
    }
    std::sort(copy.unbound.begin(), copy.unbound.end());
    // Without datasets the identity line alone is merged: the target's datasets stay.
    if (skip_datasets_) return copy;
    COGSYNC_ASSIGN_OR_RETURN(auto datasets, ListSourceDatasets(source_, pool_id, listed.id));
    for (const store::Dataset& d : datasets) {
      auto same = std::find_if(held.begin(), held.end(),
                               [&](const store::Dataset& h) { return h.name == d.name; });
      if (same != held.end() && !same->deleted && same->modified_ms == d.modified_ms &&
          same->num_records == d.num_records) {
        ++copy.unchanged;
        continue;
      }
      COGSYNC_ASSIGN_OR_RETURN(DatasetCopy read, ReadDataset(source_, d));
      // The count never goes backwards (D17): a dataset recreated at the source continues from
      // where the target's copy stood.
      if (same != held.end() && read.dataset.sync_count < same->sync_count) {
        read.dataset.last_deleted_at = same->last_deleted_at;
      }
      copy.datasets.push_back(std::move(read));
    }
    for (const store::Dataset& h : held) {
      if (h.deleted || !h.merged_into_name.empty()) continue;
      const bool listed_now =
          std::any_of(datasets.begin(), datasets.end(),
                      [&](const store::Dataset& d) { return d.name == h.name; });
      if (listed_now) continue;
      // Deleted at the source since the last pass: a deletion marker at the count the target
      // had (D17), so a device that synced it learns of the deletion.
      DatasetCopy marker;
      marker.dataset = h;
      marker.dataset.deleted = true;
      marker.dataset.last_deleted_at = h.sync_count;
      marker.dataset.num_records = 0;
      marker.dataset.data_storage = 0;
      marker.dataset.modified_ms = NowMs();
      copy.datasets.push_back(std::move(marker));
    }
    std::sort(
        copy.datasets.begin(), copy.datasets.end(),
        [](const DatasetCopy& a, const DatasetCopy& b) { return a.dataset.name < b.dataset.name; });
    return copy;
  }

  // Writes the identities as one archive and imports it (merge), with the checkpoint (if any)
  // in the same transaction.
  Status Import(const std::string& pool_id, const std::vector<const IdentityCopy*>& copies,
                const std::string& checkpoint, PoolCounts& counts,
                archive::OnConflict mode = archive::OnConflict::kMerge) {
    const std::string path =
        (std::filesystem::path(options_.work_dir) / ("migrate-batch-" + ids::Uuid() + ".jsonl"))
            .string();
    archive::Counts lines;
    {
      COGSYNC_ASSIGN_OR_RETURN(auto writer, archive::ArchiveWriter::Open({path, false, true}));
      archive::Header header;
      header.cogsync_version = "cogsync-migrate";
      header.region = pool_id.substr(0, pool_id.find(':'));
      header.archive_id = ids::Uuid();
      header.created_ms = NowMs();
      header.pools = {pool_id};
      header.pool_count = 1;
      COGSYNC_RETURN_IF_ERROR(writer->Write(archive::EncodeHeader(header)));
      COGSYNC_RETURN_IF_ERROR(writer->Write(pool_line_));
      lines.pools = 1;
      for (const IdentityCopy* c : copies) {
        COGSYNC_RETURN_IF_ERROR(writer->Write(archive::EncodeIdentity(c->identity, c->unbound)));
        ++lines.identities;
        for (const store::Login& login : c->logins) {
          COGSYNC_RETURN_IF_ERROR(writer->Write(archive::EncodeLogin(login)));
          ++lines.logins;
        }
        for (const DatasetCopy& d : c->datasets) {
          COGSYNC_RETURN_IF_ERROR(writer->Write(archive::EncodeDataset(d.dataset)));
          ++lines.datasets;
          for (const store::Record& r : d.records) {
            COGSYNC_RETURN_IF_ERROR(
                writer->Write(archive::EncodeRecord(c->identity.id, d.dataset.name, r)));
            ++lines.records;
          }
        }
      }
      archive::Trailer trailer{lines, writer->lines(), writer->Digest()};
      COGSYNC_RETURN_IF_ERROR(writer->Finish(archive::EncodeTrailer(trailer)));
    }
    struct Remove {
      std::string path;
      ~Remove() { std::filesystem::remove(path); }
    } remove{path};
    COGSYNC_ASSIGN_OR_RETURN(auto reader, archive::ArchiveReader::Open(path));
    archive::ImportOptions import;
    import.on_conflict = mode;
    import.limits = options_.limits;
    if (!checkpoint.empty()) {
      import.also_put_secrets = {{ std::string(kCheckpointPrefix) + pool_id, checkpoint }};
    }
    archive::Progress quiet("merged", "identities", false);
    COGSYNC_ASSIGN_OR_RETURN(auto written, archive::ImportArchive(target_, *reader, import, quiet));
    counts.identities += written.written.identities;
    counts.records += written.written.records;
    for (const IdentityCopy* c : copies) {
      counts.unchanged += c->unchanged;
      for (const DatasetCopy& d : c->datasets)
        ++(d.dataset.deleted ? counts.deleted : counts.datasets);
    }
    total_identities_ += written.written.identities;
    total_datasets_ += written.written.datasets;
    total_records_ += written.written.records;
    return OkStatus();
  }

  // pools, identities, datasets, records, request rate, ETA of the current pool.
  void Draw() {
    if (!options_.progress) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(source_.stats().requests) / seconds : 0;
    const double per_identity = pool_done_ > 0 ? seconds / static_cast<double>(pool_done_) : 0;
    const int64_t left = std::max<int64_t>(0, pool_identities_ - pool_done_);
    const int64_t eta = static_cast<int64_t>(per_identity * static_cast<double>(left));
    std::fprintf(stderr,
                 "\rpool %lld/%lld  identities %lld  datasets %lld  records %lld  %.1f req/s  "
                 "ETA %02lld:%02lld:%02lld ",
                 static_cast<long long>(pool_index_), static_cast<long long>(pool_total_),
                 static_cast<long long>(total_identities_), static_cast<long long>(total_datasets_),
                 static_cast<long long>(total_records_), rate, static_cast<long long>(eta / 3600),
                 static_cast<long long>(eta / 60 % 60), static_cast<long long>(eta % 60));
    std::fflush(stderr);
    drawn_ = true;
  }

  SourceClient& source_;
  store::Store& target_;
  const MigrateOptions& options_;
  MigrateReport report_;
  bj::object pool_line_;
  std::string developer_provider_;
  std::unordered_set<std::string> enabled_;
  std::unordered_set<std::string> listed_;  // every identity id the source listed this pass
  Checkpoint checkpoint_;                   // the pool's note as the next page writes it
  bool owned_ = true;
  bool skip_datasets_ = false;  // --identities-only, or the source refused the pool's Sync
  int64_t pool_index_ = 0, pool_total_ = 0, pool_identities_ = 0, pool_done_ = 0;
  int64_t total_identities_ = 0, total_datasets_ = 0, total_records_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

Result<MigrateReport> Migrate(SourceClient& source, store::Store& target,
                              const MigrateOptions& options) {
  if (options.pools.empty() && !options.all_pools) {
    return ApiError::InvalidParameter("name the pools to migrate (--pool ID ...) or --all-pools");
  }
  Migrator migrator(source, target, options);
  return migrator.Run();
}

}  // namespace cogsync::migrate
