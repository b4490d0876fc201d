#include "outbox/aws_calls.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/encoding.h"

namespace cogsync::outbox {
namespace {

constexpr std::string_view kSnsVersion = "2010-03-31";

std::string Trimmed(std::string_view endpoint) {
  std::string out(endpoint);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

void AddFormField(std::string& body, std::string_view name, std::string_view value) {
  if (!body.empty()) body += '&';
  body += encoding::UriEncode(name, false);
  body += '=';
  body += encoding::UriEncode(value, false);
}

}  // namespace

std::string XmlElement(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t begin = xml.find(open);
  if (begin == std::string_view::npos) return "";
  begin += open.size();
  size_t end = xml.find(close, begin);
  if (end == std::string_view::npos) return "";
  return std::string(xml.substr(begin, end - begin));
}

AwsCalls::AwsCalls(const Config& config, RequestSigner signer)
    : settings_(config.integrations), signer_(std::move(signer)) {}

CallOutcome AwsCalls::Call(http_client::Request request, std::string_view service,
                           int64_t timeout_ms) const {
  CallOutcome out;
  if (!service.empty()) {
    if (Status signed_ok = signer_(request, service); !signed_ok.ok()) {
      out.error = "signing failed: " + signed_ok.error().message();
      return out;
    }
  }
  http_client::Options options;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.max_body_bytes = 8 << 20;
  auto response = http_client::Send(request, options);
  if (!response.ok()) {
    out.timed_out = http_client::IsTimeout(response.error());
    out.error = encoding::OneLine(response.error().message());
    return out;
  }
  out.reached = true;
  out.status = response->status;
  out.body = std::move(response->body);
  out.headers = std::move(response->headers);
  out.ok = out.status >= 200 && out.status < 300;
  if (!out.ok) {
    out.error = request.url + " answered HTTP " + std::to_string(out.status) + ": " +
                encoding::OneLine(out.body, 300);
  }
  return out;
}

CallOutcome AwsCalls::KinesisPutRecord(std::string_view stream_name, std::string_view partition_key,
                                       std::string_view data) const {
  if (settings_.kinesis_endpoint.empty()) return CallOutcome{.error = "no kinesis_endpoint"};
  http_client::Request request;
  request.method = "POST";
  request.url = Trimmed(settings_.kinesis_endpoint) + "/";
  request.headers = {{"content-type", "application/x-amz-json-1.1"},
                     {"x-amz-target", "Kinesis_20131202.PutRecord"}};
  boost::json::object body{{"StreamName", stream_name},
                           {"Data", encoding::Base64(data)},
                           {"PartitionKey", partition_key}};
  request.body = boost::json::serialize(body);
  return Call(std::move(request), "kinesis", settings_.request_timeout_ms);
}

CallOutcome AwsCalls::LambdaInvoke(std::string_view function, std::string_view payload,
                                   int64_t timeout_ms) const {
  if (settings_.lambda_endpoint.empty()) return CallOutcome{.error = "no lambda_endpoint"};
  http_client::Request request;
  request.method = "POST";
  request.url = Trimmed(settings_.lambda_endpoint) + "/2015-03-31/functions/" +
                encoding::UriEncode(function, false) + "/invocations";
  request.headers = {{"content-type", "application/json"},
                     {"x-amz-invocation-type", "RequestResponse"}};
  request.body = std::string(payload);
  return Call(std::move(request), "lambda", timeout_ms);
}

CallOutcome AwsCalls::SnsQuery(std::string body) const {
  if (settings_.sns_endpoint.empty()) return CallOutcome{.error = "no sns_endpoint"};
  http_client::Request request;
  request.method = "POST";
  request.url = Trimmed(settings_.sns_endpoint) + "/";
  request.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = std::move(body);
  return Call(std::move(request), "sns", settings_.request_timeout_ms);
}

Result<std::string> AwsCalls::SnsCreatePlatformEndpoint(std::string_view application_arn,
                                                        std::string_view token) const {
  std::string body;
  AddFormField(body, "Action", "CreatePlatformEndpoint");
  AddFormField(body, "Version", kSnsVersion);
  AddFormField(body, "PlatformApplicationArn", application_arn);
  AddFormField(body, "Token", token);
  CallOutcome out = SnsQuery(std::move(body));
  if (!out.ok) {
    const std::string code = XmlElement(out.body, "Code");
    std::string why = code.empty() ? out.error : code + ": " + XmlElement(out.body, "Message");
    // An application SNS does not know is the pool's configuration, not a server fault. What
    // SNS said goes to the log only (ApiError::detail), never to the app user.
    if (code == "NotFound" || code == "InvalidParameter") {
      return ApiError::InvalidConfiguration(
                 "SNS refused to create a platform endpoint for the identity pool's push "
                 "application.")
          .WithDetail("SNS CreatePlatformEndpoint: " + why);
    }
    return ApiError::InternalError("The push service could not register the device.")
        .WithDetail("SNS CreatePlatformEndpoint: " + why);
  }
  std::string arn = XmlElement(out.body, "EndpointArn");
  if (arn.empty()) {
    return ApiError::InternalError("The push service could not register the device.")
        .WithDetail("SNS CreatePlatformEndpoint answered without an EndpointArn");
  }
  return arn;
}

CallOutcome AwsCalls::SnsPublish(std::string_view target_arn, std::string_view message_json) const {
  std::string body;
  AddFormField(body, "Action", "Publish");
  AddFormField(body, "Version", kSnsVersion);
  AddFormField(body, "TargetArn", target_arn);
  AddFormField(body, "MessageStructure", "json");
  AddFormField(body, "Message", message_json);
  return SnsQuery(std::move(body));
}

CallOutcome AwsCalls::PostJson(std::string_view url, std::string_view body,
                               int64_t timeout_ms) const {
  http_client::Request request;
  request.method = "POST";
  request.url = std::string(url);
  request.headers = {{"content-type", "application/json"}};
  request.body = std::string(body);
  return Call(std::move(request), "", timeout_ms);
}

}  // namespace cogsync::outbox
