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

// D29: the migration section.
TEST_F(ConfigFileTest, MigrationIsRead) {
  Config c;
  Status s = Load(R"({"migration": {"source_region": "eu-west-1", "account_id": "123456789012",
      "window_end": "2027-03-01", "timeout_ms": 1500, "max_concurrent_forwards": 4}})",
                  c);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(c.migration.SourceUrl(), "https://cognito-identity.eu-west-1.amazonaws.com/");
  EXPECT_EQ(c.migration.account_id, "123456789012");
  EXPECT_EQ(c.migration.window_end_ms, 1803859200000);  // 2027-03-01T00:00:00Z
  EXPECT_EQ(c.migration.timeout_ms, 1500);
  EXPECT_EQ(c.migration.max_concurrent_forwards, 4);
  Config t;
  ASSERT_TRUE(Load(R"({"migration": {"source_endpoint": "http://127.0.0.1:9000/",
      "window_end": "2027-03-01T12:30:00Z"}})",
                   t)
                  .ok());
  EXPECT_EQ(t.migration.SourceUrl(), "http://127.0.0.1:9000/");
  EXPECT_EQ(t.migration.window_end_ms, 1803859200000 + (12 * 3600 + 30 * 60) * 1000);
}

TEST_F(ConfigFileTest, BadMigrationIsRefused) {
  auto message = [&](const std::string& text) {
    Config c;
    Status s = Load(text, c);
    return s.ok() ? std::string() : s.error().message();
  };
  EXPECT_NE(message(R"({"migration": {"window_end": "2027-03-01"}})").find("exactly one of"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_region": "us-east-1", "source_endpoint": "http://x",
      "window_end": "2027-03-01"}})")
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_region": "us-east-1"}})").find("window_end"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_region": "x/../y", "window_end": "2027-03-01"}})")
                .find("region name"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_endpoint": "ftp://x", "window_end": "2027-03-01"}})")
                .find("http"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_region": "us-east-1", "window_end": "March"}})")
                .find("UTC date"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source_region": "us-east-1", "window_end": "2027-03-01",
      "timeout_ms": 0}})")
                .find("timeout_ms"),
            std::string::npos);
  EXPECT_NE(message(R"({"migration": {"source": "x"}})").find("unknown migration setting"),
            std::string::npos);
}

TEST_F(ConfigFileTest, TokenVerifierHooksAreRead) {
  Config c;
  Status s = Load(R"({"login_providers": [{"name": "graph.facebook.com",
      "verifier_url": "https://graph.facebook.com/debug_token?input_token={token}&access_token=A",
      "verifier_method": "GET", "verifier_subject_pointer": "/data/user_id",
      "verifier_active_pointer": "/data/is_valid", "verifier_audience_pointer": "/data/app_id",
      "verifier_headers": {"x-k": "v"}, "verifier_timeout_ms": 900,
      "verifier_cache_seconds": 30, "verifier_cache_entries": 50}]})",
                  c);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(c.login_providers.size(), 1u);
  const LoginProviderConfig& p = c.login_providers[0];
  EXPECT_EQ(p.verifier_method, "GET");
  EXPECT_EQ(p.verifier_subject_pointer, "/data/user_id");
  EXPECT_EQ(p.verifier_active_pointer, "/data/is_valid");
  EXPECT_EQ(p.verifier_audience_pointer, "/data/app_id");
  ASSERT_EQ(p.verifier_headers.size(), 1u);
  EXPECT_EQ(p.verifier_headers[0].second, "v");
  EXPECT_EQ(p.verifier_timeout_ms, 900);
  EXPECT_EQ(p.verifier_cache_seconds, 30);
  EXPECT_EQ(p.verifier_cache_entries, 50);
}

TEST_F(ConfigFileTest, BadTokenVerifierHooksAreRefused) {
  auto message = [&](const std::string& provider) {
    Config c;
    Status s = Load(R"({"login_providers": [)" + provider + "]}", c);
    return s.ok() ? std::string() : s.error().message();
  };
  EXPECT_NE(message(R"({"name": "p", "verifier_url": "http://v", "jwks_url": "http://j"})")
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "p", "verifier_url": "http://v", "verifier_method": "PUT"})")
                .find("POST or GET"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "p", "verifier_url": "http://v", "verifier_method": "GET"})")
                .find("{token}"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"name": "p", "verifier_url": "http://v", "verifier_subject_pointer": "sub"})")
          .find("JSON pointers"),
      std::string::npos);
  EXPECT_NE(message(R"({"name": "p", "verifier_url": "http://v", "verifier_timeout_ms": 0})")
                .find("verifier_timeout_ms"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "p", "verifier_url": "http://v", "verifier_bogus": 1})")
                .find("unknown login provider key"),
            std::string::npos);
}

}  // namespace
}  // namespace cogsync::cli
