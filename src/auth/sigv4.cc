#include "auth/sigv4.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

#include "common/ascii.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/string_map.h"
#include "common/time_format.h"

namespace cogsync::auth::sigv4 {
namespace {

constexpr std::string_view kWhitespace = " \t";

// Query parameter names of the presigned form.
constexpr std::string_view kQueryAlgorithm = "X-Amz-Algorithm";
constexpr std::string_view kQueryCredential = "X-Amz-Credential";
constexpr std::string_view kQueryDate = "X-Amz-Date";
constexpr std::string_view kQueryExpires = "X-Amz-Expires";
constexpr std::string_view kQuerySignedHeaders = "X-Amz-SignedHeaders";
constexpr std::string_view kQuerySignature = "X-Amz-Signature";
constexpr std::string_view kQuerySecurityToken = "X-Amz-Security-Token";

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

// Appends the value trimmed, with each inner run of spaces and tabs made one space, as the SDKs
// do before signing. Runs of other characters are appended whole.
void AppendNormalizedHeaderValue(std::string& out, std::string_view value) {
  std::string_view rest = Trim(value);
  // Nearly every value has no inner blank (tokens, dates, hosts): two vectorised scans show it,
  // where find_first_of below would call memchr once per character.
  if (std::memchr(rest.data(), ' ', rest.size()) == nullptr &&
      std::memchr(rest.data(), '\t', rest.size()) == nullptr) {
    out.append(rest);
    return;
  }
  while (!rest.empty()) {
    size_t blank = rest.find_first_of(" \t");
    out.append(rest.substr(0, blank));
    if (blank == std::string_view::npos) return;
    out += ' ';
    // The value is trimmed, so the run is followed by something else.
    rest = rest.substr(rest.find_first_not_of(" \t", blank));
  }
}

void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  size_t q = target.find('?');
  *path = target.substr(0, q);
  *query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::string DecodeOrKeep(std::string_view text) {
  std::optional<std::string> decoded = encoding::PercentDecode(text, /*plus_as_space=*/false);
  return decoded ? *std::move(decoded) : std::string(text);
}

// The query as decoded (name, value) pairs, in the order given; empty segments ("a&&b") skipped.
std::vector<std::pair<std::string, std::string>> DecodeQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view segment = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (segment.empty()) continue;
    size_t eq = segment.find('=');
    std::string_view name = segment.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
    pairs.emplace_back(DecodeOrKeep(name), DecodeOrKeep(value));
  }
  return pairs;
}

// Splits on any of `separators`, dropping empty pieces.
// One pass over the characters: find_first_of would call memchr once per character.
std::vector<std::string_view> SplitAny(std::string_view s, std::string_view separators) {
  std::array<bool, 256> is_separator{};
  for (char c : separators) is_separator[static_cast<unsigned char>(c)] = true;
  std::vector<std::string_view> out;
  out.reserve(4);
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const bool boundary = i == s.size() || is_separator[static_cast<unsigned char>(s[i])];
    if (!boundary) continue;
    if (i > start) out.push_back(s.substr(start, i - start));
    start = i + 1;
  }
  return out;
}

// Fills the credential fields from "AKID/yyyymmdd/region/service/aws4_request". AWS ignores
// trailing slashes and requires exactly five elements otherwise.
Status ParseCredential(std::string_view credential, ParsedAuthorization* out) {
  std::string_view trimmed = credential;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  std::vector<std::string_view> parts;
  std::string_view rest = trimmed;
  while (true) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (parts.size() != 5) {
    return ApiError::IncompleteSignature(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(credential) + "'");
  }
  out->access_key_id = std::string(parts[0]);
  out->date = std::string(parts[1]);
  out->region = std::string(parts[2]);
  out->service = std::string(parts[3]);
  out->terminator = std::string(parts[4]);
  return OkStatus();
}

std::vector<std::string> ParseSignedHeaders(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view name : SplitAny(list, ";")) {
    std::string_view trimmed = Trim(name);
    if (!trimmed.empty()) out.push_back(ascii::ToLower(trimmed));
  }
  return out;
}

