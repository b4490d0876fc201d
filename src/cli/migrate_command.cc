#include "cli/migrate_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/app.h"
#include "migrate/migrator.h"
#include "migrate/source_client.h"

namespace cogsync::cli {
namespace {

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "cogsync migrate: %s\n", message.c_str());
  return code;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// The profile's keys from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials), as the AWS CLI reads it.
void ReadProfile(const std::string& profile, auth::sigv4::Credentials& out) {
  std::string path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty() && !Env("HOME").empty()) path = Env("HOME") + "/.aws/credentials";
  std::ifstream in(path);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, eq));
    const std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") out.access_key_id = value;
    if (key == "aws_secret_access_key") out.secret_access_key = value;
    if (key == "aws_session_token") out.session_token = value;
  }
}

// Flags, then the environment, then the profile (--profile, AWS_PROFILE, "default").
auth::sigv4::Credentials FindCredentials(const MigrateFlags& flags) {
  auth::sigv4::Credentials c{flags.access_key_id, flags.secret_access_key, flags.session_token};
  if (c.access_key_id.empty() && flags.profile.empty()) {
    c = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
  }
  if (c.access_key_id.empty()) {
    std::string profile = flags.profile.empty() ? Env("AWS_PROFILE") : flags.profile;
    ReadProfile(profile.empty() ? "default" : profile, c);
  }
  return c;
}

}  // namespace

int RunMigrate(const Config& config, const MigrateFlags& flags) {
  if (flags.source_endpoint.empty() && flags.source_region.empty()) {
    return Fail("name the source: --source-endpoint URL or --source-region REGION", 2);
  }
  if (flags.pools.empty() == !flags.all_pools) {
    return Fail("name the pools: --pool ID ... or --all-pools (not both)", 2);
  }
  if (!(flags.rate > 0) || flags.rate > 10000) return Fail("--rate must be in (0, 10000]", 2);
  if (flags.workers < 1 || flags.workers > 16) return Fail("--workers must be 1-16", 2);
  auto on_conflict = migrate::ParseOnConflict(flags.on_conflict);
  if (!on_conflict.ok()) return Fail(on_conflict.error().message(), 2);
  if (flags.source_timeout_ms < 100 || flags.source_timeout_ms > 600000) {
    return Fail("--source-timeout-ms must be 100-600000", 2);
  }
  if (flags.max_attempts < 1 || flags.max_attempts > 20) {
    return Fail("--max-attempts must be 1-20", 2);
  }
  migrate::SourceOptions source_options;
  source_options.credentials = FindCredentials(flags);
  if (source_options.credentials.access_key_id.empty() ||
      source_options.credentials.secret_access_key.empty()) {
    return Fail(
        "no AWS credentials: --access-key-id/--secret-access-key, AWS_ACCESS_KEY_ID/"
        "AWS_SECRET_ACCESS_KEY, or a profile in the shared credentials file",
        2);
  }
  std::string region = flags.source_region;
  if (region.empty() && !flags.pools.empty()) {
    region = flags.pools.front().substr(0, flags.pools.front().find(':'));
  }
  source_options.region = region.empty() ? "us-east-1" : region;
  if (!flags.source_endpoint.empty()) {
    source_options.identity_endpoint = source_options.sync_endpoint = flags.source_endpoint;
  } else {
    source_options.identity_endpoint = "https://cognito-identity." + region + ".amazonaws.com";
    source_options.sync_endpoint = "https://cognito-sync." + region + ".amazonaws.com";
  }
  source_options.rate = flags.rate;
  source_options.timeout = std::chrono::milliseconds(flags.source_timeout_ms);
  source_options.max_attempts = flags.max_attempts;
  migrate::SourceClient source(source_options);

  // On SQLite the copy takes the server's lock, as import does (a running server caches pools);
  // --verify only reads, beside a running server. On PostgreSQL nodes may keep serving.
  auto store = OpenStore(config, /*server=*/!flags.verify);
  if (!store.ok()) return Fail(store.error().message());

  migrate::MigrateOptions options;
  options.pools = flags.pools;
  options.all_pools = flags.all_pools;
  options.source_account_id = flags.source_account_id;
  options.workers = flags.workers;
  options.work_dir = config.data_dir;
  options.limits = config.limits;
  options.progress = !flags.quiet && isatty(STDERR_FILENO) == 1;
  // The checkpoint's name of the source: one spelling per endpoint ("http://h/" is "http://h").
  options.source = source_options.identity_endpoint;
  while (!options.source.empty() && options.source.back() == '/') options.source.pop_back();
  options.on_conflict = *on_conflict;
  options.identities_only = flags.identities_only;
  std::error_code ec;
  std::filesystem::create_directories(options.work_dir, ec);

  if (flags.verify) {
    auto report = migrate::Verify(source, **store, options, flags.sample_every);
    if (!report.ok()) return Fail(report.error().message());
    for (const std::string& line : report->differences) std::printf("%s\n", line.c_str());
    std::fprintf(stderr, "verified %lld identities, %lld datasets, %lld records: %zu differences\n",
                 static_cast<long long>(report->identities),
                 static_cast<long long>(report->datasets), static_cast<long long>(report->records),
                 report->differences.size());
    return report->differences.empty() ? 0 : 1;
  }

  auto report = migrate::Migrate(source, **store, options);
  if (!report.ok()) return Fail(report.error().message());
  bool problems = false, over_limits = false;
  for (const auto& [pool_id, counts] : report->pools) {
    std::printf(
        "pool %s: %lld identities, %lld datasets copied, %lld unchanged, %lld deleted, "
        "%lld records, %lld identities deleted\n",
        pool_id.c_str(), static_cast<long long>(counts.identities),
        static_cast<long long>(counts.datasets), static_cast<long long>(counts.unchanged),
        static_cast<long long>(counts.deleted), static_cast<long long>(counts.records),
        static_cast<long long>(counts.identities_deleted));
    if (!counts.conflict.empty()) {
      std::printf("  %s: %s\n", flags.on_conflict == "merge" ? "merged into" : "replaced",
                  counts.conflict.c_str());
    }
    if (counts.identities_kept > 0) {
      std::printf(
          "  kept: %lld identities of the target that the source does not have (the pool "
          "was merged into: they are the target's own)\n",
          static_cast<long long>(counts.identities_kept));
    }
    if (flags.identities_only) {
      std::printf(
          "  not read (--identities-only): roles, principal tags, developer user "
          "identifiers, Sync configuration and events, datasets and records\n");
    }
    for (const std::string& item : counts.over_limits) {
      std::printf("  over the target's limits: %s\n", item.c_str());
      over_limits = true;
    }
    for (const std::string& problem : counts.problems) {
      std::printf("  not copied: %s\n", problem.c_str());
      problems = true;
    }
  }
  std::printf(
      "source: %lld requests (%lld throttled, %lld retried) in %.1f s, %.1f requests/s\n",
      static_cast<long long>(report->source.requests),
      static_cast<long long>(report->source.throttled),
      static_cast<long long>(report->source.retried), report->seconds,
      report->seconds > 0 ? static_cast<double>(report->source.requests) / report->seconds : 0.0);
  if (over_limits) {
    std::printf(
        "identities over the target's limits were not copied (nothing of them was truncated): "
        "raise the limits in --config and run again\n");
  }
  return problems ? 1 : over_limits ? 3 : 0;
}

}  // namespace cogsync::cli
