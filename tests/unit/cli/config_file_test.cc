// The config file's "integrations" section (D25): every key read, URLs checked at load, unknown
// keys and bad values refused with a message naming them.

#include "cli/config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace cogsync::cli {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  Status Load(const std::string& text, Config& config) {
    const std::string path = dir_.File("config.json");
    std::ofstream(path) << text;
    return ApplyConfigFile(path, config);
  }
  cogsync::testing::TempDir dir_{"config-test"};
};

TEST_F(ConfigFileTest, IntegrationsAreRead) {
  Config c;
  Status s = Load(R"({"integrations": {
      "aws_access_key_id": "AKID", "aws_secret_access_key": "secret", "aws_session_token": "tok",
      "kinesis_endpoint": "http://127.0.0.1:4567", "stream_files_dir": "/var/streams",
      "lambda_endpoint": "https://lambda.example", "trigger_timeout_ms": 1500,
      "sync_trigger_urls": {"arn:aws:lambda:us-east-1:000000000000:function:f": "http://h/f"},
      "sns_endpoint": "http://127.0.0.1:4568", "push-webhook-url": "http://127.0.0.1:9/push",
      "outbox_retry_initial_ms": 50, "outbox_retry_max_ms": 800, "outbox_poll_ms": 20,
      "request_timeout_ms": 3000, "push_max_age_ms": 60000}})",
                  c);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  const IntegrationsConfig& i = c.integrations;
  EXPECT_EQ(i.aws_access_key_id, "AKID");
  EXPECT_EQ(i.aws_secret_access_key, "secret");
  EXPECT_EQ(i.aws_session_token, "tok");
  EXPECT_EQ(i.kinesis_endpoint, "http://127.0.0.1:4567");
  EXPECT_EQ(i.stream_files_dir, "/var/streams");
  EXPECT_EQ(i.lambda_endpoint, "https://lambda.example");
  EXPECT_EQ(i.trigger_timeout_ms, 1500);
  ASSERT_EQ(i.sync_trigger_urls.size(), 1u);
  EXPECT_EQ(i.sync_trigger_urls[0].second, "http://h/f");
  EXPECT_EQ(i.sns_endpoint, "http://127.0.0.1:4568");
  EXPECT_EQ(i.push_webhook_url, "http://127.0.0.1:9/push");
  EXPECT_EQ(i.outbox_retry_initial_ms, 50);
  EXPECT_EQ(i.outbox_retry_max_ms, 800);
  EXPECT_EQ(i.outbox_poll_ms, 20);
  EXPECT_EQ(i.request_timeout_ms, 3000);
  EXPECT_EQ(i.push_max_age_ms, 60000);
}

// Issue 13: the bounds on outbound calls and the discovery document's hosts.
TEST_F(ConfigFileTest, OutboundBoundsAndDiscoveryHostsAreRead) {
  Config c;
  EXPECT_EQ(c.outbound_calls_per_pool, 4);
  EXPECT_EQ(c.outbound_calls_total, 0);
  Status s = Load(R"({"outbound_calls_per_pool": 2, "outbound-calls-total": 6,
                      "discovery_hosts": ["sync.example.com", "sync.example.com:8443"]})",
                  c);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(c.outbound_calls_per_pool, 2);
  EXPECT_EQ(c.outbound_calls_total, 6);
  EXPECT_EQ(c.discovery_hosts,
            (std::vector<std::string>{"sync.example.com", "sync.example.com:8443"}));
  Config bad;
  Status zero = Load(R"({"outbound_calls_per_pool": 0})", bad);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message().find("outbound_calls_per_pool"), std::string::npos);
  EXPECT_FALSE(Load(R"({"outbound_calls_total": -1})", bad).ok());
  EXPECT_FALSE(Load(R"({"discovery_hosts": "sync.example.com"})", bad).ok());
}

TEST_F(ConfigFileTest, BadIntegrationsAreRefused) {
  auto message = [&](const std::string& text) {
    Config c;
    Status s = Load(text, c);
    return s.ok() ? std::string() : s.error().message();
  };
  EXPECT_NE(
      message(R"({"integrations": {"kinesis_endpoint": "ftp://x"}})").find("kinesis_endpoint"),
      std::string::npos);
  EXPECT_NE(message(R"({"integrations": {"sync_trigger_urls": {"arn": "not a url"}}})")
                .find("sync_trigger_urls.arn"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"integrations": {"sync_trigger_urls": ["http://x"]}})").find("sync_trigger_urls"),
      std::string::npos);
  EXPECT_NE(message(R"({"integrations": {"trigger_timeout_ms": 0}})").find("positive"),
            std::string::npos);
  EXPECT_NE(message(R"({"integrations": {"push_max_age_ms": -5}})").find("positive"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"integrations": {"kinesis": "http://x"}})").find("unknown integrations setting"),
      std::string::npos);
  EXPECT_NE(message(R"({"integrations": "http://x"})").find("integrations must be an object"),
            std::string::npos);
}

}  // namespace
}  // namespace cogsync::cli