Status CheckAlgorithm(std::string_view algorithm) {
  if (algorithm == kAlgorithm) return OkStatus();
  return ApiError::IncompleteSignature("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                                       "' (only AWS4-HMAC-SHA256 for now). ");
}

constexpr std::string_view kMissingDateMessage =
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";

// The parser behind ParseAuthorization. AWS reports a missing X-Amz-Date in the same message as
// missing header parameters, so the verifier tells the parser whether the date is there.
Result<ParsedAuthorization> ParseAuthorizationImpl(std::string_view header, bool date_present) {
  std::string_view text = Trim(header);
  size_t space = text.find_first_of(kWhitespace);
  std::string_view algorithm = text.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : text.substr(space + 1);

  // Not a SigV4 header at all (e.g. SigV2's "AWS AKID:sig"): AWS answers that the SigV4
  // parameters are missing rather than complaining about its syntax.
  bool sigv4_family = algorithm.substr(0, 5) == "AWS4-";
  // The three parameters that matter; a repeated one counts with its last value.
  std::optional<std::string_view> credential, signature, signed_headers;
  if (sigv4_family) {
    // AWS splits the parameters on commas and on whitespace alike.
    for (std::string_view piece : SplitAny(rest, ", \t")) {
      size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        return ApiError::IncompleteSignature(
            "'" + std::string(piece) +
            "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
            std::string(header) + "'.");
      }
      std::string_view name = piece.substr(0, eq);
      std::string_view value = piece.substr(eq + 1);
      if (name == "Credential")
        credential = value;
      else if (name == "Signature")
        signature = value;
      else if (name == "SignedHeaders")
        signed_headers = value;
    }
  }

  std::string missing;
  if (!credential || credential->empty()) {
    missing += "Authorization header requires 'Credential' parameter. ";
  }
  if (!signature || signature->empty()) {
    missing += "Authorization header requires 'Signature' parameter. ";
  }
  // An empty SignedHeaders is syntactically fine; the 'host' rule rejects it later.
  if (!signed_headers) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!date_present) missing += kMissingDateMessage;
  if (!missing.empty()) {
    return ApiError::IncompleteSignature(missing + "Authorization=" + std::string(header));
  }
  COGSYNC_RETURN_IF_ERROR(CheckAlgorithm(algorithm));

  ParsedAuthorization parsed;
  COGSYNC_RETURN_IF_ERROR(ParseCredential(*credential, &parsed));
  parsed.signed_headers = ParseSignedHeaders(*signed_headers);
  parsed.signature = std::string(*signature);
  return parsed;
}

ApiError DateFormatError(std::string_view value) {
  return ApiError::IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" +
                                       std::string(value) +
                                       "'. See http://en.wikipedia.org/wiki/ISO_8601");
}

// AWS's ±15 minute rule, worded as AWS words it.
Status CheckSkew(std::string_view amz_date, int64_t request_time, int64_t now) {
  if (request_time < now - kMaxSkewSeconds) {
    return ApiError::InvalidSignature(
        "Signature expired: " + std::string(amz_date) + " is now earlier than " +
        timefmt::AmzDate(now - kMaxSkewSeconds) + " (" + timefmt::AmzDate(now) + " - 15 min.)");
  }
  if (request_time > now + kMaxSkewSeconds) {
    return ApiError::InvalidSignature(
        "Signature not yet current: " + std::string(amz_date) + " is still later than " +
        timefmt::AmzDate(now + kMaxSkewSeconds) + " (" + timefmt::AmzDate(now) + " + 15 min.)");
  }
  return OkStatus();
}

// Everything both forms agree on once their parameters are read.
struct AuthMaterial {
  ParsedAuthorization auth;
  std::string amz_date;
  int64_t request_time = 0;
  std::string session_token;
  bool presigned = false;
};

