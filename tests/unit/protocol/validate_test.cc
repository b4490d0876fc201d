#include "protocol/validate.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <string>

#include "protocol/model.h"

namespace cogsync::protocol {
namespace {

namespace json = boost::json;

constexpr const char* kPool = "us-east-1:0a1b2c3d-0000-4000-8000-1234567890ab";
constexpr const char* kIdentity = "us-east-1:11111111-2222-4333-8444-555555555555";

const model::Operation& IdentityOp(std::string_view name) {
  const auto* op = model::IdentityModel().FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}
const model::Operation& SyncOp(std::string_view name) {
  const auto* op = model::SyncModel().FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

Status ValidateIdentity(std::string_view op, std::string_view body) {
  return ValidateInput(model::IdentityModel(), IdentityOp(op), json::parse(body).as_object(),
                       Service::kIdentity);
}
Status ValidateSync(std::string_view op, const json::object& input) {
  return ValidateInput(model::SyncModel(), SyncOp(op), input, Service::kSync);
}
Status ValidateSync(std::string_view op, std::string_view body) {
  return ValidateSync(op, json::parse(body).as_object());
}

std::string WithPool(std::string_view rest) {
  return std::string(R"({"IdentityPoolId":")") + kPool + "\"" + std::string(rest) + "}";
}

std::string SyncBody(std::string_view patches) {
  return std::string(R"({"IdentityPoolId":")") + kPool + R"(","IdentityId":")" + kIdentity +
         R"(","DatasetName":"settings","SyncSessionToken":"tok","RecordPatches":)" +
         std::string(patches) + "}";
}

TEST(ValidateTest, ValidGetIdPasses) {
  EXPECT_TRUE(ValidateIdentity("GetId", WithPool("")).ok());
  EXPECT_TRUE(ValidateIdentity("GetId", WithPool(R"(,"AccountId":"123456789012",)"
                                                 R"("Logins":{"graph.facebook.com":"token"})"))
                  .ok());
}

TEST(ValidateTest, UnknownMembersAreIgnored) {
  EXPECT_TRUE(ValidateIdentity("GetId", WithPool(R"(,"Surprise":{"nested":[1,2]})")).ok());
}

// D3
TEST(ValidateTest, PatternViolationHasAwsWording) {
  auto status = ValidateIdentity("GetId", R"({"IdentityPoolId":"us-east-2:mock"})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ValidationException");
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value 'us-east-2:mock' at 'identityPoolId' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\w-]+:[0-9a-f-]+");
}

// D3
TEST(ValidateTest, MissingRequiredMemberIsNull) {
  auto status = ValidateIdentity("GetId", "{}");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ValidationException");
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value null at 'identityPoolId' failed to satisfy "
            "constraint: Member must not be null");
  // An explicit JSON null is the same as absent.
  auto explicit_null = ValidateIdentity("GetId", R"({"IdentityPoolId":null})");
  ASSERT_FALSE(explicit_null.ok());
  EXPECT_EQ(explicit_null.error().message(), status.error().message());
}

// D3
TEST(ValidateTest, SeveralViolationsOfOneValueAreCountedSeparately) {
  std::string long_id = "us-east-1:" + std::string(50, 'a') + "XYZ";
  auto status = ValidateIdentity("GetId", R"({"IdentityPoolId":")" + long_id + "\"}");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "2 validation errors detected: Value '" + long_id +
                "' at 'identityPoolId' failed to satisfy constraint: Member must satisfy "
                "regular expression pattern: [\\w-]+:[0-9a-f-]+; Value '" +
                long_id +
                "' at 'identityPoolId' failed to satisfy constraint: Member must have length "
                "less than or equal to 55");
}

TEST(ValidateTest, CreateIdentityPoolCollectsAllViolations) {
  auto status = ValidateIdentity(
      "CreateIdentityPool",
      R"({"IdentityPoolName":"bad/name","DeveloperProviderName":"","SamlProviderARNs":["short"]})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ValidationException");
  EXPECT_EQ(
      status.error().message(),
      "5 validation errors detected: "
      "Value 'bad/name' at 'identityPoolName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [\\w\\s+=,.@-]+; "
      "Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must "
      "not be null; "
      "Value '' at 'developerProviderName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: [\\w._-]+; "
      "Value '' at 'developerProviderName' failed to satisfy constraint: Member must have length "
      "greater than or equal to 1; "
      "Value '[short]' at 'samlProviderARNs' failed to satisfy constraint: Member must satisfy "
      "constraint: [Member must have length less than or equal to 2048, Member must have length "
      "greater than or equal to 20]");
  EXPECT_TRUE(
      ValidateIdentity("CreateIdentityPool",
                       R"({"IdentityPoolName":"My pool","AllowUnauthenticatedIdentities":true})")
          .ok());
}

