// The Query-protocol half of the dispatcher: STS (D27). Decode the parameters, find the Action,
// throttle (unsigned) or authenticate (signed), run, and write XML through query_wire.h.

#include <spdlog/spdlog.h>

#include <exception>

#include "common/json.h"
#include "protocol/dispatcher.h"
#include "protocol/query_decoder.h"
#include "protocol/query_wire.h"
#include "sts/errors.h"

namespace cogsync::protocol {
namespace {

constexpr size_t kMaxEchoedAction = 128;

std::string_view QueryStringOf(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

}  // namespace

bool Dispatcher::IsQueryRequest(const http::Request& request) {
  std::string_view target = request.target;
  if (target.substr(0, target.find('?')) != "/" || request.Header("x-amz-target") != nullptr) {
    return false;
  }
  if (request.method == "POST") {
    const std::string* type = request.Header("content-type");
    return type != nullptr && IsFormContentType(*type);
  }
  return request.method == "GET" && !QueryStringOf(target).empty();
}

http::Response Dispatcher::DispatchQuery(const http::Request& request) {
  auto fail = [&](const ApiError& error) { return EncodeQueryError(error, request.request_id); };
  auto params = DecodeQueryParameters(request.method == "POST" ? std::string_view(request.body)
                                                               : QueryStringOf(request.target));
  if (!params.ok()) return fail(params.error());
  auto action = json::GetString(*params, "Action");
  if (!action || action->empty()) {
    return fail(sts::MissingAction("The request is missing an action or a required parameter."));
  }
  const std::string version =
      json::GetString(*params, "Version").value_or(std::string(sts::kStsVersion));
  const sts::StsOperation* op = nullptr;
  if (version == sts::kStsVersion) {
    for (const auto& candidate : sts_operations_) {
      if (candidate.action == *action) op = &candidate;
    }
  }
  if (op == nullptr) {
    return fail(sts::InvalidAction("Could not find operation " +
                                   action->substr(0, kMaxEchoedAction) + " for version " +
                                   version.substr(0, kMaxEchoedAction)));
  }
  auth::RequestContext ctx;
  ctx.request_id = request.request_id;
  ctx.operation = std::string(op->action);
  ctx.remote_address = request.remote_address;
  if (!op->needs_signature) {
    if (throttle_ != nullptr) {
      if (auto s = throttle_->CheckPublic(op->action, request.remote_address); !s.ok()) {
        return fail(s.error());
      }
    }
  } else {
    auto principal = authenticator_.Authenticate(request, sts::kStsSigningName);
    if (!principal.ok()) return fail(principal.error());
    ctx.principal = std::move(principal).value();
  }
  // An exception escaping the call reaches the one catch-all (CatchAll, dispatcher.cc).
  Result<boost::json::object> output = op->call(ctx, *params);
  http::Response response = output.ok() ? EncodeQueryOutput(op->action, *output, request.request_id)
                                        : fail(output.error());
  if (!output.ok() && output.error().sync_status() == HttpStatus::kInternalServerError) {
    spdlog::error("request {} {}: {}", request.request_id, ctx.operation,
                  output.error().ToString());
  }
  response.operation = std::string(op->action);
  return response;
}

}  // namespace cogsync::protocol
