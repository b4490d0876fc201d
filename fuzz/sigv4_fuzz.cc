// The SigV4 front door: the Authorization header parser, every canonicalisation step and the
// whole verification of a request built from the input.

#include <cstdint>

#include "auth/sigv4.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cogsync;
  fuzz::FuzzInput in(data, size);
  std::string authorization = in.Field();
  std::string path = in.Field();
  std::string query = in.Field();
  std::string date = in.Field();
  std::string token = in.Field();
  std::string body = in.Rest();

  (void)auth::sigv4::ParseAuthorization(authorization);
  (void)auth::sigv4::CanonicalUri(path);
  (void)auth::sigv4::CanonicalQuery(query, true);

  http::Request r;
  r.method = "POST";
  r.target = query.empty() ? path : path + "?" + query;
  r.headers = {{"host", "127.0.0.1"}, {"x-amz-date", date}, {"authorization", authorization}};
  if (!token.empty()) r.headers.emplace_back("x-amz-security-token", token);
  r.body = body;
  auto lookup = [](const auth::sigv4::CredentialRequest& c) -> Result<std::string> {
    if (c.access_key_id == "AKIDEXAMPLE")
      return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return ApiError::UnrecognizedClient("The security token included in the request is invalid.");
  };
  (void)auth::sigv4::VerifyRequest(r, "cognito-sync", 1795460271, lookup);
  return 0;
}
