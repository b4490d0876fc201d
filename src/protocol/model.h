#pragma once
// The two service models (shapes, constraints, operations, errors) as C++ data. The data is
// generated from the botocore service models by tools/gen_model.py into model_data.cc; a test
// regenerates it from the botocore on the machine and fails on any difference.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cogsync::model {

enum class Type {
  kString,
  kInteger,
  kLong,
  kBoolean,
  kTimestamp,
  kStructure,
  kList,
  kMap,
  kBlob,
  kDouble
};
enum class Location { kBody, kUri, kQuery, kHeader };

struct Member {
  std::string_view name;  // as in the model, e.g. "IdentityPoolId"
  int shape;              // index into ServiceModel::shapes
  bool required;
  Location location;
  std::string_view location_name;  // path label, query key or header name; empty for body
};

struct Shape {
  std::string_view name;
  Type type;
  std::optional<int64_t> min;  // length for strings/lists/maps, value for numbers
  std::optional<int64_t> max;
  std::string_view pattern;  // as written in the model (unanchored; AWS matches whole values)
  std::span<const std::string_view> enum_values;
  int member = -1;                  // list element shape
  int key = -1;                     // map key shape
  int value = -1;                   // map value shape
  std::span<const Member> members;  // structure members
  bool sensitive = false;
};

struct Operation {
  std::string_view name;
  std::string_view http_method;
  std::string_view request_uri;  // e.g. "/identitypools/{IdentityPoolId}/events"
  int input = -1;                // shape index, -1 when the operation has no input
  int output = -1;
  std::span<const std::string_view> errors;
};

struct ServiceModel {
  std::string_view endpoint_prefix;  // "cognito-identity" / "cognito-sync"
  std::span<const Shape> shapes;
  std::span<const Operation> operations;

  const Operation* FindOperation(std::string_view name) const {
    for (const auto& op : operations) {
      if (op.name == name) return &op;
    }
    return nullptr;
  }
  const Shape& shape(int index) const { return shapes[static_cast<size_t>(index)]; }
};

const ServiceModel& IdentityModel();
const ServiceModel& SyncModel();

}  // namespace cogsync::model
