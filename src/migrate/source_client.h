#pragma once
// The migration's view of the source (issue 15, D29): Amazon Cognito, or anything that speaks its
// API, read with developer (IAM) credentials over the public Cognito Identity (JSON 1.1, service
// cognito-identity) and Cognito Sync (REST-JSON, service cognito-sync) APIs, every request SigV4-
// signed by auth/sigv4 (the same canonicalisation that verifies incoming requests).
//
// Polite: every request first takes a token from a bucket refilled at `rate` requests per second
// (shared by all threads that use the client), and a TooManyRequestsException, a 5xx, a timeout or
// a dropped connection is retried after an exponential back-off with jitter (200 ms doubling,
// at most 20 s, up to `max_attempts` attempts). Other errors are returned as the source's
// ApiError (its code and message) without a retry.
//
// Thread-safe: workers share one client.

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "common/error.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace cogsync::migrate {

struct SourceOptions {
  // http(s)://host[:port] of each service (the same URL for a cogsync source; AWS has
  // cognito-identity.REGION.amazonaws.com and cognito-sync.REGION.amazonaws.com).
  std::string identity_endpoint;
  std::string sync_endpoint;
  std::string region;  // signing region
  auth::sigv4::Credentials credentials;
  double rate = 10;  // requests per second, all workers together
  int max_attempts = 8;
  std::chrono::milliseconds timeout{20000};
};

struct SourceStats {
  int64_t requests = 0;   // every attempt sent
  int64_t throttled = 0;  // TooManyRequestsException answers
  int64_t retried = 0;    // attempts after a retryable failure
};

// True when `error` is the source's own answer that a retry would not change (a 4xx other than
// throttling: e.g. no such operation or no access to it), false for a failure that was retried
// (5xx, throttling, timeouts, dropped connections, a body that is not JSON).
bool IsRefusal(const ApiError& error);

class SourceClient {
 public:
  explicit SourceClient(SourceOptions options);

  // A Cognito Identity operation: POST / with X-Amz-Target AWSCognitoIdentityService.<op>.
  Result<boost::json::object> Identity(std::string_view operation,
                                       const boost::json::object& input);
  // A Cognito Sync GET: `path` is already URI-encoded, `query` likewise (may be empty).
  Result<boost::json::object> SyncGet(std::string_view path, std::string_view query);

  SourceStats stats() const;
  const SourceOptions& options() const { return options_; }

 private:
  Result<boost::json::object> Call(std::string base, const std::string& method,
                                   const std::string& path, const std::string& query,
                                   const std::string& target, const std::string& body,
                                   const std::string& service);
  void TakeToken();

  const SourceOptions options_;
  mutable Mutex mutex_;
  double tokens_ GUARDED_BY(mutex_) = 1;
  std::chrono::steady_clock::time_point refilled_ GUARDED_BY(mutex_);
  std::atomic<int64_t> requests_{0}, throttled_{0}, retried_{0};
};

}  // namespace cogsync::migrate
