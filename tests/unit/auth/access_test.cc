#include "auth/access.h"

#include <gtest/gtest.h>

namespace cogsync::auth {
namespace {

namespace bj = boost::json;

Principal Developer() {
  Principal p;
  p.kind = Principal::Kind::kDeveloper;
  p.key_name = "ops";
  return p;
}

Principal IdentityOf(std::string pool, std::string identity) {
  Principal p;
  p.kind = Principal::Kind::kIdentity;
  p.pool_id = std::move(pool);
  p.identity_id = std::move(identity);
  p.role_arn = "arn:aws:iam::000000000000:role/app/authRole";
  return p;
}

const ArnContext kArn{"us-east-1", "000000000000"};

// D9: who may call what.
TEST(Access, DeveloperOnlyOperations) {
  bj::object in{{"IdentityPoolId", "us-east-1:p"}};
  EXPECT_TRUE(
      Authorize(Developer(), Access::kDeveloper, Service::kSync, "GetCognitoEvents", in, kArn)
          .ok());
  auto denied = Authorize(IdentityOf("us-east-1:p", "us-east-1:i"), Access::kDeveloper,
                          Service::kSync, "GetCognitoEvents", in, kArn);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), "NotAuthorizedException");
  EXPECT_EQ(denied.error().StatusFor(Service::kSync), HttpStatus::kForbidden);
  EXPECT_EQ(denied.error().message(),
            "User: arn:aws:sts::000000000000:assumed-role/authRole/CognitoIdentityCredentials is "
            "not authorized to perform: cognito-sync:GetCognitoEvents on resource: "
            "arn:aws:cognito-sync:us-east-1:000000000000:identitypool/us-east-1:p");
}

TEST(Access, IdentityCredentialsReachOnlyTheirOwnIdentity) {
  Principal me = IdentityOf("us-east-1:p", "us-east-1:me");
  bj::object mine{
      {"IdentityPoolId", "us-east-1:p"}, {"IdentityId", "us-east-1:me"}, {"DatasetName", "d"}};
  bj::object other{
      {"IdentityPoolId", "us-east-1:p"}, {"IdentityId", "us-east-1:you"}, {"DatasetName", "d"}};
  bj::object other_pool{{"IdentityPoolId", "us-east-1:q"}, {"IdentityId", "us-east-1:me"}};
  EXPECT_TRUE(Authorize(me, Access::kEither, Service::kSync, "ListRecords", mine, kArn).ok());
  EXPECT_TRUE(
      Authorize(me, Access::kIdentityOnly, Service::kSync, "RegisterDevice", mine, kArn).ok());
  auto denied = Authorize(me, Access::kEither, Service::kSync, "ListRecords", other, kArn);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(
      denied.error().message().find("identitypool/us-east-1:p/identity/us-east-1:you/dataset/d"),
      std::string::npos);
  EXPECT_FALSE(
      Authorize(me, Access::kEither, Service::kSync, "ListRecords", other_pool, kArn).ok());
}

TEST(Access, DeveloperCredentialsCannotCallIdentityOnlyOperations) {
  bj::object in{{"IdentityPoolId", "us-east-1:p"}, {"IdentityId", "us-east-1:i"}};
  auto denied =
      Authorize(Developer(), Access::kIdentityOnly, Service::kSync, "SubscribeToDataset", in, kArn);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message().find("arn:aws:iam::000000000000:user/ops"), std::string::npos);
  EXPECT_TRUE(
      Authorize(Developer(), Access::kEither, Service::kSync, "ListDatasets", in, kArn).ok());
}

// D11: public operations ignore who calls; D1: Identity answers NotAuthorized with 400.
TEST(Access, PublicOperationsAndIdentityStatus) {
  Principal anonymous;
  EXPECT_TRUE(Authorize(anonymous, Access::kPublic, Service::kIdentity, "GetId", {}, kArn).ok());
  auto denied =
      Authorize(anonymous, Access::kDeveloper, Service::kIdentity, "ListIdentityPools", {}, kArn);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().StatusFor(Service::kIdentity), HttpStatus::kBadRequest);
}

}  // namespace
}  // namespace cogsync::auth
