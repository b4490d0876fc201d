#pragma once
// The migration source (D29): the public GetId of the Cognito Identity service cogsync replaces
// (Amazon Cognito, or anything that speaks its API), asked during the migration window which
// identity a login belongs to. GetId is public: no credentials are sent.
//
// Kept behind this small interface so that the call can be bounded (per pool, per node) or
// replaced in tests without touching the binding logic. Thread safety: GetId may be called
// concurrently from any thread.

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/error.h"

namespace cogsync::identity {

// What the source said about a login.
struct SourceAnswer {
  // True: the source knows the login and answered identity_id. False: it refused the login
  // (NotAuthorized, ResourceNotFound, InvalidParameter); `detail` holds its error code.
  bool known = false;
  std::string identity_id;
  std::string detail;
};

class MigrationSource {
 public:
  virtual ~MigrationSource() = default;
  // GetId(pool_id, logins) at the source. Anything but an answer (timeout, connection failure,
  // throttling, a 5xx, a malformed body) is an error; the caller answers its client with a
  // retryable error and changes nothing.
  virtual Result<SourceAnswer> GetId(std::string_view pool_id,
                                     const boost::json::object& logins) = 0;
};

// The source at config.SourceUrl(), over HTTP(S) with config.timeout_ms for the whole exchange.
std::unique_ptr<MigrationSource> MakeHttpMigrationSource(const MigrationConfig& config);

}  // namespace cogsync::identity
