#pragma once
// Puts the web console in front of the API pipeline (D30): GET /console/... is answered from the
// built-in files (console/assets.h) with a strict Content-Security-Policy, /admin/... goes to the
// AdminApi, and every other request passes unchanged to the wrapped handler (the dispatcher).
// The console's pages call the public APIs like any SDK; nothing here reads or changes Cognito
// data. Thread-safe as its parts are.

#include <string_view>

#include "console/admin_api.h"
#include "http/message.h"

namespace cogsync::console {

// The headers every console file is served with.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class ConsoleHandler final : public http::Handler {
 public:
  ConsoleHandler(http::Handler& api, AdminApi& admin) : api_(api), admin_(admin) {}
  ConsoleHandler(const ConsoleHandler&) = delete;
  ConsoleHandler& operator=(const ConsoleHandler&) = delete;

  bool IsWrite(const http::Request& request) const override;
  http::Response Handle(const http::Request& request) override;
  http::Response Reject(const http::Request& request, http::Rejection reason) override {
    return api_.Reject(request, reason);
  }

 private:
  http::Response Serve(const http::Request& request, std::string_view path) const;

  http::Handler& api_;
  AdminApi& admin_;
};

}  // namespace cogsync::console
