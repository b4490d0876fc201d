#pragma once
// The AWS Query protocol's request decoder (STS, docs/decisions.md D27): the parameters of a
// `POST /` with an application/x-www-form-urlencoded body, or of a `GET /?Action=...` query
// string, as name -> value. Pure functions: no state, thread-safe, fuzzed (fuzz/query_fuzz.cc).
//
// Rules, in the order they are checked:
//   - pairs are separated by '&'; empty pairs ("a=1&&b=2") are skipped; a pair without '='
//     is a parameter with an empty value, as AWS reads it;
//   - names and values are percent-decoded with '+' as a space; a malformed escape ("%zz",
//     a trailing "%") or text that is not UTF-8 after decoding is MalformedQueryString;
//   - an empty name, a repeated name, or more than kMaxParameters parameters is
//     MalformedQueryString (STS's inputs are flat and few: a repeat is a client error, never
//     "the last one wins").
// The errors are ApiErrors with STS's code and 400 (protocol/query_wire.h encodes them).

#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>

#include "common/error.h"

namespace cogsync::protocol {

inline constexpr size_t kMaxQueryParameters = 64;

// Every parameter as a JSON string member, in the order received.
Result<boost::json::object> DecodeQueryParameters(std::string_view form);

// True when the Content-Type names a form body (application/x-www-form-urlencoded, any case,
// any parameters such as "; charset=utf-8").
bool IsFormContentType(std::string_view content_type);

}  // namespace cogsync::protocol
