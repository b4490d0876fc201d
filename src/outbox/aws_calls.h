#pragma once
// The outbound AWS API calls of the integrations (D25), each the real wire protocol, SigV4-signed
// with the operator's credentials for the configured endpoint:
//   Kinesis PutRecord            JSON 1.1, X-Amz-Target Kinesis_20131202.PutRecord, service kinesis
//   Lambda Invoke                REST, POST /2015-03-31/functions/<name>/invocations, service
//   lambda SNS CreatePlatformEndpoint   Query protocol (form body, XML answer), service sns SNS
//   Publish                  Query protocol
// Signing is injected (RequestSigner) so this layer stays below auth/, which owns SigV4.

#include <functional>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/error.h"
#include "common/http_client.h"

namespace cogsync::outbox {

// Adds the SigV4 headers for `service` to a request whose url, method, headers and body are final.
using RequestSigner =
    std::function<Status(http_client::Request& request, std::string_view service)>;

// How one outbound call ended. `reached` is false when no HTTP answer came at all (connection
// refused, DNS, timeout): the dispatcher then backs off the whole sink, not just the entry.
struct CallOutcome {
  bool ok = false;
  bool reached = false;
  bool timed_out = false;
  unsigned status = 0;
  std::string body;   // the answer's body
  std::string error;  // a description when !ok
  http_client::Headers headers;
};

class AwsCalls {
 public:
  AwsCalls(const Config& config, RequestSigner signer);

  CallOutcome KinesisPutRecord(std::string_view stream_name, std::string_view partition_key,
                               std::string_view data) const;
  // RequestResponse invocation of `function` (name or ARN) with `payload`.
  CallOutcome LambdaInvoke(std::string_view function, std::string_view payload,
                           int64_t timeout_ms) const;
  // The EndpointArn SNS answers (also for a token already registered with the application).
  Result<std::string> SnsCreatePlatformEndpoint(std::string_view application_arn,
                                                std::string_view token) const;
  CallOutcome SnsPublish(std::string_view target_arn, std::string_view message_json) const;

  // A plain (unsigned) JSON POST, for webhooks and trigger URLs.
  CallOutcome PostJson(std::string_view url, std::string_view body, int64_t timeout_ms) const;

 private:
  CallOutcome Call(http_client::Request request, std::string_view service,
                   int64_t timeout_ms) const;
  CallOutcome SnsQuery(std::string body) const;

  const IntegrationsConfig& settings_;
  RequestSigner signer_;
};

// The text of the first <tag>...</tag> in an XML answer (SNS), empty when absent.
std::string XmlElement(std::string_view xml, std::string_view tag);

}  // namespace cogsync::outbox
