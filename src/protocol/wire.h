#pragma once
// The one place where results become bytes, per protocol: Cognito Identity's JSON 1.1 and
// Cognito Sync's REST-JSON. Errors are {"__type": code, "message": text} with x-amzn-ErrorType
// (D1, D2); the status comes from ApiError::StatusFor. The HTTP layer's refusals (http::Rejection)
// become ApiErrors here too, so every error a client sees is encoded by this file, except the
// Query-protocol (XML) errors of STS, which protocol/query_wire.cc encodes.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/message.h"

namespace cogsync::protocol {

// X-Amz-Target values are "<prefix>.<Operation>" (the prefix may carry a version, as in
// "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService").
inline constexpr std::string_view kIdentityTargetPrefix = "AWSCognitoIdentityService";
inline constexpr std::string_view kSyncTargetPrefix = "AWSCognitoSyncService";

// `output` null means the operation has no output shape: an empty 200 body.
http::Response EncodeOutput(Service service, const boost::json::value& output);
// A 200 whose body the handler encoded itself (OperationEntry::encoded), moved in, not copied.
http::Response EncodeBody(Service service, std::string body);
http::Response EncodeError(Service service, const ApiError& error);

// The service whose wire format a request gets, judged from its target and X-Amz-Target alone
// (also for requests that name no known operation): Cognito Identity for `POST /` naming an
// Identity target, Cognito Sync otherwise.
Service ServiceOf(const http::Request& request);
// The error for a request the HTTP layer refused.
ApiError RejectionError(http::Rejection reason);

}  // namespace cogsync::protocol
