#pragma once
// The one place where results become bytes, per protocol: Cognito Identity's JSON 1.1 and
// Cognito Sync's REST-JSON. Errors are {"__type": code, "message": text} with x-amzn-ErrorType
// (D1, D2); the status comes from ApiError::StatusFor.

#include <boost/json.hpp>

#include "common/error.h"
#include "http/message.h"

namespace cogsync::protocol {

// `output` null means the operation has no output shape: an empty 200 body.
http::Response EncodeOutput(Service service, const boost::json::value& output);
http::Response EncodeError(Service service, const ApiError& error);

}  // namespace cogsync::protocol
