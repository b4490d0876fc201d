// migrate::SourceClient against a tiny HTTP server: requests are SigV4-signed for the right
// service and verify with the same code that verifies incoming requests, throttling is retried
// after a back-off, and an error that is not retryable is returned at once with the source's code.

#include "migrate/source_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <string>

#include "migrate/source_reader.h"
#include "support/tiny_http_server.h"

namespace cogsync::migrate {
namespace {

std::string Answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

SourceOptions Options(const testing::TinyHttpServer& server) {
  SourceOptions o;
  o.identity_endpoint = o.sync_endpoint = server.Url("");
  o.region = "eu-west-1";
  o.credentials = {"AKIDMIGRATETEST00001", "migrate/test/secret", ""};
  o.rate = 1000;
  return o;
}

TEST(SourceClientTest, SignsIdentityCallsForCognitoIdentity) {
  testing::TinyHttpServer server(
      [](const std::string&) { return Answer(200, R"({"IdentityPools":[]})"); });
  SourceClient client(Options(server));
  auto answer = client.Identity("ListIdentityPools", boost::json::object{{"MaxResults", 60}});
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  const std::string head = Lower(server.last_head());
  EXPECT_NE(head.find("x-amz-target: awscognitoidentityservice.listidentitypools"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("credential=akidmigratetest00001/"), std::string::npos) << head;
  EXPECT_NE(head.find("/eu-west-1/cognito-identity/aws4_request"), std::string::npos) << head;
  EXPECT_EQ(client.stats().requests, 1);
}

TEST(SourceClientTest, SyncCallsAreSignedForCognitoSync) {
  testing::TinyHttpServer server([](const std::string&) { return Answer(200, "{}"); });
  SourceClient client(Options(server));
  ASSERT_TRUE(client.SyncGet("/identitypools/eu-west-1%3Aab/configuration", "").ok());
  const std::string head = server.last_head();
  EXPECT_EQ(head.rfind("GET /identitypools/eu-west-1%3Aab/configuration ", 0), 0u) << head;
  EXPECT_NE(head.find("/eu-west-1/cognito-sync/aws4_request"), std::string::npos) << head;
}

TEST(SourceClientTest, ThrottlingIsRetriedUntilAnAnswer) {
  std::atomic<int> calls{0};
  testing::TinyHttpServer server([&](const std::string&) {
    if (calls++ < 2) {
      return Answer(400, R"({"__type":"TooManyRequestsException","message":"Rate exceeded"})");
    }
    return Answer(200, R"({"Identities":[]})");
  });
  SourceClient client(Options(server));
  auto answer = client.Identity("ListIdentities", boost::json::object{});
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  EXPECT_EQ(client.stats().requests, 3);
  EXPECT_EQ(client.stats().throttled, 2);
  EXPECT_EQ(client.stats().retried, 2);
}

TEST(SourceClientTest, AnErrorThatIsNotRetryableComesBackAtOnce) {
  testing::TinyHttpServer server([](const std::string&) {
    return Answer(400,
                  R"({"__type":"com.amazonaws#ResourceNotFoundException","message":"no pool"})");
  });
  SourceClient client(Options(server));
  auto answer = client.Identity("DescribeIdentityPool", boost::json::object{});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code(), "ResourceNotFoundException");
  EXPECT_NE(answer.error().message().find("no pool"), std::string::npos);
  EXPECT_EQ(client.stats().requests, 1);
}

TEST(SourceClientTest, ServerErrorsGiveUpAfterMaxAttempts) {
  testing::TinyHttpServer server(
      [](const std::string&) { return Answer(500, R"({"__type":"InternalErrorException"})"); });
  SourceOptions options = Options(server);
  options.max_attempts = 2;
  SourceClient client(options);
  auto answer = client.Identity("ListIdentityPools", boost::json::object{});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code(), "InternalErrorException");
  EXPECT_EQ(client.stats().requests, 2);
}

TEST(SourceClientTest, OnlyAnAnswerARetryWouldNotChangeIsARefusal) {
  testing::TinyHttpServer server([](const std::string&) {
    return Answer(403, R"({"__type":"AccessDeniedException","message":"no"})");
  });
  SourceOptions options = Options(server);
  SourceClient client(options);
  auto refused = client.SyncGet("/identitypools/eu-west-1%3Aab/configuration", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsRefusal(refused.error()));
  EXPECT_FALSE(IsRefusal(ApiError::TooManyRequests("slow down")));
  EXPECT_FALSE(IsRefusal(ApiError::InternalError("500")));
  // A source that cannot be reached at all (its retries spent) is a failure, not a refusal.
  options.identity_endpoint = options.sync_endpoint = "http://127.0.0.1:1";
  options.max_attempts = 1;
  SourceClient unreachable(options);
  auto failed = unreachable.SyncGet("/identitypools/eu-west-1%3Aab/configuration", "");
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(IsRefusal(failed.error()));
}

TEST(SourceReaderTest, ARepeatedNextTokenEndsTheListingWithAnError) {
  std::atomic<int> calls{0};
  testing::TinyHttpServer server([&](const std::string&) {
    ++calls;
    return Answer(200, R"({"Datasets":[],"NextToken":"again"})");
  });
  SourceClient client(Options(server));
  auto listed = ListSourceDatasets(client, "eu-west-1:ab", "eu-west-1:cd");
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.error().message().find("ListDatasets gave a NextToken it had given before"),
            std::string::npos)
      << listed.error().message();
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace cogsync::migrate