Result<AuthMaterial> FromHeader(const http::Request& request, std::string_view header,
                                int64_t now) {
  const std::string* date = request.Header("x-amz-date");
  AuthMaterial m;
  COGSYNC_ASSIGN_OR_RETURN(m.auth, ParseAuthorizationImpl(header, date != nullptr));
  m.amz_date = std::string(Trim(*date));
  std::optional<int64_t> time = timefmt::ParseAmzDate(m.amz_date);
  if (!time) return DateFormatError(m.amz_date);
  m.request_time = *time;
  COGSYNC_RETURN_IF_ERROR(CheckSkew(m.amz_date, m.request_time, now));
  if (const std::string* token = request.Header("x-amz-security-token")) {
    m.session_token = std::string(Trim(*token));
  }
  return m;
}

Result<AuthMaterial> FromQuery(const std::vector<std::pair<std::string, std::string>>& query,
                               int64_t now) {
  // First occurrence wins, like a lookup in the SDKs' query maps.
  std::map<std::string_view, std::string_view> params;
  for (const auto& [name, value] : query) params.emplace(name, value);
  auto get = [&](std::string_view name) -> const std::string_view* {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  };

  std::string missing;
  for (std::string_view name :
       {kQueryAlgorithm, kQueryCredential, kQuerySignature, kQuerySignedHeaders, kQueryDate}) {
    if (get(name) == nullptr) {
      missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
  }
  if (!missing.empty()) {
    return ApiError::IncompleteSignature(missing + "Re-examine the query-string parameters.");
  }
  COGSYNC_RETURN_IF_ERROR(CheckAlgorithm(*get(kQueryAlgorithm)));

  AuthMaterial m;
  m.presigned = true;
  COGSYNC_RETURN_IF_ERROR(ParseCredential(*get(kQueryCredential), &m.auth));
  m.auth.signed_headers = ParseSignedHeaders(*get(kQuerySignedHeaders));
  m.auth.signature = std::string(*get(kQuerySignature));
  m.amz_date = std::string(*get(kQueryDate));
  std::optional<int64_t> time = timefmt::ParseAmzDate(m.amz_date);
  if (!time) return DateFormatError(m.amz_date);
  m.request_time = *time;
  if (const std::string_view* token = get(kQuerySecurityToken)) m.session_token = *token;

  const std::string_view* expires_text = get(kQueryExpires);
  if (expires_text == nullptr) {
    // No lifetime given: the header form's window applies.
    COGSYNC_RETURN_IF_ERROR(CheckSkew(m.amz_date, m.request_time, now));
    return m;
  }
  int64_t expires = 0;
  auto [end, ec] =
      std::from_chars(expires_text->data(), expires_text->data() + expires_text->size(), expires);
  if (ec != std::errc() || end != expires_text->data() + expires_text->size() || expires < 0) {
    return ApiError::IncompleteSignature("X-Amz-Expires should be a number");
  }
  if (expires > kMaxPresignExpiresSeconds) {
    return ApiError::IncompleteSignature(
        "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  // Signed in the future beyond the usual skew: same answer as the header form.
  if (m.request_time > now + kMaxSkewSeconds) {
    COGSYNC_RETURN_IF_ERROR(CheckSkew(m.amz_date, m.request_time, now));
  }
  if (now > m.request_time + expires) {
    return ApiError::InvalidSignature("Signature expired: " + m.amz_date + " is now earlier than " +
                                      timefmt::AmzDate(now - expires) + " (" +
                                      timefmt::AmzDate(now) + " - " + std::to_string(expires) +
                                      " sec.)");
  }
  return m;
}

// The checks AWS makes on the credential scope, all reported together as AWS does.
Status CheckScope(const AuthMaterial& m, std::string_view expected_service) {
  const ParsedAuthorization& a = m.auth;
  if (std::find(a.signed_headers.begin(), a.signed_headers.end(), "host") ==
      a.signed_headers.end()) {
    return ApiError::InvalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  std::string problems;
  if (a.region.empty()) {
    problems += "Credential should be scoped to a valid region, not '" + a.region + "'. ";
  }
  if (a.service != expected_service) {
    problems +=
        "Credential should be scoped to correct service: '" + std::string(expected_service) + "'. ";
  }
  if (a.terminator != kTerminator) {
    problems += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                a.terminator + "'. ";
  }
  std::string_view request_day = std::string_view(m.amz_date).substr(0, 8);
  if (a.date != request_day) {
    problems +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        a.date + "' != '" + std::string(request_day) + "', from '" + m.amz_date + "'.";
  }
  if (!problems.empty()) return ApiError::InvalidSignature(problems);
  return OkStatus();
}

std::string AuthorizationValue(std::string_view access_key_id, std::string_view scope,
                               std::string_view signed_headers_line, std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  out += signed_headers_line;
  out += ", Signature=";
  out += signature;
  return out;
}

bool IsSignerOwnHeader(std::string_view lower_name) {
  return lower_name == "x-amz-date" || lower_name == "x-amz-security-token" ||
         lower_name == "authorization";
}

bool HasHost(const HeaderList& headers) {
  return std::any_of(headers.begin(), headers.end(),
                     [](const auto& h) { return ascii::ToLower(h.first) == "host"; });
}

// CredentialScope, appended to `out`.
void AppendCredentialScope(std::string& out, std::string_view date, std::string_view region,
                           std::string_view service) {
  out += date;
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += '/';
  out += kTerminator;
}

// CanonicalHeaders, appended to `out`.
Status AppendCanonicalHeaders(std::string& out, const HeaderList& headers,
                              const std::vector<std::string>& signed_headers) {
  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool found = false;
    for (const auto& [key, value] : headers) {
      if (!ascii::EqualsIgnoreCase(key, name)) continue;
      if (found) out += ',';
      AppendNormalizedHeaderValue(out, value);
      found = true;
    }
    if (!found) {
      return ApiError::InvalidSignature("The signed header '" + name +
                                        "' is missing from the request.");
    }
    out += '\n';
  }
  return OkStatus();
}

// The signing key changes once a day per credential, but deriving it is four HMACs: each thread
// keeps the keys it derived recently (bounded; cleared when full). A hit allocates nothing: the
// probe is built in a reused buffer. The reference is valid until this thread's next call.
const std::string& CachedSigningKey(std::string_view secret, std::string_view date,
                                    std::string_view region, std::string_view service) {
  constexpr size_t kMaxEntries = 256;
  thread_local StringMap<std::string> cache;
  thread_local std::string id;
  id.clear();
  id.append(secret)
      .append(1, '\n')
      .append(date)
      .append(1, '\n')
      .append(region)
      .append(1, '\n')
      .append(service);
  if (auto it = cache.find(std::string_view(id)); it != cache.end()) return it->second;
  if (cache.size() >= kMaxEntries) cache.clear();
  return cache.emplace(id, SigningKey(secret, date, region, service)).first->second;
}

// The canonical request of VerifyRequest, written into `out` (cleared first) with no
// intermediate strings: the same bytes as CanonicalRequest(method, CanonicalUri(path),
// CanonicalQuery(query, presigned), CanonicalHeaders(...), SignedHeadersLine(...),
// Sha256Hex(body)).
Status AppendCanonicalRequest(std::string& out, const http::Request& request, std::string_view path,
                              std::string_view raw_query, bool presigned,
                              const std::vector<std::string>& signed_headers) {
  out.clear();
  out += request.method;
  out += '\n';
  if (path.empty()) {
    out += '/';
  } else {
    out += encoding::UriEncode(path, /*keep_slash=*/true);
  }
  out += '\n';
  if (!raw_query.empty()) out += CanonicalQuery(raw_query, presigned);
  out += '\n';
  COGSYNC_RETURN_IF_ERROR(AppendCanonicalHeaders(out, request.headers, signed_headers));
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += crypto::Sha256Hex(request.body);
  return OkStatus();
}

}  // namespace

Result<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  return ParseAuthorizationImpl(header, /*date_present=*/true);
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  return encoding::UriEncode(raw_path, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : DecodeQuery(raw_query)) {
    if (drop_signature && name == kQuerySignature) continue;
    encoded.emplace_back(encoding::UriEncode(name, false), encoding::UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

Result<std::string> CanonicalHeaders(const HeaderList& headers,
                                     const std::vector<std::string>& signed_headers) {
  std::string out;
  out.reserve(256);
  COGSYNC_RETURN_IF_ERROR(AppendCanonicalHeaders(out, headers, signed_headers));
  return out;
}

std::string SignedHeadersLine(const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers_line, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers_line.size() + payload_hash.size() + 5);
  out += method;
  out += '\n';
  out += canonical_uri;
  out += '\n';
  out += canonical_query;
  out += '\n';
  out += canonical_headers;
  out += '\n';
  out += signed_headers_line;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out;
  AppendCredentialScope(out, date, region, service);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += credential_scope;
  out += '\n';
  out += crypto::Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string key = crypto::HmacSha256("AWS4" + std::string(secret), date);
  key = crypto::HmacSha256(key, region);
  key = crypto::HmacSha256(key, service);
  return crypto::HmacSha256(key, kTerminator);
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return encoding::Hex(crypto::HmacSha256(signing_key, string_to_sign));
}

Result<VerifiedRequest> VerifyRequest(const http::Request& request,
                                      std::string_view expected_service, int64_t now_seconds,
                                      const SecretLookup& lookup) {
  std::string_view path, raw_query;
  SplitTarget(request.target, &path, &raw_query);

  AuthMaterial m;
  if (const std::string* header = request.Header("authorization")) {
    COGSYNC_ASSIGN_OR_RETURN(m, FromHeader(request, *header, now_seconds));
  } else {
    std::vector<std::pair<std::string, std::string>> query = DecodeQuery(raw_query);
    bool presigned = std::any_of(query.begin(), query.end(), [](const auto& p) {
      return p.first == kQueryAlgorithm || p.first == kQueryCredential ||
             p.first == kQuerySignature;
    });
    if (!presigned) return ApiError::MissingAuthenticationToken("Missing Authentication Token");
    COGSYNC_ASSIGN_OR_RETURN(m, FromQuery(query, now_seconds));
  }
  COGSYNC_RETURN_IF_ERROR(CheckScope(m, expected_service));

  const ParsedAuthorization& a = m.auth;
  COGSYNC_ASSIGN_OR_RETURN(
      std::string secret,
      lookup(CredentialRequest{a.access_key_id, m.session_token, a.region, a.service}));

  // Built in this thread's buffers, reused from request to request: no allocation once warm.
  thread_local std::string canonical_request;
  COGSYNC_RETURN_IF_ERROR(AppendCanonicalRequest(canonical_request, request, path, raw_query,
                                                 m.presigned, a.signed_headers));
  thread_local std::string string_to_sign;
  string_to_sign.assign(kAlgorithm);
  string_to_sign += '\n';
  string_to_sign += m.amz_date;
  string_to_sign += '\n';
  AppendCredentialScope(string_to_sign, a.date, a.region, a.service);
  string_to_sign += '\n';
  string_to_sign += crypto::Sha256Hex(canonical_request);
  std::string expected =
      Signature(CachedSigningKey(secret, a.date, a.region, a.service), string_to_sign);
  if (!crypto::ConstantTimeEquals(expected, a.signature)) {
    return ApiError::InvalidSignature(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.\n\nThe Canonical String for this request should have been\n'" +
        canonical_request + "'\n\nThe String-to-Sign should have been\n'" + string_to_sign + "'\n");
  }

  VerifiedRequest out;
  out.access_key_id = a.access_key_id;
  out.region = a.region;
  out.service = a.service;
  out.session_token = std::move(m.session_token);
  out.date = a.date;
  out.amz_date = std::move(m.amz_date);
  out.request_time = m.request_time;
  out.presigned = m.presigned;
  return out;
}

Result<HeaderList> SignRequest(const SigningInput& input, const Credentials& credentials,
                               std::string_view region, std::string_view service,
                               int64_t epoch_seconds) {
  static const HeaderList kNoHeaders;
  const HeaderList& given = input.headers != nullptr ? *input.headers : kNoHeaders;
  if (!HasHost(given)) return ApiError::InternalError("SigV4: cannot sign without a host header");

  std::string amz_date = timefmt::AmzDate(epoch_seconds);
  HeaderList added;
  added.emplace_back("x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials.session_token);
  }

  HeaderList all;
  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : given) {
    std::string lower = ascii::ToLower(name);
    if (IsSignerOwnHeader(lower)) continue;
    if (lower == "host" || lower == "content-type" || lower.rfind("x-amz-", 0) == 0) {
      signed_headers.push_back(lower);
    }
    all.emplace_back(std::move(lower), value);
  }
  for (const auto& header : added) {
    signed_headers.push_back(header.first);
    all.push_back(header);
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  COGSYNC_ASSIGN_OR_RETURN(std::string canonical_headers, CanonicalHeaders(all, signed_headers));
  std::string line = SignedHeadersLine(signed_headers);
  std::string canonical_request =
      CanonicalRequest(input.method, CanonicalUri(input.raw_path), CanonicalQuery(input.raw_query),
                       canonical_headers, line, crypto::Sha256Hex(input.body));
  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, region, service);
  std::string signature =
      Signature(SigningKey(credentials.secret_access_key, date, region, service),
                StringToSign(amz_date, scope, canonical_request));
  added.emplace_back("authorization",
                     AuthorizationValue(credentials.access_key_id, scope, line, signature));
  return added;
}

Status SignHttpRequest(http::Request& request, const Credentials& credentials,
                       std::string_view region, std::string_view service, int64_t epoch_seconds) {
  std::erase_if(request.headers,
                [](const auto& header) { return IsSignerOwnHeader(ascii::ToLower(header.first)); });
  SigningInput input;
  input.method = request.method;
  SplitTarget(request.target, &input.raw_path, &input.raw_query);
  input.headers = &request.headers;
  input.body = request.body;
  COGSYNC_ASSIGN_OR_RETURN(HeaderList added,
                           SignRequest(input, credentials, region, service, epoch_seconds));
  for (auto& header : added) request.headers.push_back(std::move(header));
  return OkStatus();
}

Result<std::string> PresignQuery(const SigningInput& input, const Credentials& credentials,
                                 std::string_view region, std::string_view service,
                                 int64_t epoch_seconds, int64_t expires_seconds) {
  static const HeaderList kNoHeaders;
  const HeaderList& given = input.headers != nullptr ? *input.headers : kNoHeaders;
  if (!HasHost(given)) return ApiError::InternalError("SigV4: cannot sign without a host header");
  if (expires_seconds < 1 || expires_seconds > kMaxPresignExpiresSeconds) {
    return ApiError::InternalError("SigV4: presign expiry must be 1..604800 seconds");
  }
  std::string amz_date = timefmt::AmzDate(epoch_seconds);
  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, region, service);

  std::string query(input.raw_query);
  auto append = [&query](std::string_view name, std::string_view value) {
    if (!query.empty()) query += '&';
    query += name;
    query += '=';
    query += encoding::UriEncode(value, false);
  };
  append(kQueryAlgorithm, kAlgorithm);
  append(kQueryCredential, credentials.access_key_id + "/" + scope);
  append(kQueryDate, amz_date);
  append(kQueryExpires, std::to_string(expires_seconds));
  if (!credentials.session_token.empty()) append(kQuerySecurityToken, credentials.session_token);
  append(kQuerySignedHeaders, "host");

  const std::vector<std::string> signed_headers = {"host"};
  COGSYNC_ASSIGN_OR_RETURN(std::string canonical_headers, CanonicalHeaders(given, signed_headers));
  std::string canonical_request =
      CanonicalRequest(input.method, CanonicalUri(input.raw_path), CanonicalQuery(query),
                       canonical_headers, "host", crypto::Sha256Hex(input.body));
  std::string signature =
      Signature(SigningKey(credentials.secret_access_key, date, region, service),
                StringToSign(amz_date, scope, canonical_request));
  append(kQuerySignature, signature);
  return query;
}

}  // namespace cogsync::auth::sigv4
