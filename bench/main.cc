// cogsync-bench: load generator for a running cogsync (loopback only).
//   cogsync-bench run  --endpoint 127.0.0.1:8080 --workload sync --devices 64 --duration 10
//   cogsync-bench fill --endpoint 127.0.0.1:8080 --identities 1000 --datasets 4 --records 100
//   cogsync-bench sign --endpoint 127.0.0.1:8080 --op list-records --records 20 --out req.lua
//   cogsync-bench sigv4 --iterations 200000   (in-process: microseconds per SigV4 verification)
// The developer key comes from --access-key-id/--secret-access-key or the same environment
// variables the server reads (COGSYNC_ACCESS_KEY_ID, COGSYNC_SECRET_ACCESS_KEY).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "bench/sigv4_bench.h"
#include "bench/workload.h"

namespace {

using cogsync::bench::CommonOptions;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

struct CommonFlags {
  std::string endpoint = "127.0.0.1:8080";
  std::string access_key_id = Env("COGSYNC_ACCESS_KEY_ID");
  std::string secret_access_key = Env("COGSYNC_SECRET_ACCESS_KEY");
  std::string pool_id;
  int threads = 2;

  void Add(CLI::App* app) {
    app->add_option("--endpoint", endpoint, "server address (loopback only)")
        ->capture_default_str();
    app->add_option("--access-key-id", access_key_id, "developer access key id");
    app->add_option("--secret-access-key", secret_access_key, "developer secret access key");
    app->add_option("--pool-id", pool_id, "use this identity pool instead of creating one");
    app->add_option("--threads", threads, "client threads")->capture_default_str();
  }
  bool Resolve(CommonOptions& out) const {
    auto parsed = cogsync::bench::ParseEndpoint(endpoint);
    if (!parsed.ok()) {
      std::fprintf(stderr, "cogsync-bench: %s\n", parsed.error().message().c_str());
      return false;
    }
    out.endpoint = *parsed;
    out.developer = {access_key_id, secret_access_key, ""};
    out.pool_id = pool_id;
    out.threads = threads;
    return true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cogsync-bench: load generator and request signer for cogsync"};
  app.require_subcommand(1);

  cogsync::bench::RunOptions run;
  CommonFlags run_flags;
  auto* run_cmd = app.add_subcommand("run", "simulated devices syncing, or a read-only mix");
  run_flags.Add(run_cmd);
  run_cmd->add_option("--workload", run.workload, "sync | read | list-records | describe-pool")
      ->capture_default_str();
  run_cmd->add_option("--devices", run.devices, "simulated devices (one connection each)")
      ->capture_default_str();
  run_cmd->add_option("--identities", run.identities, "identities the devices share")
      ->capture_default_str();
  run_cmd->add_flag("--shared-datasets", run.shared_datasets,
                    "devices of one identity sync one dataset (conflicts happen)");
  run_cmd->add_option("--seed-records", run.seed_records, "records per dataset before the run")
      ->capture_default_str();
  run_cmd->add_option("--patch-records", run.patch_records, "records per UpdateRecords")
      ->capture_default_str();
  run_cmd->add_option("--value-bytes", run.value_bytes, "bytes per record value")
      ->capture_default_str();
  run_cmd->add_option("--duration", run.duration_seconds, "measured seconds")
      ->capture_default_str();
  run_cmd->add_option("--warmup", run.warmup_seconds, "unmeasured seconds first")
      ->capture_default_str();
  run_cmd->add_option("--requests", run.max_requests, "stop after this many requests (0: no limit)")
      ->capture_default_str();

  cogsync::bench::FillOptions fill;
  CommonFlags fill_flags;
  auto* fill_cmd = app.add_subcommand("fill", "fill the store through the API");
  fill_flags.Add(fill_cmd);
  fill_cmd->add_option("--identities", fill.identities)->capture_default_str();
  fill_cmd->add_option("--datasets", fill.datasets, "per identity")->capture_default_str();
  fill_cmd->add_option("--records", fill.records, "per dataset (<= 1024)")->capture_default_str();
  fill_cmd->add_option("--value-bytes", fill.value_bytes)->capture_default_str();
  fill_cmd->add_option("--connections", fill.connections)->capture_default_str();
  fill_cmd->add_option("--data-identities", fill.data_identities,
                       "identities that get datasets; the rest only GetId (default: all)");
  fill_cmd->add_flag("--progress", fill.progress, "report progress on stderr");

  cogsync::bench::SignOptions sign;
  CommonFlags sign_flags;
  auto* sign_cmd = app.add_subcommand("sign", "prepare and sign one request for wrk");
  sign_flags.Add(sign_cmd);
  sign_cmd
      ->add_option("--op", sign.operation,
                   "list-records | describe-dataset | describe-pool | list-pools")
      ->capture_default_str();
  sign_cmd->add_option("--records", sign.records, "records in the listed dataset")
      ->capture_default_str();
  sign_cmd->add_option("--format", sign.format, "lua | headers")->capture_default_str();
  sign_cmd->add_option("--out", sign.out, "write here instead of stdout");

  cogsync::bench::SigV4BenchOptions sigv4;
  auto* sigv4_cmd =
      app.add_subcommand("sigv4", "time SigV4 verification in-process (no server needed)");
  sigv4_cmd->add_option("--iterations", sigv4.iterations, "verifications per round")
      ->capture_default_str();
  sigv4_cmd->add_option("--rounds", sigv4.rounds, "rounds; the best is reported")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (run_cmd->parsed()) return run_flags.Resolve(run.common) ? cogsync::bench::Run(run) : 2;
    if (fill_cmd->parsed()) return fill_flags.Resolve(fill.common) ? cogsync::bench::Fill(fill) : 2;
    if (sigv4_cmd->parsed()) return cogsync::bench::SigV4Bench(sigv4);
    if (sign_cmd->parsed())
      return sign_flags.Resolve(sign.common) ? cogsync::bench::SignForWrk(sign) : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cogsync-bench: %s\n", e.what());
    return 1;
  }
  return 2;
}
