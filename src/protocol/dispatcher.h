#pragma once
// The request pipeline above HTTP (fixed order, docs/architecture.md "Life of a request"):
// route (X-Amz-Target, else method + path) -> authenticate (SigV4, D10/D11) -> decode and
// validate the input against the model (D3) -> authorize (D9) -> handler -> encode. Every
// failure on the way is an ApiError encoded by protocol/wire.cc for the service concerned.

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/access.h"
#include "auth/authenticator.h"
#include "common/mutex.h"
#include "http/message.h"
#include "protocol/operations.h"
#include "protocol/rest_router.h"
#include "protocol/throttle.h"
#include "sts/operations.h"

namespace cogsync::protocol {

// Endpoints served beside the two APIs.
struct ExtraEndpoints {
  std::function<boost::json::object()> jwks;  // GET /.well-known/jwks.json
  // GET /.well-known/openid-configuration; given the request's Host header.
  std::function<Result<boost::json::object>(std::string_view host)> discovery;
  // Test mode only (nullptr otherwise): POST /moto-api/reset wipes all Cognito state.
  std::function<Status()> reset;
};

// The one catch-all of the request path: runs `handle`, and turns an exception escaping it (a
// bug: errors are values) into a logged InternalErrorException for `request`'s protocol.
http::Response CatchAll(const http::Request& request,
                        const std::function<http::Response()>& handle);

class Dispatcher final : public http::Handler {
 public:
  // `throttle` may be null (no throttling). `sts` is STS's table (D27); without it, Query
  // requests are answered as InvalidAction.
  Dispatcher(std::vector<OperationEntry> operations, auth::Authenticator& authenticator,
             auth::ArnContext arn, ExtraEndpoints endpoints, Throttle* throttle = nullptr,
             std::vector<sts::StsOperation> sts = {});

  bool IsWrite(const http::Request& request) const override;
  // Runs the pipeline inside CatchAll().
  http::Response Handle(const http::Request& request) override;
  http::Response Reject(const http::Request& request, http::Rejection reason) override;

 private:
  struct Routed {
    const OperationEntry* entry = nullptr;
    boost::json::object labels;  // REST: path, query and header members
    bool rest = false;
  };
  Result<Routed> Route(const http::Request& request) const;
  Result<boost::json::object> DecodeInput(const http::Request& request, Routed& routed) const;
  http::Response HandleExtra(const http::Request& request, std::string_view path, bool* handled);
  http::Response Dispatch(const http::Request& request);
  http::Response Run(const http::Request& request, Routed& routed);
  // The AWS Query protocol (STS, D27; query_dispatch.cc): `POST /` with a form body and no
  // X-Amz-Target, or `GET /?...`. Everything else routes as before.
  static bool IsQueryRequest(const http::Request& request);
  http::Response DispatchQuery(const http::Request& request);

  std::vector<OperationEntry> operations_;
  std::vector<sts::StsOperation> sts_operations_;
  std::unordered_map<std::string, const OperationEntry*> identity_ops_;
  std::unordered_map<std::string, const OperationEntry*> sync_ops_;
  std::unordered_map<const model::Operation*, const OperationEntry*> by_model_;
  RestRouter sync_router_;
  auth::Authenticator& authenticator_;
  auth::ArnContext arn_;
  std::string region_;
  std::string account_;
  ExtraEndpoints endpoints_;
  Throttle* throttle_;
  // Echoed by /moto-api/reset-auth, which any worker or I/O thread may serve.
  Mutex no_auth_mu_;
  std::string no_auth_count_ GUARDED_BY(no_auth_mu_) = "inf";
};

}  // namespace cogsync::protocol
