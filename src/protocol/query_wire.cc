#include "protocol/query_wire.h"

#include <string>

#include "common/json.h"

namespace cogsync::protocol {
namespace {

namespace bj = boost::json;

constexpr std::string_view kContentType = "text/xml";

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        // XML 1.0 cannot carry other C0 controls, not even as references.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out += c;
        }
    }
  }
}

void AppendElement(std::string& out, std::string_view name, const bj::value& value);

void AppendValue(std::string& out, const bj::value& value) {
  if (value.is_string()) {
    AppendEscaped(out, value.get_string());
  } else if (value.is_object()) {
    for (const auto& kv : value.get_object()) AppendElement(out, kv.key(), kv.value());
  } else if (value.is_array()) {
    for (const auto& item : value.get_array()) AppendElement(out, "member", item);
  } else if (value.is_bool()) {
    out += value.get_bool() ? "true" : "false";
  } else if (!value.is_null()) {
    out += json::Write(value);
  }
}

void AppendElement(std::string& out, std::string_view name, const bj::value& value) {
  if (value.is_null()) return;
  out += '<';
  out += name;
  out += '>';
  AppendValue(out, value);
  out += "</";
  out += name;
  out += '>';
}

// STS's name and status for an error raised in Cognito terms (see the header).
ApiError AsStsError(const ApiError& e) {
  struct Rename {
    std::string_view from;
    std::string_view to;
  };
  static constexpr Rename kRenames[] = {
      {"UnrecognizedClientException", "InvalidClientTokenId"},
      {"InvalidSignatureException", "SignatureDoesNotMatch"},
      {"MissingAuthenticationTokenException", "MissingAuthenticationToken"},
      {"IncompleteSignatureException", "IncompleteSignature"},
      {"InternalErrorException", "InternalFailure"},
      {"ServiceUnavailableException", "ServiceUnavailable"},
  };
  for (const auto& r : kRenames) {
    if (e.code() == r.from) {
      return ApiError(std::string(r.to), e.sync_status(), e.message(), /*transport=*/true);
    }
  }
  if (e.code() == "ExpiredTokenException" && e.sync_status() == HttpStatus::kForbidden) {
    return ApiError("ExpiredToken", HttpStatus::kForbidden, e.message(), true);
  }
  if (e.code() == "TooManyRequestsException") {
    return ApiError("Throttling", HttpStatus::kBadRequest, "Rate exceeded", true);
  }
  return e;
}

}  // namespace

http::Response EncodeQueryOutput(std::string_view action, const bj::object& result,
                                 std::string_view request_id) {
  http::Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", kContentType);
  std::string& out = r.body;
  out.reserve(1024);
  out += '<';
  out += action;
  out += "Response xmlns=\"";
  out += kStsXmlNamespace;
  out += "\">\n  <";
  out += action;
  out += "Result>";
  AppendValue(out, result);
  out += "</";
  out += action;
  out += "Result>\n  <ResponseMetadata><RequestId>";
  AppendEscaped(out, request_id);
  out += "</RequestId></ResponseMetadata>\n</";
  out += action;
  out += "Response>\n";
  return r;
}

http::Response EncodeQueryError(const ApiError& raised, std::string_view request_id) {
  const ApiError error = AsStsError(raised);
  http::Response r;
  r.status = static_cast<int>(error.sync_status());
  r.headers.emplace_back("Content-Type", kContentType);
  std::string& out = r.body;
  out += "<ErrorResponse xmlns=\"";
  out += kStsXmlNamespace;
  out += "\">\n  <Error>\n    <Type>";
  out += r.status >= 500 ? "Receiver" : "Sender";
  out += "</Type>\n    <Code>";
  AppendEscaped(out, error.code());
  out += "</Code>\n    <Message>";
  AppendEscaped(out, error.message());
  out += "</Message>\n  </Error>\n  <RequestId>";
  AppendEscaped(out, request_id);
  out += "</RequestId>\n</ErrorResponse>\n";
  r.error_code = error.code();
  return r;
}

}  // namespace cogsync::protocol
