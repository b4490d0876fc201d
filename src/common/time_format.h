#pragma once
// Calendar formatting for SigV4 (yyyymmddThhmmssZ) and logs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cogsync::timefmt {

// 20150830T123600Z for the given epoch seconds (UTC).
std::string AmzDate(int64_t epoch_seconds);
// Parses the ISO 8601 basic form SigV4 uses (yyyymmddThhmmssZ).
std::optional<int64_t> ParseAmzDate(std::string_view s);
// RFC 3339 with milliseconds, for logs: 2026-11-23T19:55:13.123Z.
std::string Iso8601Millis(int64_t epoch_millis);
// ISO 8601 in whole seconds, as the AWS Query protocol writes timestamps: 2026-11-23T19:55:13Z.
std::string Iso8601Seconds(int64_t epoch_seconds);

}  // namespace cogsync::timefmt
