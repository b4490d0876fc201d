#include "sync/sync_trigger.h"

#include <algorithm>
#include <map>

#include "common/json.h"

namespace cogsync::sync {
namespace {

namespace bj = boost::json;

constexpr std::string_view kRecords = "datasetRecords";

ApiError BadOutput(const std::string& why) {
  return ApiError::InvalidLambdaFunctionOutput("The SyncTrigger function's output is invalid: " +
                                               why);
}

// BadOutput for one answered record: "record '<key>' <what>".
ApiError BadRecord(const std::string& key, std::string_view what) {
  return BadOutput("record '" + key + "' " + std::string(what));
}

}  // namespace

std::string_view SyncTriggerOf(const store::Pool& pool) {
  const auto it = pool.events.find(kSyncTrigger);
  if (it == pool.events.end() || !it->value().is_string()) return {};
  return it->value().get_string();
}

bj::object SyncTriggerEvent(std::string_view region, std::string_view pool_id,
                            std::string_view identity_id, std::string_view dataset,
                            const std::vector<store::Record>& live_records,
                            const std::vector<TriggerPatch>& patches) {
  bj::object records;
  for (const store::Record& r : live_records) {
    if (!r.value) continue;
    records[r.key] = bj::object{{"oldValue", *r.value}, {"newValue", *r.value}, {"op", "replace"}};
  }
  for (const TriggerPatch& p : patches) {
    bj::object item;
    if (const bj::value* old = records.if_contains(p.key)) {
      item["oldValue"] = old->as_object().at("oldValue");
    } else {
      item["oldValue"] = nullptr;
    }
    item["newValue"] = p.value ? bj::value(*p.value) : bj::value(nullptr);
    item["op"] = p.value ? "replace" : "remove";
    records[p.key] = std::move(item);
  }
  return bj::object{{"version", 2},
                    {"eventType", "SyncTrigger"},
                    {"region", region},
                    {"identityPoolId", pool_id},
                    {"identityId", identity_id},
                    {"datasetName", dataset},
                    {kRecords, std::move(records)}};
}

Result<std::vector<TriggerPatch>> ApplySyncTriggerAnswer(
    const bj::object& event, std::string_view answer,
    const std::vector<store::Record>& live_records, const std::vector<TriggerPatch>& patches) {
  std::string parse_error;
  auto parsed = json::Parse(answer, &parse_error);
  if (!parsed || !parsed->is_object()) return BadOutput("not a JSON object " + parse_error);
  const bj::object& out = parsed->get_object();
  // Only datasetRecords may change: every other member must come back exactly as sent.
  for (const auto& kv : event) {
    if (kv.key() == kRecords) continue;
    const bj::value* got = out.if_contains(kv.key());
    if (got == nullptr || *got != kv.value()) {
      return BadOutput("the function changed '" + std::string(kv.key()) + "'");
    }
  }
  for (const auto& kv : out) {
    if (!event.contains(kv.key())) {
      return BadOutput("the function added '" + std::string(kv.key()) + "'");
    }
  }
  const bj::value* answered = out.if_contains(kRecords);
  if (answered == nullptr || !answered->is_object()) return BadOutput("no datasetRecords object");

  // The state the event proposed, then the function's changes on top of it.
  std::map<std::string, std::optional<std::string>> stored;
  for (const store::Record& r : live_records) stored[r.key] = r.value;
  std::map<std::string, std::optional<std::string>> proposed = stored;
  std::map<std::string, bool> patched;
  for (const TriggerPatch& p : patches) {
    proposed[p.key] = p.value;
    patched[p.key] = true;
  }
  for (const auto& kv : answered->get_object()) {
    const std::string key(kv.key());
    if (key.empty()) return BadOutput("a record has an empty key");
    if (!kv.value().is_object()) return BadRecord(key, "is not an object");
    const bj::object& item = kv.value().get_object();
    const bj::value* op = item.if_contains("op");
    if (op != nullptr && !op->is_string()) return BadRecord(key, "has a bad op");
    const std::string op_text = op != nullptr ? std::string(op->get_string()) : "replace";
    if (op_text != "replace" && op_text != "remove") {
      std::string what = "has op '";
      what += op_text;
      what += '\'';
      return BadRecord(key, what);
    }
    const bj::value* value = item.if_contains("newValue");
    if (value != nullptr && !value->is_string() && !value->is_null()) {
      return BadRecord(key, "has a newValue that is not a string");
    }
    if (op_text == "remove" || value == nullptr || value->is_null()) {
      proposed[key] = std::nullopt;
    } else {
      proposed[key] = std::string(value->get_string());
    }
  }
  std::vector<TriggerPatch> writes;
  for (const auto& [key, value] : proposed) {
    auto it = stored.find(key);
    const std::optional<std::string> before = it == stored.end() ? std::nullopt : it->second;
    if (patched.count(key) != 0 || before != value) writes.push_back(TriggerPatch{key, value});
  }
  return writes;
}

Result<std::string> InvokeSyncTrigger(const outbox::AwsCalls& calls,
                                      const IntegrationsConfig& settings,
                                      std::string_view function_arn, std::string_view event) {
  outbox::CallOutcome out;
  bool via_lambda = false;
  auto mapped = std::find_if(settings.sync_trigger_urls.begin(), settings.sync_trigger_urls.end(),
                             [&](const auto& m) { return m.first == function_arn; });
  if (mapped != settings.sync_trigger_urls.end()) {
    out = calls.PostJson(mapped->second, event, settings.trigger_timeout_ms);
  } else if (!settings.lambda_endpoint.empty()) {
    via_lambda = true;
    out = calls.LambdaInvoke(function_arn, event, settings.trigger_timeout_ms);
  } else {
    return ApiError::InternalError("The SyncTrigger function could not be invoked.")
        .WithDetail("no target is configured for the SyncTrigger function " +
                    std::string(function_arn) +
                    " (integrations.lambda_endpoint or sync_trigger_urls)");
  }
  if (out.timed_out) {
    return ApiError::InvalidLambdaFunctionOutput("The SyncTrigger function did not answer within " +
                                                 std::to_string(settings.trigger_timeout_ms) +
                                                 " ms.");
  }
  if (out.status == 429) {
    return ApiError::LambdaThrottled("The SyncTrigger function was throttled; retry later.");
  }
  // What the function or the network said goes to the log only (ApiError::detail): app users
  // see neither the function's URL nor its answer.
  if (!out.reached) {
    return ApiError::InternalError("The SyncTrigger function could not be reached.")
        .WithDetail(out.error);
  }
  if (!out.ok) {
    if (out.status >= 400 && out.status < 500 && !via_lambda) {
      return ApiError::InvalidLambdaFunctionOutput("The SyncTrigger function failed: HTTP " +
                                                   std::to_string(out.status))
          .WithDetail(out.error);
    }
    return ApiError::InternalError("Invoking the SyncTrigger function failed.")
        .WithDetail(out.error);
  }
  for (const auto& [name, value] : out.headers) {
    if (name == "x-amz-function-error") {
      return ApiError::InvalidLambdaFunctionOutput("The SyncTrigger function failed.")
          .WithDetail("function error " + value + ": " + out.body.substr(0, 300));
    }
  }
  return std::move(out.body);
}

}  // namespace cogsync::sync