TEST(ValidateTest, IntegerRange) {
  auto zero = ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":0)"));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message(),
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");
  auto big = ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":61)"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message(),
            "1 validation error detected: Value '61' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 60");
  EXPECT_TRUE(ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":60)")).ok());
  EXPECT_TRUE(ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":1)")).ok());
}

TEST(ValidateTest, TypeMismatchIsSerializationExceptionForIdentity) {
  auto string_for_int = ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":"5")"));
  ASSERT_FALSE(string_for_int.ok());
  EXPECT_EQ(string_for_int.error().code(), "SerializationException");
  EXPECT_NE(string_for_int.error().message().find("maxResults"), std::string::npos);

  auto object_for_string = ValidateIdentity("GetId", R"({"IdentityPoolId":{"a":1}})");
  ASSERT_FALSE(object_for_string.ok());
  EXPECT_EQ(object_for_string.error().code(), "SerializationException");

  auto number_for_string = ValidateIdentity("GetId", R"({"IdentityPoolId":5})");
  ASSERT_FALSE(number_for_string.ok());
  EXPECT_EQ(number_for_string.error().code(), "SerializationException");

  auto decimal_for_int = ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":5.5)"));
  ASSERT_FALSE(decimal_for_int.ok());
  EXPECT_EQ(decimal_for_int.error().code(), "SerializationException");

  auto string_for_bool =
      ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":5,"HideDisabled":"true")"));
  ASSERT_FALSE(string_for_bool.ok());
  EXPECT_EQ(string_for_bool.error().code(), "SerializationException");

  auto too_big = ValidateIdentity("ListIdentities", WithPool(R"(,"MaxResults":4294967296)"));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), "SerializationException");
}

TEST(ValidateTest, EnumInListOfStructures) {
  auto status = ValidateSync("UpdateRecords",
                             SyncBody(R"([{"Op":"replace","Key":"a","Value":"1","SyncCount":0},)"
                                      R"({"Op":"upsert","Key":"b","SyncCount":0}])"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "InvalidParameterException");
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value 'upsert' at 'recordPatches.2.member.op' failed "
            "to satisfy constraint: Member must satisfy enum value set: [replace, remove]");
}

