#include "http/response_writer.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "common/ascii.h"

namespace cogsync::http::internal {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kExposeHeaders =
    "Access-Control-Expose-Headers: x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, "
    "Date\r\n";
// Sent when a preflight names no headers; the headers AWS SDKs sign or send.
constexpr std::string_view kDefaultAllowHeaders =
    "Authorization, Content-Type, X-Amz-Date, X-Amz-Target, X-Amz-User-Agent, "
    "X-Amz-Content-Sha256, x-amz-security-token, x-amz-client-context, amz-sdk-invocation-id, "
    "amz-sdk-request";

// Headers whose value the server decides; a handler's copy would duplicate or contradict them.
bool IsServerOwned(std::string_view name) {
  for (std::string_view owned :
       {"content-length", "connection", "date", "transfer-encoding", "x-amzn-requestid"}) {
    if (ascii::EqualsIgnoreCase(name, owned)) return true;
  }
  return false;
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

void AppendNumber(std::string& out, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, end);
}

// The IMF-fixdate of the current second. Formatting it costs more than the rest of the head,
// so each thread keeps the last one.
std::string_view HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local char text[32];
  thread_local size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    length = n > 0 ? size_t(n) : 0;
    cached_second = now;
  }
  return std::string_view(text, length);
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& allowed) {
  for (const auto& origin : allowed) {
    if (origin == "*") {
      any_ = true;
    } else {
      origins_.push_back(origin);
    }
  }
}

std::string_view CorsPolicy::AllowOrigin(std::string_view origin) const {
  if (origin.empty()) return {};
  if (any_) return "*";
  for (const auto& allowed : origins_) {
    if (allowed == origin) return allowed;
  }
  return {};
}

void AppendResponseHead(std::string& out, const Response& response, const HeadContext& context) {
  out += "HTTP/1.1 ";
  AppendNumber(out, uint64_t(response.status));
  out += ' ';
  out += Reason(response.status);
  out += kCrlf;
  for (const auto& [name, value] : response.headers) {
    if (IsServerOwned(name)) continue;
    out += name;
    out += ": ";
    out += value;
    out += kCrlf;
  }
  out += "x-amzn-RequestId: ";
  out += context.request_id;
  out += "\r\nDate: ";
  out += HttpDate();
  out += "\r\nContent-Length: ";
  AppendNumber(out, response.body.size());
  out += kCrlf;
  if (!context.keep_alive) {
    out += "Connection: close\r\n";
  } else if (context.http10) {
    out += "Connection: keep-alive\r\n";
  }
  if (!context.allow_origin.empty()) {
    out += "Access-Control-Allow-Origin: ";
    out += context.allow_origin;
    out += kCrlf;
    // A listed origin is echoed, so caches must key the response on Origin.
    if (context.allow_origin != "*") out += "Vary: Origin\r\n";
    out += kExposeHeaders;
  }
  out += kCrlf;
}

Response HealthResponse(bool ready) {
  Response response;
  response.status = ready ? 200 : 503;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = ready ? R"({"status":"ok"})" : R"({"status":"starting"})";
  return response;
}

Response PreflightResponse(const Request& request) {
  Response response;
  response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  // Echoing what the browser asks for is what lets any SDK's header set through; the request is
  // still authenticated by its signature, not by CORS.
  const std::string* requested = request.Header("access-control-request-headers");
  response.headers.emplace_back(
      "Access-Control-Allow-Headers",
      requested != nullptr && !requested->empty() ? *requested : std::string(kDefaultAllowHeaders));
  response.headers.emplace_back("Access-Control-Max-Age", "86400");
  return response;
}

}  // namespace cogsync::http::internal
