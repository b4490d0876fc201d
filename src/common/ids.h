#pragma once
// Identifiers cogsync mints.

#include <string>
#include <string_view>

namespace cogsync::ids {

// A random (version 4) UUID, lower-case: the GUID part of pool and identity ids, request ids.
std::string Uuid();
// A UUID-shaped id for a request (x-amzn-RequestId): unique, not secret. Each thread draws a
// random 64-bit seed once and then counts, mixing the counter (splitmix64), so it costs no
// system randomness per request.
std::string RequestId();
// "<region>:<uuid>", the form of IdentityPoolId and IdentityId.
std::string RegionalId(std::string_view region);
// Upper-case letters and digits, as AWS access key ids use after their prefix.
std::string RandomAlnumUpper(size_t n);
// Letters, digits, '+' and '/', as AWS secret keys look.
std::string RandomSecret(size_t n);

}  // namespace cogsync::ids
