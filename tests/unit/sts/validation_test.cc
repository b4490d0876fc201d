// STS parameter validation in AWS's wording (D27, D3).

#include "sts/validation.h"

#include <gtest/gtest.h>

#include <string>

namespace cogsync::sts {
namespace {

using Kind = ParamRule::Kind;
using Pattern = ParamRule::Pattern;

constexpr ParamRule kRules[] = {
    {"RoleArn", true, Kind::kString, 20, 2048, Pattern::kText},
    {"RoleSessionName", true, Kind::kString, 2, 64, Pattern::kSessionName},
    {"WebIdentityToken", true, Kind::kString, 4, 20000, Pattern::kNone, true},
    {"DurationSeconds", false, Kind::kInteger, 900, 43200},
};

boost::json::object Valid() {
  return {{"RoleArn", "arn:aws:iam::000000000000:role/R"},
          {"RoleSessionName", "a+b=c,d.e@f-g_h"},
          {"WebIdentityToken", "abcd"}};
}

std::string MessageOf(const boost::json::object& params) {
  auto s = ValidateParams(kRules, params);
  EXPECT_FALSE(s.ok());
  if (s.ok()) return "";
  EXPECT_EQ(s.error().code(), "ValidationError");
  EXPECT_EQ(s.error().StatusFor(Service::kIdentity), HttpStatus::kBadRequest);
  return s.error().message();
}

TEST(StsValidation, AcceptsValidInput) {
  EXPECT_TRUE(ValidateParams(kRules, Valid()).ok());
  auto with_duration = Valid();
  with_duration["DurationSeconds"] = "900";
  EXPECT_TRUE(ValidateParams(kRules, with_duration).ok());
  EXPECT_EQ(IntegerParam(with_duration, "DurationSeconds"), 900);
  EXPECT_EQ(IntegerParam(Valid(), "DurationSeconds"), std::nullopt);
}

TEST(StsValidation, MissingMembersInModelOrder) {
  EXPECT_EQ(MessageOf({}),
            "3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: "
            "Member must not be null; Value null at 'roleSessionName' failed to satisfy "
            "constraint: Member must not be null; Value null at 'webIdentityToken' failed to "
            "satisfy constraint: Member must not be null");
}

TEST(StsValidation, LengthsPatternsAndRanges) {
  auto p = Valid();
  p["RoleSessionName"] = "é";  // one code point, two bytes; not in [\w+=,.@-]
  EXPECT_EQ(MessageOf(p),
            "2 validation errors detected: Value 'é' at 'roleSessionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value 'é' "
            "at 'roleSessionName' failed to satisfy constraint: Member must have length greater "
            "than or equal to 2");
  p = Valid();
  p["DurationSeconds"] = "43201";
  EXPECT_EQ(MessageOf(p),
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200");
  p["DurationSeconds"] = "12abc";
  EXPECT_EQ(MessageOf(p),
            "1 validation error detected: Value '12abc' at 'durationSeconds' failed to satisfy "
            "constraint: Member must be a number");
  p = Valid();
  p["RoleArn"] = "arn:aws:iam::000000000000:role/\x01x";
  EXPECT_NE(MessageOf(p).find("Member must satisfy regular expression pattern: [\\u0009"),
            std::string::npos);
}

TEST(StsValidation, SensitiveValuesAreNeverEchoedAndLongOnesAreCut) {
  auto p = Valid();
  p["WebIdentityToken"] = std::string(20001, 'x');
  EXPECT_EQ(MessageOf(p),
            "1 validation error detected: Value at 'webIdentityToken' failed to satisfy "
            "constraint: Member must have length less than or equal to 20000");
  p = Valid();
  p["RoleSessionName"] = std::string(300, 's');
  const std::string message = MessageOf(p);
  EXPECT_NE(message.find("Value '" + std::string(256, 's') + "...' at 'roleSessionName'"),
            std::string::npos);
}

}  // namespace
}  // namespace cogsync::sts
