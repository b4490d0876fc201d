#include "bench/sigv4_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "common/crypto.h"

namespace cogsync::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Whether the CPU has the SHA extensions OpenSSL uses for SHA-256 (x86: "sha_ni").
bool CpuHasShaInstructions() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0 || line.rfind("Features", 0) == 0) {
      return line.find(" sha_ni") != std::string::npos || line.find(" sha2") != std::string::npos;
    }
  }
  return false;
}

// Microseconds per call of `fn`, the best of `rounds` rounds of `iterations` calls: the least
// disturbed round on a shared machine.
template <typename Fn>
double MicrosPerCall(int iterations, int rounds, Fn&& fn) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) fn();
    const double us =
        std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
    best = std::min(best, us);
  }
  return best;
}

struct Case {
  const char* name;
  http::Request request;
  std::string service;
  std::string secret;
};

// The two requests of bench/stages.sh, as the load generator signs them: a signed ListRecords of
// a dataset (REST, identity credentials with a session token of a minted identity's size) and a
// DescribeIdentityPool (X-Amz-Target, a developer key).
std::vector<Case> Cases(int64_t now) {
  std::vector<Case> cases;
  {
    Case c{"identity credentials, ListRecords", {}, "cognito-sync", "identity-secret-0123456789"};
    c.request.method = "GET";
    c.request.target =
        "/identitypools/us-east-1%3A11111111-2222-3333-4444-555555555555/identities/"
        "us-east-1%3Aaaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/datasets/bench-dataset/records";
    c.request.headers = {{"host", "127.0.0.1:8080"}, {"user-agent", "cogsync-bench"}};
    auth::sigv4::Credentials credentials{"ASIABENCHIDENTITY000", c.secret,
                                         std::string(300, 'T')};  // a sealed token's size
    (void)auth::sigv4::SignHttpRequest(c.request, credentials, "us-east-1", c.service, now);
    cases.push_back(std::move(c));
  }
  {
    Case c{"developer key, DescribeIdentityPool",
           {},
           "cognito-identity",
           "bench-developer-secret-0123456789"};
    c.request.method = "POST";
    c.request.target = "/";
    c.request.headers = {{"host", "127.0.0.1:8080"},
                         {"content-type", "application/x-amz-json-1.1"},
                         {"x-amz-target", "AWSCognitoIdentityService.DescribeIdentityPool"}};
    c.request.body = R"({"IdentityPoolId":"us-east-1:11111111-2222-3333-4444-555555555555"})";
    auth::sigv4::Credentials credentials{"AKIDBENCHDEVELOPER00", c.secret, ""};
    (void)auth::sigv4::SignHttpRequest(c.request, credentials, "us-east-1", c.service, now);
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

int SigV4Bench(const SigV4BenchOptions& options) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::printf("SHA instructions (/proc/cpuinfo): %s\n", CpuHasShaInstructions() ? "yes" : "no");
  std::printf("%-40s %12s %12s\n", "verification", "us/verify", "hashes us");
  for (Case& c : Cases(now)) {
    const std::string secret = c.secret;
    auto lookup = [&secret](const auth::sigv4::CredentialRequest&) -> Result<std::string> {
      return secret;
    };
    auto verified = auth::sigv4::VerifyRequest(c.request, c.service, now, lookup);
    if (!verified.ok()) {
      std::fprintf(stderr, "sigv4: %s does not verify: %s\n", c.name,
                   verified.error().ToString().c_str());
      return 1;
    }
    size_t sink = 0;
    const double verify_us = MicrosPerCall(options.iterations, options.rounds, [&] {
      auto r = auth::sigv4::VerifyRequest(c.request, c.service, now, lookup);
      sink += r.ok() ? 1 : 0;
    });
    // The floor: the hashes any verification must compute. The payload, a canonical request of
    // this request's size (method, path, signed headers with the token, hashes), the string to
    // sign and its HMAC under a derived key.
    size_t canonical_bytes = c.request.method.size() + c.request.target.size() + 64 + 8;
    for (const auto& [name, value] : c.request.headers) {
      if (name != "authorization") canonical_bytes += name.size() + value.size() + 2;
    }
    const std::string canonical(canonical_bytes, 'c');
    const std::string to_sign(150, 's');
    const std::string key(32, 'k');
    const double hashes_us = MicrosPerCall(options.iterations, options.rounds, [&] {
      sink += crypto::Sha256Hex(c.request.body).size();
      sink += crypto::Sha256Hex(canonical).size();
      sink += crypto::HmacSha256(key, to_sign).size();
    });
    std::printf("%-40s %12.2f %12.2f\n", c.name, verify_us, hashes_us);
    std::printf("RESULT sigv4 case=\"%s\" us_per_verify=%.3f hashes_us=%.3f sink=%zu\n", c.name,
                verify_us, hashes_us, sink);
  }
  return 0;
}

}  // namespace cogsync::bench
