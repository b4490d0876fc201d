// Request decoding and validation for every operation's input: JSON parsing (depth, UTF-8),
// legacy coercion and every model constraint, for an operation chosen by the first byte.

#include <cstdint>

#include "common/json.h"
#include "fuzz_input.h"
#include "protocol/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogsync;
  fuzz::FuzzInput in(data, size);
  const uint8_t pick = in.Byte();
  const bool sync = pick & 1;
  const model::ServiceModel& model = sync ? model::SyncModel() : model::IdentityModel();
  const model::Operation& op = model.operations[(pick >> 1) % model.operations.size()];
  auto parsed = json::Parse(in.Rest());
  if (!parsed || !parsed->is_object() || op.input < 0) return 0;
  boost::json::object input = parsed->get_object();
  if (sync) {
    auto coerced = protocol::CoerceLegacyInput(model, op, std::move(input));
    if (!coerced.ok()) return 0;
    input = std::move(coerced).value();
  }
  auto status =
      protocol::ValidateInput(model, op, input, sync ? Service::kSync : Service::kIdentity);
  // Whatever passed validation must also serialise back.
  if (status.ok()) (void)json::Write(input);
  return 0;
}
