#pragma once
// AWS Signature Version 4 (AWS4-HMAC-SHA256), as a pure library: every step of the algorithm is
// a function of its own, the clock is a parameter, and the same code verifies incoming requests
// (the front door, docs/decisions.md D10) and signs outgoing ones (Kinesis, Lambda, SNS; tests and
// benchmarks).
//
// Entry points:
//   ParseAuthorization      the Authorization header -> its parts
//   CanonicalUri / CanonicalQuery / CanonicalHeaders / CanonicalRequest
//   CredentialScope / StringToSign / SigningKey / Signature
//   VerifyRequest           a whole http::Request, header or presigned-query form
//   SignRequest / PresignQuery   the client side
//
// The canonical URI is the raw request path URI-encoded once more (D10): '%3A' on the wire is
// '%253A' in the canonical request. That is what every non-S3 AWS service and every SDK does,
// so the same rule serves for signing outbound calls.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "http/message.h"

namespace cogsync::auth::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
// Allowed distance between X-Amz-Date and the server clock (AWS's value).
inline constexpr int64_t kMaxSkewSeconds = 15 * 60;
// Longest X-Amz-Expires a presigned request may ask for (7 days, AWS's limit).
inline constexpr int64_t kMaxPresignExpiresSeconds = 7 * 24 * 3600;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The parts of `AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/cognito-sync/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>`.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // yyyymmdd, as written in the credential scope (not yet checked)
  std::string region;
  std::string service;
  std::string terminator;                   // should be aws4_request; VerifyRequest checks it
  std::vector<std::string> signed_headers;  // lower-case, in the order given
  std::string signature;
};

// Parses the header the way AWS does: parameters separated by ',' with any spaces around them,
// in any order. Errors are IncompleteSignature with AWS's messages (missing parameters are all
// listed, followed by "Authorization=<header>"); an algorithm other than AWS4-HMAC-SHA256 is
// IncompleteSignature too.
Result<ParsedAuthorization> ParseAuthorization(std::string_view header);

// --- Canonicalisation, one function per step of the AWS algorithm -------------------------

// The raw request path exactly as received (not decoded), URI-encoded once more with every byte
// except A-Z a-z 0-9 - _ . ~ and '/' escaped. An empty path is "/". No dot-segment
// normalisation: what the client sent is what it signed.
std::string CanonicalUri(std::string_view raw_path);

// The raw query (after '?', not decoded): each name and value is percent-decoded ('+' stays a
// literal plus), re-encoded with the strict unreserved set, and the pairs sorted by name then
// value; a parameter without '=' becomes "name=". With drop_signature, X-Amz-Signature is left
// out (presigned requests). A malformed %-escape is kept as written (encoded again), so such a
// request simply fails to verify.
std::string CanonicalQuery(std::string_view raw_query, bool drop_signature = false);

// "name:value\n" for each signed header, in the order given. Values are trimmed and inner runs
// of spaces collapsed; repeated headers are joined with ','. Header names in `headers` are
// matched case-insensitively. A signed header absent from the request is InvalidSignature.
Result<std::string> CanonicalHeaders(const HeaderList& headers,
                                     const std::vector<std::string>& signed_headers);
inline Result<std::string> CanonicalHeaders(const http::Request& request,
                                            const std::vector<std::string>& signed_headers) {
  return CanonicalHeaders(request.headers, signed_headers);
}

// "host;x-amz-date" from {"host", "x-amz-date"}.
std::string SignedHeadersLine(const std::vector<std::string>& signed_headers);

// method \n uri \n query \n headers \n signed-headers \n payload-hash.
// `canonical_headers` is CanonicalHeaders' output (each line ends in '\n').
std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers_line, std::string_view payload_hash);

// yyyymmdd/region/service/aws4_request.
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(sha256(canonical request)).
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);

// The raw 32-byte key: HMAC chain over "AWS4"+secret, date, region, service, aws4_request.
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

// Lower-case hex HMAC-SHA256 of the string to sign under the signing key.
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// --- Verification --------------------------------------------------------------------------

// What the secret lookup is asked for. session_token is the x-amz-security-token header (or the
// X-Amz-Security-Token query parameter of a presigned request), empty when absent.
struct CredentialRequest {
  std::string access_key_id;
  std::string session_token;
  std::string region;
  std::string service;
};

// Returns the secret access key, or the error to answer with (the caller maps unknown keys to
// UnrecognizedClient "The security token included in the request is invalid." and expired
// session tokens to ExpiredToken). Called only after the request is well-formed, in time and
// correctly scoped, and at most once per request.
using SecretLookup = std::function<Result<std::string>(const CredentialRequest&)>;

struct VerifiedRequest {
  std::string access_key_id;
  std::string region;
  std::string service;
  std::string session_token;  // empty when none was sent
  std::string date;           // yyyymmdd of the credential scope
  std::string amz_date;       // X-Amz-Date as sent, yyyymmddThhmmssZ
  int64_t request_time = 0;   // X-Amz-Date in epoch seconds
  bool presigned = false;     // authenticated by query parameters rather than a header
};

// Verifies the request's signature at time `now_seconds`. The header form is used when an
// Authorization header is present, otherwise the presigned form (X-Amz-Algorithm, -Credential,
// -Date, -SignedHeaders, -Signature, optional -Security-Token and -Expires in the query).
// The payload hash is always computed from the body; x-amz-content-sha256 is never trusted.
// Errors (D10): none of either form -> MissingAuthenticationToken; malformed -> Incomplete-
// Signature; X-Amz-Date off by more than 15 minutes, a presigned request past X-Amz-Expires,
// a wrong credential scope, 'host' not signed, or a wrong signature -> InvalidSignature; the
// lookup's own error as returned.
Result<VerifiedRequest> VerifyRequest(const http::Request& request,
                                      std::string_view expected_service, int64_t now_seconds,
                                      const SecretLookup& lookup);

// --- Signing -------------------------------------------------------------------------------

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// What to sign. `raw_path` and `raw_query` are exactly what goes on the wire (already
// URI-encoded by the caller). `headers` must include host; any x-amz-date, x-amz-security-token
// or authorization already in it is ignored (the signer supplies them).
struct SigningInput {
  std::string_view method;
  std::string_view raw_path;
  std::string_view raw_query;
  const HeaderList* headers = nullptr;
  std::string_view body;
};

// Returns the headers to add to the request: x-amz-date, x-amz-security-token (when the
// credentials carry one) and authorization, in that order. Signs host, content-type and every
// x-amz-* header present. InternalError when there is no host header.
Result<HeaderList> SignRequest(const SigningInput& input, const Credentials& credentials,
                               std::string_view region, std::string_view service,
                               int64_t epoch_seconds);

// Signs an http::Request in place (target = path[?query]); replaces any earlier signature.
Status SignHttpRequest(http::Request& request, const Credentials& credentials,
                       std::string_view region, std::string_view service, int64_t epoch_seconds);

// The query string of a presigned request signing only host: `raw_query` (may be empty) plus
// the X-Amz-* parameters, X-Amz-Signature last.
Result<std::string> PresignQuery(const SigningInput& input, const Credentials& credentials,
                                 std::string_view region, std::string_view service,
                                 int64_t epoch_seconds, int64_t expires_seconds);

}  // namespace cogsync::auth::sigv4
