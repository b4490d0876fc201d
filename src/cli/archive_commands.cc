#include "cli/archive_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "archive/exporter.h"
#include "archive/importer.h"
#include "archive/line_io.h"
#include "archive/progress.h"
#include "archive/streams.h"
#include "cli/app.h"
#include "common/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace cogsync::cli {
namespace {

int Fail(const ApiError& error) {
  std::fprintf(stderr, "cogsync: %s\n", error.message().c_str());
  return 1;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string SqlitePath(const Config& config) {
  std::string url = config.store_url;
  if (url.empty()) return (std::filesystem::path(config.data_dir) / "cogsync.db").string();
  return url.rfind("sqlite:", 0) == 0 ? url.substr(7) : std::string();
}

void PrintCounts(const char* verb, const archive::Counts& c) {
  std::fprintf(stderr,
               "%s %lld pools, %lld identities, %lld logins, %lld datasets, %lld records, "
               "%lld devices, %lld subscriptions, %lld access keys, %lld secrets\n",
               verb, static_cast<long long>(c.pools), static_cast<long long>(c.identities),
               static_cast<long long>(c.logins), static_cast<long long>(c.datasets),
               static_cast<long long>(c.records), static_cast<long long>(c.devices),
               static_cast<long long>(c.subscriptions), static_cast<long long>(c.access_keys),
               static_cast<long long>(c.secrets));
}

void PrintPools(const char* what, const std::vector<std::string>& pools) {
  for (const std::string& id : pools) std::fprintf(stderr, "%s %s\n", what, id.c_str());
}

Result<archive::Counts> Export(store::Store& store, const Config& config,
                               const ExportFlags& flags) {
  archive::OutputOptions output;
  output.path = flags.output;
  output.gzip = flags.gzip || EndsWith(flags.output, ".gz");
  output.secret = flags.include_secrets;
  COGSYNC_ASSIGN_OR_RETURN(auto writer, archive::ArchiveWriter::Open(output));
  archive::ExportOptions options;
  options.pools = flags.pools;
  options.identities = flags.identities;
  options.include_secrets = flags.include_secrets;
  options.secret_names = {std::string(kTokenKeySecret), std::string(kJwtKeySecret)};
  options.region = config.region;
  options.account_id = config.account_id;
  options.now_ms = SystemClock().NowMillis();
  archive::Progress progress("exported", "identities", !flags.quiet);
  return archive::ExportArchive(store, options, *writer, progress);
}

Result<archive::ImportReport> Import(store::Store& store, const Config& config,
                                     const std::string& input, archive::OnConflict on_conflict,
                                     bool quiet) {
  COGSYNC_ASSIGN_OR_RETURN(auto reader, archive::ArchiveReader::Open(input));
  archive::ImportOptions options;
  options.on_conflict = on_conflict;
  options.limits = config.limits;
  archive::Progress progress("imported", "identities", !quiet);
  return archive::ImportArchive(store, *reader, options, progress);
}

void PrintReport(const archive::ImportReport& report) {
  PrintPools("imported pool", report.imported);
  PrintPools("replaced pool", report.replaced);
  PrintPools("merged pool", report.merged);
  PrintPools("skipped pool (already in the store)", report.skipped);
  PrintPools("skipped pool (imported from this archive before)", report.already_imported);
  PrintCounts("wrote", report.written);
}

}  // namespace

int RunExport(const Config& config, const ExportFlags& flags) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(store.error());
  auto counts = Export(**store, config, flags);
  if (!counts.ok()) return Fail(counts.error());
  if (!flags.quiet) PrintCounts("exported", *counts);
  return 0;
}

int RunImport(const Config& config, const ImportFlags& flags) {
  auto on_conflict = archive::ParseOnConflict(flags.on_conflict);
  if (!on_conflict.ok()) return Fail(on_conflict.error());
  // On SQLite, import takes the server's lock: a running server caches pools and must not see
  // them change underneath it. On PostgreSQL, nodes may keep serving.
  auto store = OpenStore(config, /*server=*/true);
  if (!store.ok()) return Fail(store.error());
  if (flags.streams) {
    auto reader = archive::ArchiveReader::Open(flags.input);
    if (!reader.ok()) return Fail(reader.error());
    archive::Progress progress("read", "stream records", !flags.quiet);
    auto report = archive::ImportStreams(**store, **reader, config.limits, progress);
    if (!report.ok()) return Fail(report.error());
    if (!flags.quiet) {
      std::fprintf(stderr,
                   "read %lld stream records: applied %lld records, created %lld identities and "
                   "%lld datasets, deleted %lld datasets\n",
                   static_cast<long long>(report->stream_records),
                   static_cast<long long>(report->applied),
                   static_cast<long long>(report->identities_created),
                   static_cast<long long>(report->datasets_created),
                   static_cast<long long>(report->datasets_deleted));
    }
    return 0;
  }
  auto report = Import(**store, config, flags.input, *on_conflict, flags.quiet);
  if (!report.ok()) return Fail(report.error());
  if (!flags.quiet) PrintReport(*report);
  return 0;
}

int RunBackup(const Config& config, const std::string& output) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(store.error());
  if (auto* sqlite = dynamic_cast<store::SqliteStore*>(store->get())) {
    Status s = sqlite->BackupTo(output);
    if (!s.ok()) return Fail(s.error());
    std::fprintf(stderr, "backed up the SQLite store to %s\n", output.c_str());
    return 0;
  }
  // PostgreSQL: the archive, secrets included (docs/operations.md covers pg_dump and PITR).
  ExportFlags flags;
  flags.output = output;
  flags.include_secrets = true;
  auto counts = Export(**store, config, flags);
  if (!counts.ok()) return Fail(counts.error());
  PrintCounts("backed up", *counts);
  return 0;
}

int RunRestore(const Config& config, const std::string& input) {
  char magic[16] = {};
  {
    std::ifstream in(input, std::ios::binary);
    if (!in) return Fail(ApiError::InvalidParameter("cannot open " + input));
    in.read(magic, sizeof magic);
  }
  if (std::string_view(magic, sizeof magic) == std::string_view("SQLite format 3\0", 16)) {
    std::string path = SqlitePath(config);
    if (path.empty()) {
      return Fail(ApiError::InvalidParameter(
          "a SQLite backup restores into a SQLite store (--data-dir or --store sqlite:PATH)"));
    }
    Status s = store::SqliteStore::RestoreFrom(input, path);
    if (!s.ok()) return Fail(s.error());
    std::fprintf(stderr, "restored %s into %s\n", input.c_str(), path.c_str());
    return 0;
  }
  auto store = OpenStore(config, /*server=*/true);
  if (!store.ok()) return Fail(store.error());
  int64_t pools = 0;
  Status counted = (*store)->Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(pools, txn.CountPools());
    return OkStatus();
  });
  if (!counted.ok()) return Fail(counted.error());
  if (pools > 0) {
    return Fail(ApiError::InvalidParameter(
        "restore wants an empty store, this one holds " + std::to_string(pools) +
        " pools; use `cogsync import --on-conflict ...` to merge an archive into it"));
  }
  auto report = Import(**store, config, input, archive::OnConflict::kReplace, false);
  if (!report.ok()) return Fail(report.error());
  PrintReport(*report);
  return 0;
}

}  // namespace cogsync::cli
