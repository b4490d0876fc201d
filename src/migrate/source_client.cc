#include "migrate/source_client.h"

#include <algorithm>
#include <random>
#include <thread>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/http_client.h"
#include "common/json.h"

namespace cogsync::migrate {
namespace {

constexpr std::string_view kIdentityTarget = "AWSCognitoIdentityService.";
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kMaxBackoff{20000};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The error an answer carries: `__type` (may be "prefix#Code") or x-amzn-ErrorType, and message.
ApiError SourceError(const http_client::Response& response) {
  std::string code, message;
  if (auto body = json::Parse(response.body); body && body->is_object()) {
    code = json::GetString(body->get_object(), "__type").value_or("");
    message = json::GetString(body->get_object(), "message")
                  .value_or(json::GetString(body->get_object(), "Message").value_or(""));
  }
  if (code.empty()) {
    if (const std::string* type = response.Header("x-amzn-errortype")) code = *type;
  }
  if (auto hash = code.find('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (code.empty()) code = "HTTP " + std::to_string(response.status);
  if (message.empty()) message = encoding::OneLine(response.body, 300);
  return ApiError(code, static_cast<HttpStatus>(response.status),
                  "the source answered " + code + ": " + encoding::OneLine(message, 500));
}

bool Retryable(unsigned status, const std::string& code) {
  return status >= 500 || status == 429 || code == "TooManyRequestsException" ||
         code == "ThrottlingException" || code == "LimitExceededException";
}

}  // namespace

bool IsRefusal(const ApiError& error) {
  const auto status = static_cast<unsigned>(error.sync_status());
  return status >= 400 && status < 500 && !Retryable(status, error.code()) &&
         error.code() != "ExternalServiceException";
}

SourceClient::SourceClient(SourceOptions options)
    : options_(std::move(options)), refilled_(std::chrono::steady_clock::now()) {}

SourceStats SourceClient::stats() const {
  return SourceStats{requests_.load(), throttled_.load(), retried_.load()};
}

void SourceClient::TakeToken() {
  const double rate = std::max(options_.rate, 0.01);
  while (true) {
    std::chrono::duration<double> wait{0};
    {
      MutexLock lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      const double elapsed = std::chrono::duration<double>(now - refilled_).count();
      // A burst of at most one second's worth.
      tokens_ = std::min(std::max(rate, 1.0), tokens_ + elapsed * rate);
      refilled_ = now;
      if (tokens_ >= 1) {
        tokens_ -= 1;
        return;
      }
      wait = std::chrono::duration<double>((1 - tokens_) / rate);
    }
    std::this_thread::sleep_for(wait);
  }
}

Result<boost::json::object> SourceClient::Identity(std::string_view operation,
                                                   const boost::json::object& input) {
  return Call(options_.identity_endpoint, "POST", "/", "",
              std::string(kIdentityTarget) + std::string(operation), boost::json::serialize(input),
              "cognito-identity");
}

Result<boost::json::object> SourceClient::SyncGet(std::string_view path, std::string_view query) {
  return Call(options_.sync_endpoint, "GET", std::string(path), std::string(query), "", "",
              "cognito-sync");
}

Result<boost::json::object> SourceClient::Call(std::string base, const std::string& method,
                                               const std::string& path, const std::string& query,
                                               const std::string& target, const std::string& body,
                                               const std::string& service) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  COGSYNC_ASSIGN_OR_RETURN(http_client::Url url, http_client::ParseUrl(base + path));
  std::mt19937_64 jitter(crypto::RandomU64());
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    TakeToken();
    http_client::Request request;
    request.method = method;
    request.url = base + path + (query.empty() ? "" : "?" + query);
    request.headers = {{"host", url.host_header}};
    if (!target.empty()) {
      request.headers.emplace_back("content-type", "application/x-amz-json-1.1");
      request.headers.emplace_back("x-amz-target", target);
    }
    request.body = body;
    auth::sigv4::SigningInput input;
    input.method = request.method;
    input.raw_path = path;
    input.raw_query = query;
    input.headers = &request.headers;
    input.body = request.body;
    COGSYNC_ASSIGN_OR_RETURN(
        auto added, auth::sigv4::SignRequest(input, options_.credentials, options_.region, service,
                                             NowSeconds()));
    for (auto& header : added) request.headers.push_back(std::move(header));
    http_client::Options http_options;
    http_options.timeout = options_.timeout;
    http_options.max_body_bytes = 16 << 20;
    ++requests_;
    auto response = http_client::Send(request, http_options);
    std::optional<ApiError> failure;
    if (!response.ok()) {
      failure = ApiError::ExternalService("the source could not be reached: " +
                                          response.error().message());
    } else if (response->status >= 200 && response->status < 300) {
      std::string error;
      auto parsed = json::Parse(response->body.empty() ? "{}" : response->body, &error);
      if (parsed && parsed->is_object()) return std::move(parsed->get_object());
      failure = ApiError::ExternalService("the source answered a body that is not a JSON object" +
                                          (error.empty() ? "" : ": " + error));
    } else {
      ApiError answered = SourceError(*response);
      if (answered.code() == "TooManyRequestsException") ++throttled_;
      if (!Retryable(response->status, answered.code())) return answered;
      failure = std::move(answered);
    }
    if (attempt >= options_.max_attempts) return *failure;
    ++retried_;
    std::uniform_int_distribution<int64_t> spread(backoff.count() / 2, backoff.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(spread(jitter)));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace cogsync::migrate