TEST(ValidateTest, RequiredMemberInListElement) {
  auto status = ValidateSync("UpdateRecords", SyncBody(R"([{"Op":"remove","SyncCount":3}])"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value null at 'recordPatches.1.member.key' failed to "
            "satisfy constraint: Member must not be null");
}

TEST(ValidateTest, TimestampsAcceptEveryJsonNumberForm) {  // D6
  for (const char* date : {"1413836234", "1413836234.607", "1.413836234607E9"}) {
    auto status = ValidateSync(
        "UpdateRecords",
        SyncBody(
            std::string(R"([{"Op":"replace","Key":"k","SyncCount":1,"DeviceLastModifiedDate":)") +
            date + "}]"));
    EXPECT_TRUE(status.ok()) << date << ": " << status.error().message();
  }
  auto string_date = ValidateSync(
      "UpdateRecords",
      SyncBody(R"([{"Op":"replace","Key":"k","SyncCount":1,"DeviceLastModifiedDate":"soon"}])"));
  ASSERT_FALSE(string_date.ok());
  EXPECT_EQ(string_date.error().code(), "InvalidParameterException");
}

TEST(ValidateTest, SyncTypeMismatchIsInvalidParameter) {
  auto status = ValidateSync("UpdateRecords", SyncBody(R"({"Op":"replace"})"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "InvalidParameterException");
}

TEST(ValidateTest, MapKeyPattern) {
  auto status =
      ValidateIdentity("SetIdentityPoolRoles",
                       WithPool(R"(,"Roles":{"admin":"arn:aws:iam::123456789012:role/Admin"})"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ValidationException");
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value '{admin=arn:aws:iam::123456789012:role/Admin}' "
            "at 'roles' failed to satisfy constraint: Map keys must satisfy constraint: "
            "[Member must have length less than or equal to 128, Member must have length "
            "greater than or equal to 1, Member must satisfy regular expression pattern: "
            "(un)?authenticated]");
  EXPECT_TRUE(ValidateIdentity("SetIdentityPoolRoles",
                               WithPool(R"(,"Roles":{"authenticated":"arn:aws:iam::1:role/A",)"
                                        R"("unauthenticated":"arn:aws:iam::1:role/U"})"))
                  .ok());
}

TEST(ValidateTest, StructureMapValuesUseKeyMemberPath) {
  auto status = ValidateIdentity(
      "SetIdentityPoolRoles",
      WithPool(R"(,"Roles":{},"RoleMappings":{"graph.facebook.com":{"Type":"Maybe"}})"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value 'Maybe' at "
            "'roleMappings.graph.facebook.com.member.type' failed to satisfy constraint: Member "
            "must satisfy enum value set: [Token, Rules]");
}

TEST(ValidateTest, SensitiveMapIsNotEchoed) {
  std::string logins;
  for (int i = 0; i < 11; ++i) {
    logins += (i ? "," : "") + std::string("\"provider") + std::to_string(i) + "\":\"secret\"";
  }
  auto status = ValidateIdentity("GetId", WithPool(",\"Logins\":{" + logins + "}"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "ValidationException");
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value at 'logins' failed to satisfy constraint: "
            "Member must have length less than or equal to 10");
  EXPECT_EQ(status.error().message().find("secret"), std::string::npos);

  auto empty_token =
      ValidateIdentity("GetOpenIdToken", std::string(R"({"IdentityId":")") + kIdentity +
                                             R"(","Logins":{"accounts.google.com":""}})");
  ASSERT_FALSE(empty_token.ok());
  // The wording of a real Cognito answer.
  EXPECT_EQ(empty_token.error().message(),
            "1 validation error detected: Value at 'logins' failed to satisfy constraint: Map "
            "value must satisfy constraint: [Member must have length less than or equal to "
            "50000, Member must have length greater than or equal to 1]");
}

TEST(ValidateTest, TagValueTooLong) {
  std::string value(257, 'v');
  auto status = ValidateIdentity(
      "TagResource",
      std::string(
          R"({"ResourceArn":"arn:aws:cognito-identity:us-east-1:000000000000:identitypool/)") +
          kPool + R"(","Tags":{"team":")" + value + "\"}}");
  ASSERT_FALSE(status.ok());
  const std::string& message = status.error().message();
  EXPECT_EQ(message.rfind("1 validation error detected: Value '{team=vvv", 0), 0u) << message;
  EXPECT_NE(message.find("...' at 'tags' failed to satisfy constraint: Map value must satisfy "
                         "constraint: [Member must have length less than or equal to 256, "
                         "Member must have length greater than or equal to 0]"),
            std::string::npos)
      << message;
  // The echoed value is cut.
  EXPECT_LT(message.size(), 500u);
}

TEST(ValidateTest, StringLengthCountsCodePoints) {
  // 55 characters, 110 bytes: within IdentityPoolId's max of 55 characters (the pattern
  // still rejects it, which shows the length rule alone is satisfied).
  std::string id;
  for (int i = 0; i < 55; ++i) id += "\u00e9";
  auto status = ValidateIdentity("GetId", R"({"IdentityPoolId":")" + id + "\"}");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message().rfind("1 validation error detected", 0), 0u);
  EXPECT_EQ(status.error().message().find("length"), std::string::npos);
}

TEST(ValidateTest, CoerceListRecordsQueryValues) {  // D5
  json::object input;
  input["IdentityPoolId"] = kPool;
  input["IdentityId"] = kIdentity;
  input["DatasetName"] = "settings";
  input["LastSyncCount"] = "42";
  input["MaxResults"] = "2";
  input["NextToken"] = "123";  // a string member stays a string
  auto coerced = CoerceLegacyInput(model::SyncModel(), SyncOp("ListRecords"), input);
  ASSERT_TRUE(coerced.ok()) << coerced.error().message();
  EXPECT_EQ(coerced->at("LastSyncCount").as_int64(), 42);
  EXPECT_EQ(coerced->at("MaxResults").as_int64(), 2);
  EXPECT_TRUE(coerced->at("NextToken").is_string());
  EXPECT_TRUE(ValidateSync("ListRecords", *coerced).ok());

  // Uncoerced, the string is a type mismatch.
  auto raw = ValidateSync("ListRecords", input);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().code(), "InvalidParameterException");
}

TEST(ValidateTest, CoerceRejectsNonNumbers) {
  json::object input;
  input["MaxResults"] = "two";
  input["LastSyncCount"] = "9223372036854775808";  // one past int64
  auto coerced = CoerceLegacyInput(model::SyncModel(), SyncOp("ListRecords"), input);
  ASSERT_FALSE(coerced.ok());
  EXPECT_EQ(coerced.error().code(), "InvalidParameterException");
  EXPECT_EQ(coerced.error().message(),
            "2 validation errors detected: Value '9223372036854775808' at 'lastSyncCount' "
            "failed to satisfy constraint: Member must be a number; Value 'two' at "
            "'maxResults' failed to satisfy constraint: Member must be a number");
}

TEST(ValidateTest, CoerceNestedTimestampsAndLongs) {  // D5, D6
  auto input =
      json::parse(
          SyncBody(
              R"([{"Op":"replace","Key":"k","SyncCount":"3",)"
              R"("DeviceLastModifiedDate":"1.413836234607E9"},)"
              R"({"Op":"remove","Key":"j","SyncCount":"4","DeviceLastModifiedDate":"1413836234"}])"))
          .as_object();
  auto coerced = CoerceLegacyInput(model::SyncModel(), SyncOp("UpdateRecords"), input);
  ASSERT_TRUE(coerced.ok()) << coerced.error().message();
  const auto& patches = coerced->at("RecordPatches").as_array();
  EXPECT_EQ(patches[0].at("SyncCount").as_int64(), 3);
  EXPECT_DOUBLE_EQ(patches[0].at("DeviceLastModifiedDate").as_double(), 1413836234.607);
  EXPECT_EQ(patches[1].at("DeviceLastModifiedDate").as_int64(), 1413836234);
  EXPECT_TRUE(ValidateSync("UpdateRecords", *coerced).ok());

  auto bad = json::parse(SyncBody(R"([{"Op":"replace","Key":"k","SyncCount":"x"}])")).as_object();
  auto failed = CoerceLegacyInput(model::SyncModel(), SyncOp("UpdateRecords"), bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(),
            "1 validation error detected: Value 'x' at 'recordPatches.1.member.syncCount' failed "
            "to satisfy constraint: Member must be a number");
}

TEST(ValidateTest, CoerceBooleans) {
  json::object input;
  input["IdentityPoolId"] = kPool;
  input["MaxResults"] = "10";
  input["HideDisabled"] = "TRUE";
  auto coerced = CoerceLegacyInput(model::IdentityModel(), IdentityOp("ListIdentities"), input);
  ASSERT_TRUE(coerced.ok());
  EXPECT_EQ(coerced->at("HideDisabled").as_bool(), true);
  input["HideDisabled"] = "yes";
  auto bad = CoerceLegacyInput(model::IdentityModel(), IdentityOp("ListIdentities"), input);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("Member must be a boolean"), std::string::npos);
}

