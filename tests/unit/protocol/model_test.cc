#include "protocol/model.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/pattern.h"

namespace cogsync::model {
namespace {

// The 40 operations of operations.tsv.
const std::vector<std::string> kIdentityOperations = {
    "CreateIdentityPool",
    "DeleteIdentities",
    "DeleteIdentityPool",
    "DescribeIdentity",
    "DescribeIdentityPool",
    "GetCredentialsForIdentity",
    "GetId",
    "GetIdentityPoolRoles",
    "GetOpenIdToken",
    "GetOpenIdTokenForDeveloperIdentity",
    "GetPrincipalTagAttributeMap",
    "ListIdentities",
    "ListIdentityPools",
    "ListTagsForResource",
    "LookupDeveloperIdentity",
    "MergeDeveloperIdentities",
    "SetIdentityPoolRoles",
    "SetPrincipalTagAttributeMap",
    "TagResource",
    "UnlinkDeveloperIdentity",
    "UnlinkIdentity",
    "UntagResource",
    "UpdateIdentityPool",
};
const std::vector<std::string> kSyncOperations = {
    "BulkPublish",           "DeleteDataset",
    "DescribeDataset",       "DescribeIdentityPoolUsage",
    "DescribeIdentityUsage", "GetBulkPublishDetails",
    "GetCognitoEvents",      "GetIdentityPoolConfiguration",
    "ListDatasets",          "ListIdentityPoolUsage",
    "ListRecords",           "RegisterDevice",
    "SetCognitoEvents",      "SetIdentityPoolConfiguration",
    "SubscribeToDataset",    "UnsubscribeFromDataset",
    "UpdateRecords",
};

std::vector<std::string> OperationNames(const ServiceModel& model) {
  std::vector<std::string> names;
  for (const auto& op : model.operations) names.emplace_back(op.name);
  return names;
}

const Member* FindMember(const ServiceModel& model, int shape, std::string_view name) {
  for (const auto& member : model.shape(shape).members) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

TEST(ModelTest, GeneratedFileIsUpToDate) {
  // Regenerates model_data.cc from the botocore models on the machine and compares.
  std::string command =
      std::string("python3 '") + COGSYNC_SOURCE_DIR + "/tools/gen_model.py' --check";
  int status = std::system(command.c_str());
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "run: python3 tools/gen_model.py";
}

TEST(ModelTest, OperationsMatchOperationsTsv) {
  EXPECT_EQ(IdentityModel().endpoint_prefix, "cognito-identity");
  EXPECT_EQ(SyncModel().endpoint_prefix, "cognito-sync");
  EXPECT_EQ(IdentityModel().operations.size(), 23u);
  EXPECT_EQ(SyncModel().operations.size(), 17u);
  EXPECT_EQ(OperationNames(IdentityModel()), kIdentityOperations);  // both sorted by name
  EXPECT_EQ(OperationNames(SyncModel()), kSyncOperations);
}

TEST(ModelTest, ShapesAreSortedAndIndicesValid) {
  for (const ServiceModel* model : {&IdentityModel(), &SyncModel()}) {
    const int count = static_cast<int>(model->shapes.size());
    for (int i = 0; i < count; ++i) {
      const Shape& shape = model->shape(i);
      if (i > 0) {
        EXPECT_LT(model->shape(i - 1).name, shape.name);
      }
      EXPECT_LT(shape.member, count);
      EXPECT_LT(shape.key, count);
      EXPECT_LT(shape.value, count);
      EXPECT_EQ(shape.member >= 0, shape.type == Type::kList) << shape.name;
      EXPECT_EQ(shape.key >= 0, shape.type == Type::kMap) << shape.name;
      for (const auto& member : shape.members) {
        EXPECT_GE(member.shape, 0);
        EXPECT_LT(member.shape, count);
      }
      if (!shape.pattern.empty()) {
        EXPECT_TRUE(protocol::Pattern::Compile(shape.pattern).has_value()) << shape.pattern;
      }
    }
    for (const auto& op : model->operations) {
      EXPECT_LT(op.input, count);
      EXPECT_LT(op.output, count);
      EXPECT_FALSE(op.errors.empty()) << op.name;
    }
  }
}

TEST(ModelTest, IdentityShapes) {
  const ServiceModel& model = IdentityModel();
  const Operation* get_id = model.FindOperation("GetId");
  ASSERT_NE(get_id, nullptr);
  EXPECT_EQ(get_id->http_method, "POST");
  EXPECT_EQ(get_id->request_uri, "/");
  ASSERT_GE(get_id->input, 0);
  EXPECT_EQ(model.shape(get_id->input).name, "GetIdInput");
  EXPECT_EQ(model.shape(get_id->output).name, "GetIdResponse");
  EXPECT_NE(std::find(get_id->errors.begin(), get_id->errors.end(), "LimitExceededException"),
            get_id->errors.end());

  const Member* pool = FindMember(model, get_id->input, "IdentityPoolId");
  ASSERT_NE(pool, nullptr);
  EXPECT_TRUE(pool->required);
  EXPECT_EQ(pool->location, Location::kBody);
  const Shape& pool_shape = model.shape(pool->shape);
  EXPECT_EQ(pool_shape.name, "IdentityPoolId");
  EXPECT_EQ(pool_shape.type, Type::kString);
  EXPECT_EQ(pool_shape.pattern, R"([\w-]+:[0-9a-f-]+)");
  EXPECT_EQ(pool_shape.min, 1);
  EXPECT_EQ(pool_shape.max, 55);

  const Member* logins = FindMember(model, get_id->input, "Logins");
  ASSERT_NE(logins, nullptr);
  EXPECT_FALSE(logins->required);
  const Shape& logins_shape = model.shape(logins->shape);
  EXPECT_EQ(logins_shape.type, Type::kMap);
  EXPECT_EQ(logins_shape.max, 10);
  EXPECT_EQ(model.shape(logins_shape.key).max, 128);
  EXPECT_TRUE(model.shape(logins_shape.value).sensitive);
  EXPECT_EQ(model.shape(logins_shape.value).max, 50000);

  const Operation* delete_pool = model.FindOperation("DeleteIdentityPool");
  ASSERT_NE(delete_pool, nullptr);
  EXPECT_EQ(delete_pool->output, -1);

  const Operation* list = model.FindOperation("ListIdentities");
  ASSERT_NE(list, nullptr);
  const Member* max_results = FindMember(model, list->input, "MaxResults");
  ASSERT_NE(max_results, nullptr);
  EXPECT_TRUE(max_results->required);
  EXPECT_EQ(model.shape(max_results->shape).type, Type::kInteger);
  EXPECT_EQ(model.shape(max_results->shape).min, 1);
  EXPECT_EQ(model.shape(max_results->shape).max, 60);

  const Operation* roles = model.FindOperation("SetIdentityPoolRoles");
  ASSERT_NE(roles, nullptr);
  const Member* roles_member = FindMember(model, roles->input, "Roles");
  ASSERT_NE(roles_member, nullptr);
  const Shape& role_key = model.shape(model.shape(roles_member->shape).key);
  EXPECT_EQ(role_key.pattern, "(un)?authenticated");
  const Member* mappings = FindMember(model, roles->input, "RoleMappings");
  ASSERT_NE(mappings, nullptr);
  const Shape& mapping = model.shape(model.shape(mappings->shape).value);
  EXPECT_EQ(mapping.type, Type::kStructure);
  const Member* type = FindMember(model, model.shape(mappings->shape).value, "Type");
  ASSERT_NE(type, nullptr);
  std::vector<std::string_view> values(model.shape(type->shape).enum_values.begin(),
                                       model.shape(type->shape).enum_values.end());
  EXPECT_EQ(values, (std::vector<std::string_view>{"Token", "Rules"}));
}

TEST(ModelTest, SyncShapes) {
  const ServiceModel& model = SyncModel();
  const Operation* list = model.FindOperation("ListRecords");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->http_method, "GET");
  EXPECT_EQ(
      list->request_uri,
      "/identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}/records");
  EXPECT_EQ(model.shape(list->input).name, "ListRecordsRequest");
  ASSERT_EQ(model.shape(list->input).members.size(), 7u);

  const Member* last_sync = FindMember(model, list->input, "LastSyncCount");
  ASSERT_NE(last_sync, nullptr);
  EXPECT_EQ(last_sync->location, Location::kQuery);
  EXPECT_EQ(last_sync->location_name, "lastSyncCount");
  EXPECT_FALSE(last_sync->required);
  EXPECT_EQ(model.shape(last_sync->shape).type, Type::kLong);

  const Member* max_results = FindMember(model, list->input, "MaxResults");
  ASSERT_NE(max_results, nullptr);
  EXPECT_EQ(max_results->location, Location::kQuery);
  EXPECT_EQ(max_results->location_name, "maxResults");
  EXPECT_EQ(model.shape(max_results->shape).type, Type::kInteger);

  const Member* dataset = FindMember(model, list->input, "DatasetName");
  ASSERT_NE(dataset, nullptr);
  EXPECT_TRUE(dataset->required);
  EXPECT_EQ(dataset->location, Location::kUri);
  EXPECT_EQ(dataset->location_name, "DatasetName");
  EXPECT_EQ(model.shape(dataset->shape).pattern, "[a-zA-Z0-9_.:-]+");
  EXPECT_EQ(model.shape(dataset->shape).max, 128);

  const Operation* update = model.FindOperation("UpdateRecords");
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->http_method, "POST");
  const Member* context = FindMember(model, update->input, "ClientContext");
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->location, Location::kHeader);
  EXPECT_EQ(context->location_name, "x-amz-Client-Context");
  const Member* patches = FindMember(model, update->input, "RecordPatches");
  ASSERT_NE(patches, nullptr);
  EXPECT_EQ(patches->location, Location::kBody);
  const Shape& patch = model.shape(model.shape(patches->shape).member);
  EXPECT_EQ(patch.name, "RecordPatch");
  const Member* op = FindMember(model, model.shape(patches->shape).member, "Op");
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(op->required);
  std::vector<std::string_view> ops(model.shape(op->shape).enum_values.begin(),
                                    model.shape(op->shape).enum_values.end());
  EXPECT_EQ(ops, (std::vector<std::string_view>{"replace", "remove"}));
  const Member* date =
      FindMember(model, model.shape(patches->shape).member, "DeviceLastModifiedDate");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(model.shape(date->shape).type, Type::kTimestamp);

  const Operation* set_events = model.FindOperation("SetCognitoEvents");
  ASSERT_NE(set_events, nullptr);
  EXPECT_EQ(set_events->output, -1);
  const Operation* register_device = model.FindOperation("RegisterDevice");
  ASSERT_NE(register_device, nullptr);
  EXPECT_EQ(register_device->request_uri,
            "/identitypools/{IdentityPoolId}/identity/{IdentityId}/device");
  EXPECT_EQ(model.FindOperation("NoSuchOperation"), nullptr);
}

}  // namespace
}  // namespace cogsync::model
