// cogsync: the command line. `cogsync serve` runs the server; `cogsync keys ...` manages
// developer access keys. Settings come from defaults, then --config FILE, then COGSYNC_*
// environment variables, then flags (docs/configuration.md).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/app.h"
#include "cli/archive_commands.h"
#include "cli/config_file.h"
#include "cli/keys.h"
#include "cli/migrate_command.h"
#include "cli/status.h"
#include "common/clock.h"
#include "common/time_format.h"

namespace {

using cogsync::Config;

struct Flags {
  std::optional<std::string> listen, data_dir, config, store, region, account_id, public_url,
      log_level, tls_cert, tls_key, plain_listen;
  std::optional<int> io_threads, worker_threads;
  bool test_mode = false;
  bool insecure = false;
  bool no_access_log = false;
};

void AddCommonFlags(CLI::App* cmd, Flags& f) {
  cmd->add_option("--data-dir", f.data_dir, "Data directory (default ./data)")
      ->envname("COGSYNC_DATA_DIR");
  cmd->add_option("--config", f.config, "JSON configuration file")->envname("COGSYNC_CONFIG");
  cmd->add_option("--store", f.store,
                  "sqlite:PATH or postgresql://user:pass@host:port/db (default "
                  "sqlite:<data-dir>/cogsync.db)")
      ->envname("COGSYNC_STORE");
}

// Defaults < config file < environment < flags (CLI11 fills an option from its environment
// variable when the flag is absent).
int BuildConfig(const Flags& f, Config& c) {
  if (f.config) {
    if (auto s = cogsync::cli::ApplyConfigFile(*f.config, c); !s.ok()) {
      std::fprintf(stderr, "cogsync: %s\n", s.error().message().c_str());
      return 2;
    }
  }
  if (f.listen) c.listen = *f.listen;
  if (f.data_dir) c.data_dir = *f.data_dir;
  if (f.store) c.store_url = *f.store;
  if (f.region) c.region = *f.region;
  if (f.account_id) c.account_id = *f.account_id;
  if (f.public_url) c.public_url = *f.public_url;
  if (f.log_level) c.log_level = *f.log_level;
  if (f.tls_cert) c.tls_cert_file = *f.tls_cert;
  if (f.tls_key) c.tls_key_file = *f.tls_key;
  if (f.plain_listen) c.plain_listen = *f.plain_listen;
  if (f.io_threads) c.io_threads = *f.io_threads;
  if (f.worker_threads) c.worker_threads = *f.worker_threads;
  if (f.test_mode) c.test_mode = true;
  if (f.insecure) c.insecure_trust_login_tokens = true;
  if (f.no_access_log) c.access_log = false;
  return 0;
}

int WithStore(const Flags& flags, const std::function<int(cogsync::store::Store&)>& fn) {
  Config config;
  if (int rc = BuildConfig(flags, config); rc != 0) return rc;
  auto store = cogsync::cli::OpenStore(config);
  if (!store.ok()) {
    std::fprintf(stderr, "cogsync: %s\n", store.error().message().c_str());
    return 1;
  }
  return fn(**store);
}

}  // namespace