TEST(ValidateTest, ManyViolationsListTwentyButCountAll) {
  std::string patches = "[";
  for (int i = 0; i < 30; ++i) {
    patches += (i ? "," : "") + std::string(R"({"Op":"bad","Key":"k","SyncCount":0})");
  }
  patches += "]";
  auto status = ValidateSync("UpdateRecords", SyncBody(patches));
  ASSERT_FALSE(status.ok());
  const std::string& message = status.error().message();
  EXPECT_EQ(message.rfind("30 validation errors detected: ", 0), 0u);
  size_t listed = 0;
  for (size_t pos = 0; (pos = message.find("failed to satisfy", pos)) != std::string::npos; ++pos) {
    ++listed;
  }
  EXPECT_EQ(listed, 20u);
}

TEST(ValidateTest, OperationWithoutInputAlwaysPasses) {
  // Every Identity operation has an input; a synthetic operation with none must pass.
  model::Operation none{.name = "None", .http_method = "POST", .request_uri = "/"};
  EXPECT_TRUE(ValidateInput(model::IdentityModel(), none, json::object(), Service::kIdentity).ok());
}

TEST(ValidateTest, CommonRequestIsFast) {
  auto input =
      json::parse(SyncBody(R"([{"Op":"replace","Key":"highScore","Value":"100","SyncCount":3,)"
                           R"("DeviceLastModifiedDate":1413836234.607},)"
                           R"({"Op":"remove","Key":"level","SyncCount":2}])"))
          .as_object();
  ASSERT_TRUE(ValidateSync("UpdateRecords", input).ok());  // warms the compiled patterns
  constexpr int kRounds = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(ValidateSync("UpdateRecords", input).ok());
  }
  auto per_call = (std::chrono::steady_clock::now() - start) / kRounds;
  // A few microseconds expected; the bound is loose for slow, shared and sanitizer builds.
  EXPECT_LT(per_call, std::chrono::microseconds(200));
}

}  // namespace
}  // namespace cogsync::protocol
