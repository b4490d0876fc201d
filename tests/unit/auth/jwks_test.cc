#include "auth/jwks.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "auth/jwt.h"
#include "auth/rsa_key.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/http_client.h"
#include "common/json.h"
#include "support/tiny_http_server.h"

namespace cogsync::auth {
namespace {

using testing::TinyHttpServer;

namespace bj = boost::json;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr int64_t kStartMs = 1700000000000;

const RsaPrivateKey& KeyA() {
  static const RsaPrivateKey* key = new RsaPrivateKey(RsaPrivateKey::Generate().value());
  return *key;
}
const RsaPrivateKey& KeyB() {
  static const RsaPrivateKey* key = new RsaPrivateKey(RsaPrivateKey::Generate().value());
  return *key;
}

std::string JwksText(std::vector<const RsaPrivateKey*> keys) {
  bj::array list;
  for (const auto* key : keys) list.push_back(key->PublicJwk());
  return json::Write(bj::object{{"keys", std::move(list)}});
}

std::string TokenAt(const RsaPrivateKey& key, int64_t now_seconds) {
  return SignJwt(key, bj::object{{"iss", "https://issuer.example"},
                                 {"aud", "client"},
                                 {"sub", "user-1"},
                                 {"iat", now_seconds},
                                 {"exp", now_seconds + 3600}});
}

VerifyOptions Options() {
  VerifyOptions options;
  options.issuer = "https://issuer.example";
  options.audiences = {"client"};
  return options;
}

// A 1024-bit RSA public key as a JWK (too short to be trusted).
bj::object SmallRsaJwk() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(key, "n", &n);
  std::string bytes(size_t(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(n);
  EVP_PKEY_free(key);
  return {{"kty", "RSA"}, {"kid", "small"}, {"n", encoding::Base64Url(bytes)}, {"e", "AQAB"}};
}

// ---- Jwks ----

TEST(Jwks, KeepsUsableKeysAndSkipsTheRest) {
  bj::object enc = KeyB().PublicJwk();
  enc["use"] = "enc";
  enc["kid"] = "encryption";
  bj::array keys{
      KeyA().PublicJwk(),
      bj::object{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
      bj::object{{"kty", "OKP"}, {"kid", "ed"}, {"crv", "Ed25519"}, {"x", "AAAA"}},
      bj::object{{"kty", "EC"}, {"kid", "p521"}, {"crv", "P-521"}, {"x", "AA"}, {"y", "AA"}},
      enc,
      SmallRsaJwk(),
      bj::object{{"kty", "EC"},
                 {"kid", "p256"},
                 {"crv", "P-256"},
                 {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                 {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}},
  };
  auto jwks = Jwks::Parse(json::Write(bj::object{{"keys", keys}}));
  ASSERT_TRUE(jwks.ok()) << jwks.error().ToString();
  ASSERT_EQ(jwks->size(), 2u);
  EXPECT_NE(jwks->Find(KeyA().Kid()), nullptr);
  EXPECT_EQ(jwks->FindKey(KeyA().Kid())->type, Jwks::KeyType::kRsa);
  EXPECT_EQ(jwks->FindKey(KeyA().Kid())->alg, "RS256");
  EXPECT_NE(jwks->Find("p256"), nullptr);
  EXPECT_EQ(jwks->FindKey("p256")->type, Jwks::KeyType::kEcP256);
  EXPECT_EQ(jwks->Find("hmac"), nullptr);
  EXPECT_EQ(jwks->Find("small"), nullptr);
  EXPECT_EQ(jwks->Find("encryption"), nullptr);
  EXPECT_EQ(jwks->Find("nope"), nullptr);
  // The parsed key is the real public key: same parameters as the private key's.
  EXPECT_EQ(EVP_PKEY_eq(jwks->Find(KeyA().Kid()), KeyA().pkey()), 1);
}

TEST(Jwks, RejectsMalformedDocuments) {
  for (std::string_view bad : {
           "",
           "not json",
           "[]",
           R"({"keys":{}})",
           R"({"nokeys":[]})",
           R"({"keys":[1]})",
           R"({"keys":[{"n":"AQAB"}]})",
           R"({"keys":[{"kty":"RSA","e":"AQAB"}]})",
           R"({"keys":[{"kty":"RSA","n":"!!","e":"AQAB"}]})",
           R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})",
           R"({"keys":[{"kty":"RSA","kid":7,"n":"AQAB","e":"AQAB"}]})",
       }) {
    auto jwks = Jwks::Parse(bad);
    ASSERT_FALSE(jwks.ok()) << bad;
    EXPECT_EQ(jwks.error().code(), "InvalidParameterException");
    EXPECT_TRUE(jwks.error().message().starts_with("Invalid JWKS: ")) << jwks.error().message();
  }
  // A P-256 point that is not on the curve.
  auto off_curve = Jwks::Parse(
      R"({"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
      R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"}]})");
  EXPECT_FALSE(off_curve.ok());
  EXPECT_EQ(Jwks::Parse(R"({"keys":[]})")->size(), 0u);
}

// ---- JwksSource over a file ----

class JwksSourceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cogsync-jwks-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "jwks.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  std::filesystem::path dir_;
  std::string path_;
  ManualClock clock_{kStartMs};
};

TEST_F(JwksSourceFileTest, LoadsOnceAndRefreshesAfterTheInterval) {
  Write(JwksText({&KeyA()}));
  JwksSource source(path_, clock_);
  EXPECT_EQ(source.fetch_count(), 0);
  for (int i = 0; i < 3; ++i) {
    auto claims = source.Verify(TokenAt(KeyA(), clock_.NowSeconds()), Options());
    ASSERT_TRUE(claims.ok()) << claims.error().ToString();
    EXPECT_EQ(claims->at("sub"), "user-1");
  }
  EXPECT_EQ(source.fetch_count(), 1);

  // The provider rotates to key B; after an hour the set is read again on its own.
  Write(JwksText({&KeyB()}));
  clock_.Advance(3599 * 1000);
  auto keys = source.Keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_NE((*keys)->Find(KeyA().Kid()), nullptr);
  EXPECT_EQ(source.fetch_count(), 1);
  clock_.Advance(1000);
  keys = source.Keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ((*keys)->Find(KeyA().Kid()), nullptr);
  EXPECT_NE((*keys)->Find(KeyB().Kid()), nullptr);
  EXPECT_EQ(source.fetch_count(), 2);
}

TEST_F(JwksSourceFileTest, UnknownKidRefetchesAtMostOncePerMinute) {
  Write(JwksText({&KeyA()}));
  JwksSource source(path_, clock_);
  ASSERT_TRUE(source.Keys().ok());
  EXPECT_EQ(source.fetch_count(), 1);

  Write(JwksText({&KeyA(), &KeyB()}));
  clock_.Advance(10 * 1000);
  // Too soon after the last fetch: no refetch, the unknown kid is refused.
  auto early = source.Verify(TokenAt(KeyB(), clock_.NowSeconds()), Options());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().message(),
            "Invalid login token. Couldn't verify signed token. Unknown key id.");
  EXPECT_EQ(source.fetch_count(), 1);

