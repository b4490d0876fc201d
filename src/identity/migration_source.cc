#include "identity/migration_source.h"

#include <chrono>

#include "common/http_client.h"
#include "common/json.h"

namespace cogsync::identity {
namespace {

namespace bj = boost::json;

// Error codes with which the source says it does not know the login (or the pool).
bool MeansUnknown(std::string_view code) {
  return code == "NotAuthorizedException" || code == "ResourceNotFoundException" ||
         code == "InvalidParameterException";
}

class HttpMigrationSource final : public MigrationSource {
 public:
  explicit HttpMigrationSource(const MigrationConfig& config)
      : url_(config.SourceUrl()), account_id_(config.account_id), timeout_(config.timeout_ms) {}

  Result<SourceAnswer> GetId(std::string_view pool_id, const bj::object& logins) override {
    bj::object body{{"IdentityPoolId", pool_id}, {"Logins", logins}};
    if (!account_id_.empty()) body["AccountId"] = account_id_;
    http_client::Request request;
    request.method = "POST";
    request.url = url_;
    request.headers = {{"content-type", "application/x-amz-json-1.1"},
                       {"x-amz-target", "AWSCognitoIdentityService.GetId"}};
    request.body = json::Write(body);
    http_client::Options options;
    options.timeout = timeout_;
    options.max_body_bytes = 64 * 1024;
    COGSYNC_ASSIGN_OR_RETURN(auto response, http_client::Send(request, options));
    std::string error;
    auto parsed = json::Parse(response.body, &error);
    const bj::object* doc = parsed && parsed->is_object() ? &parsed->get_object() : nullptr;
    if (response.status == 200 && doc != nullptr) {
      auto id = json::GetString(*doc, "IdentityId");
      if (id && !id->empty()) return SourceAnswer{true, *id, ""};
    }
    std::string code;
    if (const std::string* header = response.Header("x-amzn-errortype")) code = *header;
    if (code.empty() && doc != nullptr) code = json::GetString(*doc, "__type").value_or("");
    // "com.amazonaws...#NotAuthorizedException" and "NotAuthorizedException:http://..." forms.
    if (size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
    if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
    if (response.status == 400 && MeansUnknown(code)) return SourceAnswer{false, "", code};
    return ApiError::ExternalService("The migration source answered GetId with HTTP " +
                                     std::to_string(response.status) +
                                     (code.empty() ? "" : " " + code));
  }

 private:
  std::string url_;
  std::string account_id_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<MigrationSource> MakeHttpMigrationSource(const MigrationConfig& config) {
  return std::make_unique<HttpMigrationSource>(config);
}

}  // namespace cogsync::identity
