#include "protocol/dispatcher.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "common/encoding.h"
#include "common/json.h"
#include "protocol/validate.h"
#include "protocol/wire.h"

namespace cogsync::protocol {
namespace {

namespace bj = boost::json;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

http::Response JsonResponse(int status, const bj::value& body) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = json::Write(body);
  return r;
}

}  // namespace

Dispatcher::Dispatcher(std::vector<OperationEntry> operations, auth::Authenticator& authenticator,
                       auth::ArnContext arn, ExtraEndpoints endpoints, Throttle* throttle,
                       std::vector<sts::StsOperation> sts)
    : operations_(std::move(operations)),
      sts_operations_(std::move(sts)),
      sync_router_(model::SyncModel()),
      authenticator_(authenticator),
      region_(arn.region),
      account_(arn.account_id),
      endpoints_(std::move(endpoints)),
      throttle_(throttle) {
  arn_ = auth::ArnContext{region_, account_};
  for (const auto& entry : operations_) {
    auto& index = entry.service == Service::kIdentity ? identity_ops_ : sync_ops_;
    index[std::string(entry.model->name)] = &entry;
    by_model_[entry.model] = &entry;
  }
}

Result<Dispatcher::Routed> Dispatcher::Route(const http::Request& request) const {
  std::string_view path = PathOf(request.target);
  const std::string* target = request.Header("x-amz-target");
  if (path == "/" && target != nullptr) {
    std::string_view t = *target;
    size_t dot = t.rfind('.');
    std::string_view prefix = dot == std::string_view::npos ? std::string_view() : t.substr(0, dot);
    std::string name(dot == std::string_view::npos ? t : t.substr(dot + 1));
    const auto* index = EndsWith(prefix, kIdentityTargetPrefix) ? &identity_ops_
                        : EndsWith(prefix, kSyncTargetPrefix)   ? &sync_ops_
                                                                : nullptr;
    if (index != nullptr) {
      auto it = index->find(name);
      if (it != index->end()) {
        if (request.method != "POST") {
          return ApiError::MethodNotAllowed("Operations named by X-Amz-Target take POST.");
        }
        return Routed{it->second, {}, false};
      }
    }
    return ApiError::UnknownOperation("Unknown operation " + std::string(t));
  }
  if (path == "/") {
    return ApiError::UnknownOperation("Missing X-Amz-Target header naming the operation.");
  }
  COGSYNC_ASSIGN_OR_RETURN(auto match, sync_router_.Match(request));
  auto it = by_model_.find(match.operation);
  if (it == by_model_.end()) {
    return ApiError::UnknownOperation("Unknown operation " + std::string(match.operation->name));
  }
  return Routed{it->second, std::move(match.input), true};
}

// Asked for every request before it is handled, so it routes only as far as it must: REST
// (Cognito Sync) reads are GETs, so any other method is sent to the writers' pool, which costs a
// mis-sorted read (GetBulkPublishDetails is a POST) nothing but a thread hop; X-Amz-Target
// operations are looked up by name. Malformed requests are answered on the I/O thread.
bool Dispatcher::IsWrite(const http::Request& request) const {
  if (IsQueryRequest(request)) return false;  // STS only reads (D27)
  if (PathOf(request.target) != "/" || request.Header("x-amz-target") == nullptr) {
    return request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
  }
  auto routed = Route(request);
  if (!routed.ok()) return false;
  request.handler_note = routed->entry;  // Dispatch() need not route it again
  return routed->entry->writes;
}