  clock_.Advance(50 * 1000);
  auto claims = source.Verify(TokenAt(KeyB(), clock_.NowSeconds()), Options());
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(source.fetch_count(), 2);
  // A made-up kid right after costs nothing more.
  std::string input =
      encoding::Base64Url(R"({"alg":"RS256","kid":"made-up"})") + "." +
      encoding::Base64Url(json::Write(bj::object{{"exp", clock_.NowSeconds() + 60}}));
  std::string made_up = input + "." + encoding::Base64Url(KeyA().SignRs256(input));
  EXPECT_FALSE(source.Verify(made_up, {}).ok());
  EXPECT_EQ(source.fetch_count(), 2);
}

TEST_F(JwksSourceFileTest, FailedRefreshKeepsThePreviousKeys) {
  Write(JwksText({&KeyA()}));
  JwksSource source(path_, clock_);
  ASSERT_TRUE(source.Keys().ok());
  Write("{broken");
  clock_.Advance(3600 * 1000);
  auto keys = source.Keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_NE((*keys)->Find(KeyA().Kid()), nullptr);
  EXPECT_EQ(source.fetch_count(), 2);
  // Retried after the back-off, not on every call.
  EXPECT_TRUE(source.Keys().ok());
  EXPECT_EQ(source.fetch_count(), 2);
  Write(JwksText({&KeyB()}));
  clock_.Advance(60 * 1000);
  keys = source.Keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_NE((*keys)->Find(KeyB().Kid()), nullptr);
  EXPECT_EQ(source.fetch_count(), 3);
}

TEST_F(JwksSourceFileTest, MissingOrBadFileIsAnInternalErrorRetriedAfterBackOff) {
  JwksSource source(path_, clock_);
  auto missing = source.Keys();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "InternalErrorException");
  EXPECT_FALSE(source.Verify(TokenAt(KeyA(), clock_.NowSeconds()), Options()).ok());
  EXPECT_EQ(source.fetch_count(), 1);