// An exception escaping main is a bug at start-up (CLI11 refusing an option definition, memory);
// libstdc++'s terminate handler prints its type and what(), which is the right end for it.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"cogsync: a self-hosted Amazon Cognito Sync and Cognito Identity server"};
  app.require_subcommand(1);
  Flags flags;

  CLI::App* serve = app.add_subcommand("serve", "Serve the Cognito Sync and Identity APIs");
  AddCommonFlags(serve, flags);
  serve->add_option("--listen", flags.listen, "HOST:PORT (default 127.0.0.1:8080)")
      ->envname("COGSYNC_LISTEN");
  serve
      ->add_option("--tls-cert", flags.tls_cert,
                   "PEM certificate chain: serve HTTPS on --listen (with --tls-key)")
      ->envname("COGSYNC_TLS_CERT");
  serve->add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert")
      ->envname("COGSYNC_TLS_KEY");
  serve
      ->add_option("--plain-listen", flags.plain_listen,
                   "HOST:PORT for plain HTTP beside HTTPS (default: none)")
      ->envname("COGSYNC_PLAIN_LISTEN");
  serve->add_option("--region", flags.region, "Region in ids and ARNs (default us-east-1)")
      ->envname("COGSYNC_REGION");
  serve->add_option("--account-id", flags.account_id, "Account id in ARNs (default 000000000000)")
      ->envname("COGSYNC_ACCOUNT_ID");
  serve->add_option("--public-url", flags.public_url, "Issuer of OpenID tokens")
      ->envname("COGSYNC_PUBLIC_URL");
  serve->add_option("--log-level", flags.log_level, "trace|debug|info|warn|error")
      ->envname("COGSYNC_LOG_LEVEL");
  serve->add_option("--io-threads", flags.io_threads, "I/O threads (default: one per core)")
      ->envname("COGSYNC_IO_THREADS");
  serve
      ->add_option("--worker-threads", flags.worker_threads,
                   "Threads for writing requests (default 32)")
      ->envname("COGSYNC_WORKER_THREADS");
  serve->add_flag("--test-mode", flags.test_mode, "Enable /moto-api/reset for test suites")
      ->envname("COGSYNC_TEST_MODE");
  serve
      ->add_flag("--insecure-trust-login-tokens", flags.insecure,
                 "Trust login tokens of providers without a JWKS (never in production)")
      ->envname("COGSYNC_INSECURE_TRUST_LOGIN_TOKENS");
  serve->add_flag("--no-access-log", flags.no_access_log, "Do not log each request");

  CLI::App* keys = app.add_subcommand("keys", "Manage developer access keys");
  keys->require_subcommand(1);
  AddCommonFlags(keys, flags);
  std::string key_name = "developer";
  std::optional<std::string> key_id, key_secret, delete_id;
  CLI::App* create = keys->add_subcommand("create", "Create a developer access key");
  create->add_option("--name", key_name, "Name recorded as LastModifiedBy (default developer)");
  create->add_option("--access-key-id", key_id, "Use this access key id instead of a random one");
  create->add_option("--secret-access-key", key_secret, "Use this secret instead of a random one");
  CLI::App* list = keys->add_subcommand("list", "List developer access keys");
  CLI::App* remove = keys->add_subcommand("delete", "Delete a developer access key");
  remove->add_option("access_key_id", delete_id, "The key to delete")->required();
  // --data-dir, --config and --store may follow the action too (`cogsync keys list --data-dir D`).
  for (CLI::App* action : {create, list, remove}) action->fallthrough();

  CLI::App* status = app.add_subcommand(
      "status", "Show the undelivered outbox (stream records, push) and running bulk publishes");
  AddCommonFlags(status, flags);

  cogsync::cli::ExportFlags export_flags;
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write the store (or some pools or identities) as an archive (docs/archive.md)");
  AddCommonFlags(export_cmd, flags);
  export_cmd->add_option("--output,-o", export_flags.output, "FILE, or - for stdout (default -)");
  export_cmd->add_option("--pool", export_flags.pools, "Only this pool (repeatable)");
  export_cmd->add_option("--identity", export_flags.identities,
                         "Only this identity, with its pool's settings (repeatable)");
  export_cmd->add_flag("--include-secrets", export_flags.include_secrets,
                       "Also developer keys and the token-signing and sealing keys (file 0600)");
  export_cmd->add_flag("--gzip", export_flags.gzip, "Compress (implied by an --output *.gz)");
  export_cmd->add_flag("--quiet", export_flags.quiet, "No progress line and no summary");
  export_cmd->add_option("--region", flags.region, "Region recorded in the header")
      ->envname("COGSYNC_REGION");
  export_cmd->add_option("--account-id", flags.account_id, "Account id recorded in the header")
      ->envname("COGSYNC_ACCOUNT_ID");

  cogsync::cli::ImportFlags import_flags;
  CLI::App* import_cmd = app.add_subcommand(
      "import", "Load an archive into the store in one transaction (server stopped on SQLite)");
  AddCommonFlags(import_cmd, flags);
  import_cmd->add_option("--input,-i", import_flags.input, "FILE, or - for stdin")->required();
  import_cmd->add_option("--on-conflict", import_flags.on_conflict,
                         "A pool the store already has: fail (default), skip, replace or merge "
                         "(the archive's identities and datasets overwrite the store's)");
  import_cmd->add_flag("--streams", import_flags.streams,
                       "The input is Cognito Streams records (AWS's or the file sink's)");
  import_cmd->add_flag("--quiet", import_flags.quiet, "No progress line and no summary");

  std::string backup_output;
  CLI::App* backup_cmd = app.add_subcommand(
      "backup", "Online consistent copy: SQLite VACUUM INTO, PostgreSQL an archive with secrets");
  AddCommonFlags(backup_cmd, flags);
  backup_cmd->add_option("--output,-o", backup_output, "FILE (must not exist)")->required();

  std::string restore_input;
  CLI::App* restore_cmd =
      app.add_subcommand("restore", "Bring a backup back into a stopped server's store");
  AddCommonFlags(restore_cmd, flags);
  restore_cmd->add_option("--input,-i", restore_input, "A backup FILE")->required();

  cogsync::cli::MigrateFlags migrate_flags;
  CLI::App* migrate_cmd = app.add_subcommand(
      "migrate",
      "Copy pools from Amazon Cognito into the store, resumably and incrementally "
      "(docs/migration.md); --verify compares");
  AddCommonFlags(migrate_cmd, flags);
  migrate_cmd->add_option(
      "--source-endpoint", migrate_flags.source_endpoint,
      "URL serving Cognito Identity and Cognito Sync (another cogsync, a test)");
  migrate_cmd->add_option("--source-region", migrate_flags.source_region,
                          "AWS region of the source (its endpoints), also the signing region");
  migrate_cmd->add_option("--source-account-id", migrate_flags.source_account_id,
                          "Account of the source pools (to read their tags by ARN)");
  migrate_cmd->add_option("--access-key-id", migrate_flags.access_key_id,
                          "Source credentials (default: AWS_ACCESS_KEY_ID, then the profile)");
  migrate_cmd->add_option("--secret-access-key", migrate_flags.secret_access_key, "");
  migrate_cmd->add_option("--session-token", migrate_flags.session_token, "");
  migrate_cmd->add_option("--profile", migrate_flags.profile,
                          "Profile of the shared credentials file (default AWS_PROFILE, default)");
  migrate_cmd->add_option("--pool", migrate_flags.pools, "A pool to copy (repeatable)");
  migrate_cmd->add_flag("--all-pools", migrate_flags.all_pools, "Every pool the source lists");
  migrate_cmd->add_option("--rate", migrate_flags.rate,
                          "Requests per second to the source, all workers together (default 10)");
  migrate_cmd->add_option("--workers", migrate_flags.workers,
                          "Identities read in parallel (1-16, default 4)");
  migrate_cmd->add_flag("--verify", migrate_flags.verify,
                        "Compare source and target instead of copying; exit 1 on differences");
  migrate_cmd->add_option("--sample-every", migrate_flags.sample_every,
                          "--verify: compare the records of every Nth identity (default 1: all)");
  migrate_cmd->add_flag("--quiet", migrate_flags.quiet, "No progress line");
  migrate_cmd->add_option("--on-conflict", migrate_flags.on_conflict,
                          "A target pool of the same id that this migration did not copy: "
                          "refuse (default), merge or replace");
  migrate_cmd->add_flag("--identities-only", migrate_flags.identities_only,
                        "Copy pools and identities only (a source without Cognito Sync, moto)");
  migrate_cmd->add_option("--source-timeout-ms", migrate_flags.source_timeout_ms,
                          "Time a source request may take before it is retried (default 20000)");
  migrate_cmd->add_option("--max-attempts", migrate_flags.max_attempts,
                          "Attempts per source request before the pool stops (1-20, default 8)");

  CLI11_PARSE(app, argc, argv);

  if (migrate_cmd->parsed()) {
    Config config;
    if (int rc = BuildConfig(flags, config); rc != 0) return rc;
    return cogsync::cli::RunMigrate(config, migrate_flags);
  }

  if (export_cmd->parsed() || import_cmd->parsed() || backup_cmd->parsed() ||
      restore_cmd->parsed()) {
    Config config;
    if (int rc = BuildConfig(flags, config); rc != 0) return rc;
    if (export_cmd->parsed()) return cogsync::cli::RunExport(config, export_flags);
    if (import_cmd->parsed()) return cogsync::cli::RunImport(config, import_flags);
    if (backup_cmd->parsed()) return cogsync::cli::RunBackup(config, backup_output);
    return cogsync::cli::RunRestore(config, restore_input);
  }

  if (serve->parsed()) {
    Config config;
    if (int rc = BuildConfig(flags, config); rc != 0) return rc;
    return cogsync::cli::Serve(config);
  }
  return WithStore(flags, [&](cogsync::store::Store& store) -> int {
    if (status->parsed()) {
      auto report = cogsync::cli::StatusReport(store, cogsync::SystemClock().NowMillis());
      if (!report.ok()) {
        std::fprintf(stderr, "cogsync: %s\n", report.error().message().c_str());
        return 1;
      }
      std::fputs(report->c_str(), stdout);
      return 0;
    }
    if (create->parsed()) {
      auto key = cogsync::cli::CreateKey(store, key_name, key_id, key_secret);
      if (!key.ok()) {
        std::fprintf(stderr, "cogsync: %s\n", key.error().message().c_str());
        return 1;
      }
      std::printf("aws_access_key_id = %s\naws_secret_access_key = %s\n",
                  key->access_key_id.c_str(), key->secret_access_key.c_str());
      return 0;
    }
    if (list->parsed()) {
      auto all = cogsync::cli::ListKeys(store);
      if (!all.ok()) {
        std::fprintf(stderr, "cogsync: %s\n", all.error().message().c_str());
        return 1;
      }
      for (const auto& k : *all) {
        std::printf("%s\t%s\t%s\n", k.access_key_id.c_str(), k.name.c_str(),
                    cogsync::timefmt::Iso8601Millis(k.created_ms).c_str());
      }
      return 0;
    }
    auto s = cogsync::cli::DeleteKey(store, *delete_id);
    if (!s.ok()) {
      std::fprintf(stderr, "cogsync: %s\n", s.error().message().c_str());
      return 1;
    }
    std::printf("deleted %s\n", delete_id->c_str());
    return 0;
  });
}
