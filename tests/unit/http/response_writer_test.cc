#include "http/response_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace cogsync::http::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(HttpServerResponseWriterTest, HeadCarriesFramingIdAndDateOnce) {
  Response response;
  response.status = 409;
  response.body = "{}";
  response.headers = {{"Content-Type", "application/json"},
                      {"Content-Length", "999"},  // the server owns framing
                      {"connection", "keep-alive"},
                      {"X-Amzn-RequestId", "from-handler"}};
  std::string out;
  AppendResponseHead(out, response, HeadContext{.request_id = "rid-1", .keep_alive = false});
  EXPECT_THAT(out, StartsWith("HTTP/1.1 409 Conflict\r\n"));
  EXPECT_THAT(out, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(out, HasSubstr("Content-Length: 2\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("999")));
  EXPECT_THAT(out, Not(HasSubstr("from-handler")));
  EXPECT_THAT(out, HasSubstr("x-amzn-RequestId: rid-1\r\n"));
  EXPECT_THAT(out, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("keep-alive")));
  EXPECT_THAT(out, HasSubstr(" GMT\r\n"));
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("Access-Control")));
}

TEST(HttpServerResponseWriterTest, Http10KeepAliveIsExplicit) {
  Response response;
  std::string out;
  AppendResponseHead(out, response, HeadContext{.request_id = "r", .http10 = true});
  EXPECT_THAT(out, HasSubstr("Connection: keep-alive\r\n"));
  EXPECT_THAT(out, HasSubstr("Content-Length: 0\r\n"));
}

TEST(HttpServerResponseWriterTest, HealthNamesNoProtocolError) {
  Response starting = HealthResponse(false);
  EXPECT_EQ(starting.status, 503);
  EXPECT_EQ(starting.body, R"({"status":"starting"})");
  EXPECT_TRUE(starting.error_code.empty());
  for (const auto& [name, value] : starting.headers) EXPECT_NE(name, "x-amzn-ErrorType");
  EXPECT_EQ(HealthResponse(true).status, 200);
}

TEST(HttpServerResponseWriterTest, CorsPolicy) {
  CorsPolicy any({"*"});
  EXPECT_EQ(any.AllowOrigin("http://a.test"), "*");
  EXPECT_EQ(any.AllowOrigin(""), "");
  CorsPolicy listed({"http://a.test", "https://b.test"});
  EXPECT_EQ(listed.AllowOrigin("https://b.test"), "https://b.test");
  EXPECT_EQ(listed.AllowOrigin("https://b.test.evil"), "");
  CorsPolicy none({});
  EXPECT_EQ(none.AllowOrigin("http://a.test"), "");
}

TEST(HttpServerResponseWriterTest, PreflightWithoutRequestedHeadersAllowsSdkHeaders) {
  Request request;
  request.method = "OPTIONS";
  Response response = PreflightResponse(request);
  std::string allow_headers;
  for (const auto& [name, value] : response.headers) {
    if (name == "Access-Control-Allow-Headers") allow_headers = value;
  }
  EXPECT_THAT(allow_headers, HasSubstr("X-Amz-Target"));
  EXPECT_THAT(allow_headers, HasSubstr("x-amz-security-token"));
  EXPECT_THAT(allow_headers, HasSubstr("amz-sdk-invocation-id"));
}

}  // namespace
}  // namespace cogsync::http::internal
