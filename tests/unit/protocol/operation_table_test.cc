// The operation tables against the botocore service models on this machine: no operation of the
// model is missing from a table or misspelt in it, and each table row's access matches
// operations.tsv (D9, D11).

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "support/in_process.h"

namespace cogsync::testing {
namespace {

std::set<std::string> BotocoreOperations(const std::string& service) {
  std::string cmd =
      "python3 -c \"import botocore.session as s; "
      "m = s.get_session().get_service_model('" +
      service +
      "'); "
      "print('\\n'.join(m.operation_names))\"";
  std::set<std::string> names;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return names;
  char line[256];
  while (fgets(line, sizeof line, p) != nullptr) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (!s.empty()) names.insert(s);
  }
  pclose(p);
  return names;
}

TEST(OperationTable, IdentityTableMatchesBotocore) {
  std::set<std::string> expected = BotocoreOperations("cognito-identity");
  ASSERT_EQ(expected.size(), 23u) << "botocore's cognito-identity model is not readable";
  InProcess server;
  std::set<std::string> table;
  for (const auto& op : model::IdentityModel().operations) {
    // Every model operation is routed (not UnknownOperation).
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"host", "x"},
                 {"x-amz-target", "AWSCognitoIdentityService." + std::string(op.name)}};
    r.body = "{}";
    http::Response resp = server.Send(r);
    EXPECT_NE(ErrorCode(resp), "UnknownOperationException") << op.name;
    table.insert(std::string(op.name));
  }
  EXPECT_EQ(table, expected);
}

// D11: exactly the four public operations answer without a signature.
TEST(OperationTable, PublicIdentityOperations) {
  InProcess server;
  std::set<std::string> unsigned_ok;
  for (const auto& op : model::IdentityModel().operations) {
    http::Response r = server.Identity(std::string(op.name), {}, nullptr);
    if (ErrorCode(r) != "MissingAuthenticationTokenException")
      unsigned_ok.insert(std::string(op.name));
  }
  EXPECT_EQ(unsigned_ok, (std::set<std::string>{"GetCredentialsForIdentity", "GetId",
                                                "GetOpenIdToken", "UnlinkIdentity"}));
}

}  // namespace
}  // namespace cogsync::testing
