#pragma once
// STS's operation table (D27): the Query protocol's Action names cogsync answers, whether the
// request must be SigV4-signed (service "sts"), and the handler. Any other Action is STS's
// InvalidAction. Signed operations accept any caller the Authenticator accepts: developer keys
// and identity credentials.

#include <boost/json/object.hpp>
#include <functional>
#include <string_view>
#include <vector>

#include "auth/request_context.h"
#include "common/error.h"

namespace cogsync::sts {

class StsService;

inline constexpr std::string_view kStsVersion = "2011-06-15";
inline constexpr std::string_view kStsSigningName = "sts";

struct StsOperation {
  std::string_view action;
  bool needs_signature;
  std::function<Result<boost::json::object>(auth::RequestContext&, const boost::json::object&)>
      call;
};

std::vector<StsOperation> StsOperationTable(StsService& service);

}  // namespace cogsync::sts