  Write("{\"keys\":7}");
  clock_.Advance(60 * 1000);
  auto bad = source.Keys();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "InternalErrorException");
  // Issue 13 finding 8: the reason and the path are for the log, not for anonymous callers.
  EXPECT_NE(bad.error().detail().find("Invalid JWKS"), std::string::npos);
  EXPECT_NE(bad.error().detail().find(path_), std::string::npos);
  EXPECT_EQ(bad.error().message().find(path_), std::string::npos) << bad.error().message();
  EXPECT_EQ(source.fetch_count(), 2);

  Write(JwksText({&KeyA()}));
  clock_.Advance(60 * 1000);
  EXPECT_TRUE(source.Verify(TokenAt(KeyA(), clock_.NowSeconds()), Options()).ok());
}

TEST_F(JwksSourceFileTest, ManyThreadsVerifyConcurrently) {
  Write(JwksText({&KeyA(), &KeyB()}));
  JwksSource source(path_, clock_);
  const std::string token_a = TokenAt(KeyA(), clock_.NowSeconds());
  const std::string token_b = TokenAt(KeyB(), clock_.NowSeconds());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (source.Verify((t + i) % 2 ? token_a : token_b, Options()).ok()) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(source.fetch_count(), 1);
}

// ---- JwksSource over HTTP ----

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(JwksSourceHttp, FetchesKeysFromAUrl) {
  std::mutex mu;
  std::string body = JwksText({&KeyA()});
  TinyHttpServer server([&](const std::string&) -> std::optional<std::string> {
    std::lock_guard lock(mu);
    return Ok(body);
  });
  ManualClock clock(kStartMs);
  JwksSource source(server.Url("/.well-known/jwks.json?x=1"), clock);
  auto claims = source.Verify(TokenAt(KeyA(), clock.NowSeconds()), Options());
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(server.requests(), 1);
  EXPECT_TRUE(server.last_head().starts_with("GET /.well-known/jwks.json?x=1 HTTP/1.1\r\n"))
      << server.last_head();
  EXPECT_NE(server.last_head().find("Host: 127.0.0.1:"), std::string::npos);

  // Rotation seen through the unknown-kid refetch once a minute has passed.
  {
    std::lock_guard lock(mu);
    body = JwksText({&KeyB()});
  }
  clock.Advance(61 * 1000);
  claims = source.Verify(TokenAt(KeyB(), clock.NowSeconds()), Options());
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(server.requests(), 2);
}

