// The AWS Query protocol's decoder and STS's XML encoder (D27).

#include <gtest/gtest.h>

#include <string>

#include "common/json.h"
#include "protocol/query_decoder.h"
#include "protocol/query_wire.h"

namespace cogsync::protocol {
namespace {

TEST(QueryDecoder, DecodesPercentEscapesAndPlus) {
  auto params = DecodeQueryParameters(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%"
      "2Fr"
      "&RoleSessionName=a%2Bb&Note=two+words");
  ASSERT_TRUE(params.ok()) << params.error().ToString();
  EXPECT_EQ(json::GetString(*params, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(json::GetString(*params, "RoleArn"), "arn:aws:iam::1:role/r");
  EXPECT_EQ(json::GetString(*params, "RoleSessionName"), "a+b");
  EXPECT_EQ(json::GetString(*params, "Note"), "two words");
  EXPECT_EQ(params->size(), 5u);
}

TEST(QueryDecoder, EmptyPairsAreSkippedAndBareNamesHaveEmptyValues) {
  auto params = DecodeQueryParameters("&&Action=GetCallerIdentity&&Flag&");
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(json::GetString(*params, "Action"), "GetCallerIdentity");
  EXPECT_EQ(json::GetString(*params, "Flag"), "");
  EXPECT_EQ(params->size(), 2u);
  auto empty = DecodeQueryParameters("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

void ExpectMalformed(std::string_view form) {
  auto params = DecodeQueryParameters(form);
  ASSERT_FALSE(params.ok()) << form;
  EXPECT_EQ(params.error().code(), "MalformedQueryString");
  EXPECT_EQ(params.error().StatusFor(Service::kIdentity), HttpStatus::kBadRequest);
}

TEST(QueryDecoder, RefusesMalformedInput) {
  ExpectMalformed("Action=%zz");
  ExpectMalformed("Action=%4");
  ExpectMalformed("Action=%FF%FE");  // not UTF-8 once decoded
  ExpectMalformed("=value");         // no name
  ExpectMalformed("Action=A&Action=B");
  std::string many;
  for (size_t i = 0; i <= kMaxQueryParameters; ++i) many += "p" + std::to_string(i) + "=v&";
  ExpectMalformed(many);
}

TEST(QueryDecoder, FormContentTypes) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded; charset=utf-8"));
  EXPECT_TRUE(IsFormContentType(" Application/X-WWW-Form-Urlencoded ;charset=UTF-8"));
  EXPECT_FALSE(IsFormContentType("application/x-amz-json-1.1"));
  EXPECT_FALSE(IsFormContentType("application/x-www-form-urlencodedx"));
  EXPECT_FALSE(IsFormContentType(""));
}

TEST(QueryWire, OutputIsStsXml) {
  boost::json::object result{{"Credentials", boost::json::object{{"AccessKeyId", "ASIA1"}}},
                             {"Audience", "a<b&c"},
                             {"List", boost::json::array{"x", "y"}}};
  auto r = EncodeQueryOutput("AssumeRoleWithWebIdentity", result, "req-1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
      "  <AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
      "</Credentials><Audience>a&lt;b&amp;c</Audience><List><member>x</member>"
      "<member>y</member></List></AssumeRoleWithWebIdentityResult>\n"
      "  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
      "</AssumeRoleWithWebIdentityResponse>\n");
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].second, "text/xml");
}

TEST(QueryWire, ErrorsAreStsXmlWithStsNames) {
  auto r = EncodeQueryError(ApiError::UnrecognizedClient("bad <key>"), "req-2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code, "InvalidClientTokenId");
  EXPECT_EQ(r.body,
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
            "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidClientTokenId</Code>\n"
            "    <Message>bad &lt;key&gt;</Message>\n  </Error>\n"
            "  <RequestId>req-2</RequestId>\n</ErrorResponse>\n");
  EXPECT_EQ(EncodeQueryError(ApiError::InvalidSignature("x"), "r").error_code,
            "SignatureDoesNotMatch");
  auto expired = EncodeQueryError(ApiError::ExpiredToken("x"), "r");
  EXPECT_EQ(expired.error_code, "ExpiredToken");
  EXPECT_EQ(expired.status, 403);
  auto throttled = EncodeQueryError(ApiError::TooManyRequests("x"), "r");
  EXPECT_EQ(throttled.error_code, "Throttling");
  EXPECT_EQ(throttled.status, 400);
  auto internal = EncodeQueryError(ApiError::InternalError("boom"), "r");
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.error_code, "InternalFailure");
  EXPECT_NE(internal.body.find("<Type>Receiver</Type>"), std::string::npos);
  // STS's own errors keep their code and status.
  auto own = EncodeQueryError(
      ApiError("ExpiredTokenException", HttpStatus::kBadRequest, "Token expired", true), "r");
  EXPECT_EQ(own.status, 400);
  EXPECT_EQ(own.error_code, "ExpiredTokenException");
}

TEST(QueryWire, ControlCharactersNeverReachTheXml) {
  auto r = EncodeQueryError(ApiError("ValidationError", HttpStatus::kBadRequest,
                                     std::string("a\x01"
                                                 "b\rc"),
                                     true),
                            "r");
  EXPECT_NE(r.body.find("<Message>a\xEF\xBF\xBD"
                        "b&#13;c</Message>"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace cogsync::protocol
