#include "console/console_handler.h"

#include <algorithm>

#include "console/assets.h"
#include "protocol/dispatcher.h"
#include "protocol/wire.h"

namespace cogsync::console {
namespace {

constexpr std::string_view kConsoleRoot = "/console";

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsConsolePath(std::string_view path) {
  return path == kConsoleRoot || StartsWith(path, "/console/");
}

// Every console response, files and errors alike, carries these.
void AddSecurityHeaders(http::Response& response) {
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  response.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  // The files change only with the binary; revalidating costs one small request each.
  response.headers.emplace_back("Cache-Control", "no-cache");
}

http::Response Text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace

const Asset* FindAsset(std::string_view path) {
  const auto assets = Assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

bool ConsoleHandler::IsWrite(const http::Request& request) const {
  const std::string_view path = PathOf(request.target);
  if (IsConsolePath(path) || StartsWith(path, AdminApi::kPathPrefix)) return false;
  return api_.IsWrite(request);
}

http::Response ConsoleHandler::Handle(const http::Request& request) {
  const std::string_view path = PathOf(request.target);
  if (IsConsolePath(path)) {
    http::Response response = Serve(request, path);
    response.operation = "Console";
    AddSecurityHeaders(response);
    return response;
  }
  if (StartsWith(path, AdminApi::kPathPrefix)) {
    return protocol::CatchAll(request, [&] { return admin_.Handle(request); });
  }
  return api_.Handle(request);
}

http::Response ConsoleHandler::Serve(const http::Request& request, std::string_view path) const {
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Text(405, "The console's files take GET.\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == kConsoleRoot) {
    // Relative module and style URLs resolve against the directory.
    http::Response r = Text(301, "");
    r.headers.emplace_back("Location", "/console/");
    return r;
  }
  std::string_view file = path.substr(kConsoleRoot.size() + 1);
  if (file.empty()) file = "index.html";
  const Asset* asset = FindAsset(file);
  if (asset == nullptr) return Text(404, "Not found.\n");
  http::Response r;
  r.headers.emplace_back("Content-Type", std::string(asset->content_type));
  r.body.assign(asset->body);
  return r;
}

}  // namespace cogsync::console
