#pragma once
// The whole request pipeline in-process, without a socket: a temporary data directory, the model
// store (store/model/: in memory, no fsync; the SQL engines answer as it does, which the store's
// conformance and lockstep tests check), the services and the dispatcher, plus helpers that sign
// requests as SDKs do. The server secrets are stored before the application starts: a fresh
// token key per instance, and one RS256 key per test process (generating a 2,048-bit key is most
// of what starting an application costs).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/rsa_key.h"
#include "auth/sigv4.h"
#include "cli/app.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "store/model/model_store.h"

namespace cogsync::testing {

inline constexpr char kDeveloperKeyId[] = "AKIDTESTDEVELOPER0001";
inline constexpr char kDeveloperSecret[] = "test-developer-secret-0000000000000000000";

class InProcess {
 public:
  explicit InProcess(Config config = Config()) {
    dir_ = std::filesystem::temp_directory_path() / ("cogsync-test-" + ids::Uuid());
    config.data_dir = dir_.string();
    auto store = std::make_unique<store::model::ModelStore>();
    auto seeded = store->Write([](store::Txn& txn) -> Status {
      COGSYNC_RETURN_IF_ERROR(
          txn.PutSecret(cli::kTokenKeySecret, encoding::Hex(crypto::RandomBytes(32))));
      return txn.PutSecret(cli::kJwtKeySecret, SharedJwtKeyPem());
    });
    EXPECT_TRUE(seeded.ok());
    auto app = cli::Application::Create(config, std::move(store));
    if (!app.ok()) {
      ADD_FAILURE() << app.error().ToString();
      return;
    }
    app_ = std::move(app).value();
    store::AccessKey key{kDeveloperKeyId, kDeveloperSecret, "test-developer", 0};
    auto put = app_->store().Write([&](store::Txn& txn) { return txn.PutAccessKey(key); });
    EXPECT_TRUE(put.ok());
  }
  ~InProcess() {
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  cli::Application& app() { return *app_; }

  http::Response Send(http::Request request) {
    request.request_id = ids::Uuid();
    request.remote_address = "127.0.0.1";
    // As the server does: IsWrite() first, which routes an X-Amz-Target request once for Handle().
    (void)app_->dispatcher().IsWrite(request);
    return app_->dispatcher().Handle(request);
  }

  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A Cognito Identity request as the SDKs send it; signed with the developer key unless
  // `credentials` is null (the public operations are sent unsigned).
  http::Response Identity(const std::string& operation, const boost::json::object& body,
                          const auth::sigv4::Credentials* credentials = &developer_) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"host", "127.0.0.1:8080"},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "AWSCognitoIdentityService." + operation}};
    r.body = json::Write(body);
    if (credentials != nullptr) {
      EXPECT_TRUE(
          auth::sigv4::SignHttpRequest(r, *credentials, "us-east-1", "cognito-identity", Now())
              .ok());
    }
    return Send(std::move(r));
  }

  // A Cognito Sync REST request; `target` is the raw path and query as sent on the wire.
  http::Response Sync(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const auth::sigv4::Credentials* credentials = &developer_) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.headers = {{"host", "127.0.0.1:8080"}};
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    r.body = body;
    if (credentials != nullptr) {
      EXPECT_TRUE(
          auth::sigv4::SignHttpRequest(r, *credentials, "us-east-1", "cognito-sync", Now()).ok());
    }
    return Send(std::move(r));
  }

  // The body of a successful call as a JSON object (fails the test otherwise).
  boost::json::object IdentityOk(const std::string& operation, const boost::json::object& body,
                                 const auth::sigv4::Credentials* credentials = &developer_) {
    http::Response r = Identity(operation, body, credentials);
    EXPECT_EQ(r.status, 200) << operation << ": " << r.body;
    if (r.body.empty()) return {};
    auto parsed = json::Parse(r.body);
    return parsed && parsed->is_object() ? parsed->get_object() : boost::json::object();
  }

  static const auth::sigv4::Credentials& developer() { return developer_; }

 private:
  static const std::string& SharedJwtKeyPem() {
    static const std::string pem = [] {
      auto key = auth::RsaPrivateKey::Generate(2048);
      EXPECT_TRUE(key.ok());
      return key.ok() ? key->ToPem() : std::string();
    }();
    return pem;
  }

  static inline const auth::sigv4::Credentials developer_{kDeveloperKeyId, kDeveloperSecret, ""};
  std::filesystem::path dir_;
  std::unique_ptr<cli::Application> app_;
};

// The error code of a response (x-amzn-ErrorType), empty on success.
inline std::string ErrorCode(const http::Response& r) {
  for (const auto& [k, v] : r.headers) {
    if (k == "x-amzn-ErrorType") return v;
  }
  return "";
}

}  // namespace cogsync::testing
