#include "protocol/wire.h"

#include <gtest/gtest.h>

#include <string>

namespace cogsync::protocol {
namespace {

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (k == name) return v;
  }
  return {};
}

http::Request RequestFor(std::string target, std::string amz_target = {}) {
  http::Request request;
  request.method = "POST";
  request.target = std::move(target);
  if (!amz_target.empty()) request.headers.emplace_back("x-amz-target", std::move(amz_target));
  return request;
}

TEST(WireTest, ServiceOfFollowsTargetAndPath) {
  EXPECT_EQ(ServiceOf(RequestFor("/", "AWSCognitoIdentityService.GetId")), Service::kIdentity);
  EXPECT_EQ(ServiceOf(RequestFor("/?x=1", "AWSCognitoIdentityService.Nope")), Service::kIdentity);
  EXPECT_EQ(ServiceOf(RequestFor("/", "AWSCognitoSyncService.ListDatasets")), Service::kSync);
  EXPECT_EQ(ServiceOf(RequestFor("/identitypools/p/identities/i/datasets")), Service::kSync);
  EXPECT_EQ(ServiceOf(http::Request{}), Service::kSync);  // nothing parsed: Sync's JSON
}

// Issue 16: the HTTP layer's refusals are encoded by protocol/wire.cc like every other error,
// with the status, code and content type of the protocol concerned (D1, D2).
TEST(WireTest, RejectionsBecomeAwsErrorsOfTheirProtocol) {
  struct Case {
    http::Rejection reason;
    int status;
    const char* code;
  };
  const Case cases[] = {
      {http::Rejection::kHeaderTooLarge, 431, "RequestEntityTooLargeException"},
      {http::Rejection::kBodyTooLarge, 413, "RequestEntityTooLargeException"},
      {http::Rejection::kBadFraming, 400, "SerializationException"},
      {http::Rejection::kTimeout, 408, "RequestTimeoutException"},
      {http::Rejection::kOverloaded, 503, "ServiceUnavailableException"},
      {http::Rejection::kPlainHttpOnTlsPort, 400, "BadRequestException"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    for (Service service : {Service::kIdentity, Service::kSync}) {
      http::Response r = EncodeError(service, RejectionError(c.reason));
      EXPECT_EQ(r.status, c.status);
      EXPECT_EQ(r.error_code, c.code);
      EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), c.code);
      EXPECT_EQ(HeaderOf(r, "Content-Type"),
                service == Service::kIdentity ? "application/x-amz-json-1.1" : "application/json");
      EXPECT_EQ(r.body.rfind(std::string(R"({"__type":")") + c.code + "\",\"message\":\"", 0), 0u)
          << r.body;
    }
  }
}

TEST(WireTest, ErrorMessagesAreEscaped) {
  http::Response r = EncodeError(Service::kSync, ApiError::RequestEntityTooLarge("say \"no\"\\\n"));
  EXPECT_EQ(r.body, R"({"__type":"RequestEntityTooLargeException","message":"say \"no\"\\\n"})");
}

}  // namespace
}  // namespace cogsync::protocol
