#pragma once
// `cogsync migrate` (docs/migration.md): copies pools from Amazon Cognito (or another server
// that speaks its API) into this store, or with --verify compares the two. Returns the process
// exit code: 0 done (or no differences), 1 the run was refused (a pool conflict) or something
// could not be copied (a pool stopped on a source failure; or differences), 2 bad flags, 3 done
// except identities over the target's limits (each item reported).

#include <string>
#include <vector>

#include "common/config.h"

namespace cogsync::cli {

struct MigrateFlags {
  std::string source_endpoint;  // both services at one URL
  std::string source_region;    // AWS: cognito-identity/cognito-sync.REGION.amazonaws.com
  std::string source_account_id;
  std::string access_key_id, secret_access_key, session_token, profile;
  std::vector<std::string> pools;
  bool all_pools = false;
  double rate = 10;
  int workers = 4;
  bool verify = false;
  int64_t sample_every = 1;  // --verify: compare the records of every Nth identity
  bool quiet = false;
  std::string on_conflict = "refuse";  // refuse | merge | replace
  bool identities_only = false;
  int64_t source_timeout_ms = 20000;
  int max_attempts = 8;
};

int RunMigrate(const Config& config, const MigrateFlags& flags);

}  // namespace cogsync::cli