Result<bj::object> Dispatcher::DecodeInput(const http::Request& request, Routed& routed) const {
  const OperationEntry& entry = *routed.entry;
  const Service service = entry.service;
  const model::ServiceModel& model =
      service == Service::kSync ? model::SyncModel() : model::IdentityModel();
  bj::object input;
  bool has_body_members = false;
  if (entry.model->input >= 0) {
    for (const auto& m : model.shape(entry.model->input).members) {
      if (m.location == model::Location::kBody) has_body_members = true;
    }
  }
  const bool read_body = !routed.rest || has_body_members;
  if (read_body && !request.body.empty()) {
    std::string error;
    auto parsed = json::Parse(request.body, &error);
    if (!parsed || !parsed->is_object()) {
      std::string message =
          "Request body is not a JSON object" + (error.empty() ? "" : ": " + error);
      return service == Service::kIdentity ? ApiError::Serialization(message)
                                           : ApiError::InvalidParameter(message);
    }
    input = std::move(parsed->get_object());
    // The legacy wrapped form: {"Operation": ..., "Service": ..., "Input": {...}} (D5).
    if (!routed.rest && service == Service::kSync && input.contains("Operation")) {
      const bj::object* inner = json::GetObject(input, "Input");
      input = inner != nullptr ? *inner : bj::object();
    }
  }
  for (auto& kv : routed.labels) input[kv.key()] = std::move(kv.value());
  if (entry.model->input >= 0) {
    if (service == Service::kSync) {
      COGSYNC_ASSIGN_OR_RETURN(input, CoerceLegacyInput(model, *entry.model, std::move(input)));
    }
    COGSYNC_RETURN_IF_ERROR(ValidateInput(model, *entry.model, input, service));
  }
  return input;
}

http::Response Dispatcher::HandleExtra(const http::Request& request, std::string_view path,
                                       bool* handled) {
  *handled = true;
  if (request.method == "GET" && path == "/.well-known/jwks.json" && endpoints_.jwks) {
    return JsonResponse(200, endpoints_.jwks());
  }
  if (request.method == "GET" && path == "/.well-known/openid-configuration" &&
      endpoints_.discovery) {
    const std::string* host = request.Header("host");
    auto document = endpoints_.discovery(host != nullptr ? *host : "");
    if (!document.ok()) {
      return EncodeError(Service::kSync, ApiError(document.error().code(), HttpStatus::kNotFound,
                                                  document.error().message(), true));
    }
    return JsonResponse(200, document.value());
  }
  if (path == "/moto-api/reset" || path == "/moto-api/reset-auth") {
    if (!endpoints_.reset || request.method != "POST") {
      return EncodeError(Service::kSync,
                         ApiError::UnknownOperation("Not found: " + std::string(path)));
    }
    if (path == "/moto-api/reset") {
      if (auto s = endpoints_.reset(); !s.ok()) return EncodeError(Service::kSync, s.error());
      return JsonResponse(200, bj::object{{"status", "ok"}});
    }
    // moto's server counts unauthenticated actions before it starts checking signatures;
    // cogsync always checks them, so the count is remembered and echoed only.
    std::string previous;
    {
      MutexLock lock(no_auth_mu_);
      previous = no_auth_count_;
      if (auto body = json::Parse(request.body); body && body->is_object()) {
        const bj::value* n = json::Find(body->get_object(), "INITIAL_NO_AUTH_ACTION_COUNT");
        if (n != nullptr) {
          no_auth_count_ = n->is_string() ? std::string(n->get_string()) : json::Write(*n);
        }
      }
    }
    authenticator_.ClearCache();
    return JsonResponse(
        200, bj::object{{"status", "ok"}, {"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT", previous}});
  }
  *handled = false;
  return {};
}

http::Response Dispatcher::Dispatch(const http::Request& request) {
  // IsWrite() routed an X-Amz-Target request already (such a request has no REST labels).
  auto routed = request.handler_note != nullptr
                    ? Result<Routed>(Routed{
                          static_cast<const OperationEntry*>(request.handler_note), {}, false})
                    : Route(request);
  if (!routed.ok()) return EncodeError(ServiceOf(request), routed.error());
  const OperationEntry& entry = *routed->entry;
  http::Response response = Run(request, *routed);
  response.operation = std::string(entry.model->name);
  return response;
}

namespace {

// A handler's error: logged as its class needs, encoded with what the client may see.
http::Response HandlerError(const http::Request& request, const auth::RequestContext& ctx,
                            const OperationEntry& entry, const ApiError& error) {
  if (!error.detail().empty()) {
    // Upstream failures: the detail (URLs, paths, answers) to the log, on one line; the client
    // gets the generic message and the request id to quote.
    spdlog::log(error.sync_status() == HttpStatus::kInternalServerError ? spdlog::level::err
                                                                        : spdlog::level::warn,
                "request {} {}: {}: {} ({})", request.request_id, ctx.operation, error.code(),
                encoding::OneLine(error.message()), encoding::OneLine(error.detail()));
  } else if (error.sync_status() == HttpStatus::kInternalServerError) {
    spdlog::error("request {} {}: {}", request.request_id, ctx.operation,
                  encoding::OneLine(error.ToString()));
  }
  return EncodeError(entry.service, error.ForClient(request.request_id));
}

}  // namespace

