// Issue 13 finding 8: an error's detail is for the log; a client sees the message and, when
// there was a detail, the request id to quote.

#include "common/error.h"

#include <gtest/gtest.h>

namespace cogsync {
namespace {

TEST(ApiError, ForClientDropsTheDetailAndNamesTheRequest) {
  ApiError error = ApiError::InternalError("The SyncTrigger function could not be reached.")
                       .WithDetail("http://10.0.0.5:8000/hook: connection refused");
  EXPECT_EQ(error.detail(), "http://10.0.0.5:8000/hook: connection refused");
  ApiError shown = error.ForClient("req-1");
  EXPECT_EQ(shown.message(), "The SyncTrigger function could not be reached (request req-1).");
  EXPECT_EQ(shown.detail(), "");
  EXPECT_EQ(shown.code(), "InternalErrorException");
  EXPECT_EQ(shown.StatusFor(Service::kSync), HttpStatus::kInternalServerError);

  // Without a detail nothing changes.
  ApiError plain = ApiError::InvalidParameter("bad").ForClient("req-2");
  EXPECT_EQ(plain.message(), "bad");
}

}  // namespace
}  // namespace cogsync
