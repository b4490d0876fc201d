// The AWS Query protocol (STS, D27): the form/query-string decoder, the Content-Type test, STS's
// parameter validation, and the XML encoder over whatever the decoder accepted.

#include <cstdint>
#include <string_view>

#include "protocol/query_decoder.h"
#include "protocol/query_wire.h"
#include "sts/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogsync;
  using Kind = sts::ParamRule::Kind;
  using Pattern = sts::ParamRule::Pattern;
  static constexpr sts::ParamRule kRules[] = {
      {"RoleArn", true, Kind::kString, 20, 2048, Pattern::kText},
      {"RoleSessionName", true, Kind::kString, 2, 64, Pattern::kSessionName},
      {"WebIdentityToken", true, Kind::kString, 4, 20000, Pattern::kNone, true},
      {"DurationSeconds", false, Kind::kInteger, 900, 43200},
  };
  const std::string_view form(reinterpret_cast<const char*>(data), size);
  (void)protocol::IsFormContentType(form);
  auto params = protocol::DecodeQueryParameters(form);
  if (!params.ok()) {
    (void)protocol::EncodeQueryError(params.error(), "fuzz");
    return 0;
  }
  (void)sts::IntegerParam(*params, "DurationSeconds");
  if (auto valid = sts::ValidateParams(kRules, *params); !valid.ok()) {
    (void)protocol::EncodeQueryError(valid.error(), "fuzz");
  }
  (void)protocol::EncodeQueryOutput("Fuzz", *params, "fuzz");
  return 0;
}
