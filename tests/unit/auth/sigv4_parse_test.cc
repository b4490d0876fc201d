// SigV4: parsing the Authorization header and building the canonical pieces (URI, query,
// headers) on their own; sigv4_test.cc verifies and signs whole requests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/sigv4.h"

namespace cogsync::auth::sigv4 {
namespace {

// ---------------------------------------------------------------------------------------------
// Authorization header parsing.
// ---------------------------------------------------------------------------------------------

constexpr char kGoodSignature[] =
    "994d159660ae0ff0e3c2642e712f1e325581d4ca9c8de77ef4da6b375c3de12d";

TEST(SigV4Parse, WellFormedHeader) {
  Result<ParsedAuthorization> p = ParseAuthorization(
      std::string("AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/cognito-sync/aws4_request, "
                  "SignedHeaders=Host;X-Amz-Date, Signature=") +
      kGoodSignature);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->access_key_id, "AKID");
  EXPECT_EQ(p->date, "20261123");
  EXPECT_EQ(p->region, "us-east-1");
  EXPECT_EQ(p->service, "cognito-sync");
  EXPECT_EQ(p->terminator, "aws4_request");
  EXPECT_EQ(p->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(p->signature, kGoodSignature);
}

TEST(SigV4Parse, ToleratesOrderAndSpacing) {
  for (const char* header :
       {"AWS4-HMAC-SHA256 Signature=abc,SignedHeaders=host,Credential=K/20261123/r/s/aws4_request",
        "  AWS4-HMAC-SHA256   Credential=K/20261123/r/s/aws4_request ,  SignedHeaders=host ,"
        "Signature=abc  ",
        "AWS4-HMAC-SHA256 Credential=K/20261123/r/s/aws4_request/ SignedHeaders=host "
        "Signature=abc"}) {
    SCOPED_TRACE(header);
    Result<ParsedAuthorization> p = ParseAuthorization(header);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    EXPECT_EQ(p->access_key_id, "K");
    EXPECT_EQ(p->service, "s");
    EXPECT_EQ(p->signed_headers, std::vector<std::string>{"host"});
    EXPECT_EQ(p->signature, "abc");
  }
}

// D10: malformed headers are IncompleteSignature (400) with AWS's messages.
TEST(SigV4Parse, ARepeatedParameterCountsWithItsLastValueAndOthersAreIgnored) {
  Result<ParsedAuthorization> p = ParseAuthorization(
      "AWS4-HMAC-SHA256 Signature=first, Extra=1, Credential=K/20261123/r/s/aws4_request, "
      "SignedHeaders=host, Signature=second,,\tSignedHeaders=host;x-amz-date");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->signature, "second");
  EXPECT_EQ(p->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(p->access_key_id, "K");
}

TEST(SigV4Parse, MissingPartsAreListed) {
  struct Case {
    std::string header;
    std::string message;
  };
  const std::string cred = "Credential=K/20261123/r/s/aws4_request";
  const std::vector<Case> cases = {
      {"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
       "Authorization header requires 'Credential' parameter. "},
      {"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host",
       "Authorization header requires 'Signature' parameter. "},
      {"AWS4-HMAC-SHA256 " + cred + ", Signature=abc",
       "Authorization header requires 'SignedHeaders' parameter. "},
      {"AWS4-HMAC-SHA256",
       "Authorization header requires 'Credential' parameter. "
       "Authorization header requires 'Signature' parameter. "
       "Authorization header requires 'SignedHeaders' parameter. "},
      {"AWS AKIDEXAMPLE:c2lnbmF0dXJl",
       "Authorization header requires 'Credential' parameter. "
       "Authorization header requires 'Signature' parameter. "
       "Authorization header requires 'SignedHeaders' parameter. "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    Result<ParsedAuthorization> p = ParseAuthorization(c.header);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code(), "IncompleteSignatureException");
    EXPECT_EQ(p.error().sync_status(), HttpStatus::kBadRequest);
    EXPECT_EQ(p.error().message(), c.message + "Authorization=" + c.header);
  }
}

TEST(SigV4Parse, MissingEqualSign) {
  const std::string header =
      "AWS4-HMAC-SHA256 Credential= K/20261123/r/s/aws4_request, SignedHeaders=host, Signature=a";
  Result<ParsedAuthorization> p = ParseAuthorization(header);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), "IncompleteSignatureException");
  EXPECT_EQ(p.error().message(),
            "'K/20261123/r/s/aws4_request' not a valid key=value pair (missing equal-sign) in "
            "Authorization header: '" +
                header + "'.");
}

TEST(SigV4Parse, UnsupportedAlgorithm) {
  Result<ParsedAuthorization> p = ParseAuthorization(
      "AWS4-HMAC-SHA512 Credential=K/20261123/r/s/aws4_request, SignedHeaders=host, Signature=a");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), "IncompleteSignatureException");
  EXPECT_EQ(p.error().message(),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ");
}

TEST(SigV4Parse, CredentialNeedsFiveElements) {
  Result<ParsedAuthorization> p = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=K/20261123/r/aws4_request, SignedHeaders=host, Signature=a");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), "IncompleteSignatureException");
  EXPECT_EQ(p.error().message(),
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'K/20261123/r/aws4_request'");
}

// ---------------------------------------------------------------------------------------------
// Canonicalisation steps.
// ---------------------------------------------------------------------------------------------

// D10
TEST(SigV4Canonical, UriIsEncodedAgain) {
  EXPECT_EQ(CanonicalUri("/identitypools/us-east-1%3Aabc/identities"),
            "/identitypools/us-east-1%253Aabc/identities");
  EXPECT_EQ(CanonicalUri("/identitypools/us-east-1:abc"), "/identitypools/us-east-1%3Aabc");
  EXPECT_EQ(CanonicalUri("/a b/~x_y-z.0"), "/a%20b/~x_y-z.0");
  EXPECT_EQ(CanonicalUri("/a/./b//c/"), "/a/./b//c/");  // no normalisation
  EXPECT_EQ(CanonicalUri(""), "/");
}

TEST(SigV4Canonical, Query) {
  EXPECT_EQ(CanonicalQuery(""), "");
  EXPECT_EQ(CanonicalQuery("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQuery("flag&x="), "flag=&x=");
  EXPECT_EQ(CanonicalQuery("t=a%2Bb%3D&s=a+b&u=%7e"), "s=a%2Bb&t=a%2Bb%3D&u=~");
  EXPECT_EQ(CanonicalQuery("k=a b:c"), "k=a%20b%3Ac");
  EXPECT_EQ(CanonicalQuery("a=1&&b=2&"), "a=1&b=2");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=ff&a=1", /*drop_signature=*/true), "a=1");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=ff&a=1"), "X-Amz-Signature=ff&a=1");
}

TEST(SigV4Canonical, Headers) {
  HeaderList headers = {{"Host", "example.com"},
                        {"x-amz-meta", "  a   b \t c  "},
                        {"X-Amz-Meta", "second"},
                        {"unsigned", "x"}};
  Result<std::string> h = CanonicalHeaders(headers, {"host", "x-amz-meta"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "host:example.com\nx-amz-meta:a b c,second\n");
  Result<std::string> missing = CanonicalHeaders(headers, {"host", "x-amz-target"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "InvalidSignatureException");
}

}  // namespace
}  // namespace cogsync::auth::sigv4