TEST(JwksSourceHttp, HttpErrorsAreExternalServiceErrors) {
  TinyHttpServer server([](const std::string& head) -> std::optional<std::string> {
    if (head.starts_with("GET /bad-json ")) return Ok("<html>");
    return std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  ManualClock clock(kStartMs);
  JwksSource missing(server.Url("/missing"), clock);
  auto keys = missing.Keys();
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code(), "ExternalServiceException");
  EXPECT_NE(keys.error().detail().find("HTTP status 404"), std::string::npos)
      << keys.error().detail();
  EXPECT_EQ(keys.error().message().find("127.0.0.1"), std::string::npos) << keys.error().message();

  JwksSource bad(server.Url("/bad-json"), clock);
  keys = bad.Keys();
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code(), "ExternalServiceException");
  EXPECT_NE(keys.error().detail().find("Invalid JWKS"), std::string::npos);
}

TEST(JwksSourceHttp, FetchTimesOut) {
  TinyHttpServer server([](const std::string&) -> std::optional<std::string> {
    return std::nullopt;  // never answers
  });
  ManualClock clock(kStartMs);
  JwksSourceOptions options;
  options.fetch_timeout = std::chrono::milliseconds(300);
  JwksSource source(server.Url("/slow"), clock, options);
  auto started = std::chrono::steady_clock::now();
  auto keys = source.Keys();
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code(), "ExternalServiceException");
  EXPECT_NE(keys.error().detail().find("timed out"), std::string::npos);
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

// Issue 13 finding 5: while a fetch hangs, a pool at its bound of waiting calls does not queue
// more of them behind it (each would hold a worker thread): they fail at once with
// TooManyRequests; another pool still gets its share.
TEST(JwksSourceHttp, WaitersForAHangingFetchAreBoundedPerPool) {
  TinyHttpServer server([](const std::string&) -> std::optional<std::string> {
    return std::nullopt;  // never answers
  });
  ManualClock clock(kStartMs);
  JwksSourceOptions options;
  options.fetch_timeout = std::chrono::milliseconds(2000);
  JwksSource source(server.Url("/hangs"), clock, options);
  OutboundLimiter limiter(/*per_pool=*/1, /*total=*/8);
  const std::string token = TokenAt(KeyA(), clock.NowSeconds());
  Result<boost::json::object> first = ApiError::InternalError("not run");
  std::thread fetching([&] { first = source.Verify(token, Options(), &limiter, "pool-a"); });
  while (limiter.in_flight() == 0) std::this_thread::yield();

  auto refused = source.Verify(token, Options(), &limiter, "pool-a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "TooManyRequestsException");
  EXPECT_EQ(limiter.refused(), 1);
  // Another pool may still wait (it takes its own permit, then the fetch's result).
  auto other = source.Verify(token, Options(), &limiter, "pool-b");
  fetching.join();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code(), "ExternalServiceException");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), "ExternalServiceException");
  EXPECT_EQ(limiter.in_flight(), 0u);
  EXPECT_EQ(source.fetch_count(), 1);
}

TEST(JwksSourceHttp, HttpGetRefusesOtherSchemesAndLargeBodies) {
  EXPECT_EQ(http_client::Get("ftp://example.com/jwks").error().code(), "ExternalServiceException");
  EXPECT_FALSE(http_client::Get("not a url").ok());
  TinyHttpServer server(
      [](const std::string&) -> std::optional<std::string> { return Ok(std::string(5000, 'x')); });
  http_client::Options options;
  options.max_body_bytes = 1000;
  EXPECT_FALSE(http_client::Get(server.Url("/"), options).ok());
  options.max_body_bytes = 5000;
  auto body = http_client::Get(server.Url("/"), options);
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(body->size(), 5000u);
}

TEST(JwksSourceHttp, ConnectionRefusedIsAnError) {
  unsigned short port;
  {
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens there now
  auto body = http_client::Get("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().message().find("cannot connect"), std::string::npos)
      << body.error().message();
}

}  // namespace
}  // namespace cogsync::auth
