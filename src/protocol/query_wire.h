#pragma once
// The one place where STS answers become bytes: the AWS Query protocol's XML (D27), beside
// wire.h's JSON encoders for the two Cognito services.
//
// A result is <{Action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
// <{Action}Result>...</{Action}Result><ResponseMetadata><RequestId>id</RequestId>
// </ResponseMetadata></{Action}Response>; the result object's members become elements in
// their order (nested objects nest, arrays become <member> elements, strings are escaped).
// An error is <ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type><Code>..</Code>
// <Message>..</Message></Error><RequestId>id</RequestId></ErrorResponse>.
//
// Errors raised in Cognito terms before a handler runs (signature checks, throttling, internal
// failures) are renamed here to the codes STS gives for them: UnrecognizedClientException ->
// InvalidClientTokenId, InvalidSignatureException -> SignatureDoesNotMatch, a 403
// ExpiredTokenException (an expired session token) -> ExpiredToken, MissingAuthentication-
// TokenException -> MissingAuthenticationToken, IncompleteSignatureException ->
// IncompleteSignature, TooManyRequestsException -> Throttling, InternalErrorException ->
// InternalFailure, ServiceUnavailableException -> ServiceUnavailable. Every other code is
// STS's own already and keeps its status.

#include <boost/json/object.hpp>
#include <string_view>

#include "common/error.h"
#include "http/message.h"

namespace cogsync::protocol {

inline constexpr std::string_view kStsXmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

http::Response EncodeQueryOutput(std::string_view action, const boost::json::object& result,
                                 std::string_view request_id);
http::Response EncodeQueryError(const ApiError& raised, std::string_view request_id);

}  // namespace cogsync::protocol
