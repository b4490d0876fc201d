#pragma once
// What a handler knows about the request besides its input: the caller and the request's id.
// Handlers never see HTTP.

#include <cstdint>
#include <string>

#include "auth/principal.h"

namespace cogsync::auth {

struct RequestContext {
  Principal principal;
  std::string request_id;
  std::string operation;
  std::string remote_address;
  std::string
      client_context;  // x-amz-Client-Context, stored nowhere yet (AWS: "not yet implemented")
};

}  // namespace cogsync::auth
