#pragma once
// Cognito Events: the SyncTrigger (as AWS documents it; D25). An UpdateRecords made with
// identity credentials on a pool with a SyncTrigger shows the function the whole dataset as it
// would be after the update, and commits what the function answers instead.
//
// Event: {"version":2, "eventType":"SyncTrigger", "region", "identityPoolId", "identityId",
// "datasetName", "datasetRecords": {key: {"oldValue", "newValue", "op"}}}, holding every live
// record (unchanged ones with oldValue == newValue, op "replace") and every patched key (op
// "remove" for removes; no oldValue for a key that had none).
//
// Answer: the same object; only datasetRecords may differ. For each key answered, op "remove" or
// a null newValue removes it, otherwise it takes newValue; keys left out keep the event's
// version. Every patched key, and every other key whose answered state differs from the stored
// one, is written.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "outbox/aws_calls.h"
#include "store/types.h"

namespace cogsync::sync {

// The key of a pool's events that names its SyncTrigger (SetCognitoEvents).
inline constexpr std::string_view kSyncTrigger = "SyncTrigger";

// The pool's SyncTrigger function (a Lambda ARN), empty when it has none; a view into the pool's
// snapshot, nothing parsed or copied.
std::string_view SyncTriggerOf(const store::Pool& pool);

// One key's intended state after the update: nullopt value is a removal.
struct TriggerPatch {
  std::string key;
  std::optional<std::string> value;
};

boost::json::object SyncTriggerEvent(std::string_view region, std::string_view pool_id,
                                     std::string_view identity_id, std::string_view dataset,
                                     const std::vector<store::Record>& live_records,
                                     const std::vector<TriggerPatch>& patches);

// The writes the function's answer asks for (see the header comment), checked against the event:
// anything but datasetRecords changed, or a malformed record, is InvalidLambdaFunctionOutput.
Result<std::vector<TriggerPatch>> ApplySyncTriggerAnswer(
    const boost::json::object& event, std::string_view answer,
    const std::vector<store::Record>& live_records, const std::vector<TriggerPatch>& patches);

// Sends the event to the function: the plain URL mapped to `function_arn` in the configuration,
// else Lambda Invoke. Returns the answer's body. Errors: no answer in time or a function error
// -> InvalidLambdaFunctionOutput; HTTP 429 -> LambdaThrottled; nowhere to send it, unreachable
// or another status -> InternalError. Nothing is committed in any of these cases.
Result<std::string> InvokeSyncTrigger(const outbox::AwsCalls& calls,
                                      const IntegrationsConfig& settings,
                                      std::string_view function_arn, std::string_view event);

}  // namespace cogsync::sync