http::Response Dispatcher::Run(const http::Request& request, Routed& routed) {
  const OperationEntry& entry = *routed.entry;
  auth::RequestContext ctx;
  ctx.request_id = request.request_id;
  ctx.operation = std::string(entry.model->name);
  ctx.remote_address = request.remote_address;
  if (throttle_ != nullptr && entry.access == auth::Access::kPublic) {
    if (auto s = throttle_->CheckPublic(entry.model->name, request.remote_address); !s.ok()) {
      return EncodeError(entry.service, s.error());
    }
  }
  if (entry.access != auth::Access::kPublic) {
    auto principal = authenticator_.Authenticate(
        request, entry.service == Service::kIdentity ? "cognito-identity" : "cognito-sync");
    if (!principal.ok()) return EncodeError(entry.service, principal.error());
    ctx.principal = std::move(principal).value();
  }
  if (throttle_ != nullptr && entry.service == Service::kSync && entry.writes) {
    if (auto s = throttle_->CheckSyncWrite(ctx.principal); !s.ok()) {
      return EncodeError(entry.service, s.error());
    }
  }
  auto input = DecodeInput(request, routed);
  if (!input.ok()) return EncodeError(entry.service, input.error());
  if (throttle_ != nullptr && entry.service == Service::kSync && entry.writes) {
    if (auto s = throttle_->CheckSyncRows(ctx.principal, *input); !s.ok()) {
      return EncodeError(entry.service, s.error());
    }
  }
  if (auto allowed =
          auth::Authorize(ctx.principal, entry.access, entry.service, ctx.operation, *input, arn_);
      !allowed.ok()) {
    return EncodeError(entry.service, allowed.error());
  }
  if (auto cc = json::GetString(*input, "ClientContext")) ctx.client_context = *cc;
  if (entry.encoded) {
    Result<std::string> body = entry.encoded(ctx, *input);
    if (!body.ok()) return HandlerError(request, ctx, entry, body.error());
    return EncodeBody(entry.service, std::move(body).value());
  }
  Result<bj::value> output = entry.call(ctx, *input);
  if (!output.ok()) return HandlerError(request, ctx, entry, output.error());
  // Two calls rather than `cond ? output.value() : bj::value(nullptr)`: that expression is a
  // prvalue, a deep copy of the whole output.
  if (entry.model->output < 0) return EncodeOutput(entry.service, bj::value(nullptr));
  return EncodeOutput(entry.service, output.value());
}

http::Response CatchAll(const http::Request& request,
                        const std::function<http::Response()>& handle) {
  try {
    return handle();
  } catch (const std::exception& e) {
    spdlog::error("request {} {}: unexpected exception: {}", request.request_id,
                  PathOf(request.target), encoding::OneLine(e.what()));
  } catch (...) {
    spdlog::error("request {} {}: unexpected exception", request.request_id,
                  PathOf(request.target));
  }
  return EncodeError(ServiceOf(request), ApiError::InternalError("Internal server error (request " +
                                                                 request.request_id + ")"));
}

http::Response Dispatcher::Handle(const http::Request& request) {
  return CatchAll(request, [&] {
    std::string_view path = PathOf(request.target);
    if (path.size() > 2 && (path[1] == '.' || path[1] == 'm')) {
      bool handled = false;
      http::Response extra = HandleExtra(request, path, &handled);
      if (handled) return extra;
    }
    if (IsQueryRequest(request)) return DispatchQuery(request);
    return Dispatch(request);
  });
}

http::Response Dispatcher::Reject(const http::Request& request, http::Rejection reason) {
  return EncodeError(ServiceOf(request), RejectionError(reason));
}

}  // namespace cogsync::protocol
