// The Cognito Sync REST router: path templates, label decoding (percent escapes, '/', UTF-8),
// query strings and header members.

#include <cstdint>

#include "fuzz_input.h"
#include "protocol/rest_router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogsync;
  static const protocol::RestRouter router(model::SyncModel());
  static const char* kMethods[] = {"GET", "POST", "DELETE", "PUT"};
  fuzz::FuzzInput in(data, size);
  http::Request r;
  r.method = kMethods[in.Byte() % 4];
  std::string context = in.Field();
  r.target = in.Rest();
  r.headers = {{"x-amz-client-context", context}};
  auto match = router.Match(r);
  if (match.ok() && match->operation == nullptr) __builtin_trap();
  (void)protocol::ParseQuery(r.target);
  return 0;
}
