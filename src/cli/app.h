#pragma once
// The composition root: opens the store, loads the secrets every node shares, builds the
// services, the dispatcher and the HTTP server, and serves until SIGTERM/SIGINT.

#include <string>

#include "common/config.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::cli {

// The store named by config.store_url: "sqlite:PATH", or the default sqlite:<data_dir>/cogsync.db.
Result<store::StorePtr> OpenStore(const Config& config);

// Secrets shared by every node, created at first start: the HMAC key of sealed tokens and the
// RS256 key of OpenID tokens.
struct ServerSecrets {
  std::string token_key;
  std::string jwt_private_pem;
};
Result<ServerSecrets> LoadOrCreateSecrets(store::Store& store);

// DECISIONS D7: registers COGSYNC_ACCESS_KEY_ID / COGSYNC_SECRET_ACCESS_KEY when set; with
// neither set and no key stored, generates one, writes it to <data_dir>/developer-credentials
// (mode 0600) and prints it once.
Status EnsureDeveloperKey(store::Store& store, const Config& config);

// Runs the server; returns the process exit code.
int Serve(const Config& config);

}  // namespace cogsync::cli
