#include "protocol/validate.h"

#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/mutex.h"
#include "protocol/pattern.h"

namespace cogsync::protocol {
namespace {

namespace json = boost::json;
using model::Location;
using model::Shape;
using model::Type;

// Limits of the message, our choice: enough to diagnose, bounded for hostile input.
constexpr size_t kMaxEchoedValueBytes = 256;
constexpr size_t kMaxListedViolations = 20;
// Deeper nesting than any model shape has (the deepest input is about 5 levels).
constexpr size_t kMaxPathDepth = 32;

// Per-model data derived once: compiled patterns and which shapes hold a sensitive value.
struct CompiledModel {
  std::vector<std::optional<Pattern>> patterns;  // by shape index
  std::vector<bool> holds_sensitive;             // by shape index
};

bool HoldsSensitive(const model::ServiceModel& model, int index, std::vector<int>* state) {
  // state: 0 unknown, 1 in progress (a recursive shape: assume not), 2 no, 3 yes.
  int& s = (*state)[static_cast<size_t>(index)];
  if (s != 0) return s == 3;
  s = 1;
  const Shape& shape = model.shape(index);
  bool result = shape.sensitive;
  for (int child : {shape.member, shape.key, shape.value}) {
    if (child >= 0 && HoldsSensitive(model, child, state)) result = true;
  }
  for (const auto& member : shape.members) {
    if (HoldsSensitive(model, member.shape, state)) result = true;
  }
  s = result ? 3 : 2;
  return result;
}

std::unique_ptr<CompiledModel> Compile(const model::ServiceModel& model) {
  auto compiled = std::make_unique<CompiledModel>();
  const size_t count = model.shapes.size();
  compiled->patterns.resize(count);
  std::vector<int> state(count, 0);
  for (size_t i = 0; i < count; ++i) {
    const Shape& shape = model.shapes[i];
    // A pattern outside the supported dialect is not enforced; model_test checks that every
    // pattern of the shipped models compiles.
    if (!shape.pattern.empty()) compiled->patterns[i] = Pattern::Compile(shape.pattern);
    compiled->holds_sensitive.push_back(HoldsSensitive(model, static_cast<int>(i), &state));
  }
  return compiled;
}

const CompiledModel& CompiledFor(const model::ServiceModel& model) {
  // The two shipped models get their own statics (no lock on the request path); any other
  // model (tests) is cached by the address of its shape table.
  if (&model == &model::IdentityModel()) {
    static const CompiledModel* identity = Compile(model).release();
    return *identity;
  }
  if (&model == &model::SyncModel()) {
    static const CompiledModel* sync = Compile(model).release();
    return *sync;
  }
  struct Cache {
    Mutex mu;
    std::map<const Shape*, std::unique_ptr<CompiledModel>> models GUARDED_BY(mu);
  };
  static auto* cache = new Cache();
  MutexLock lock(cache->mu);
  auto& entry = cache->models[model.shapes.data()];
  if (!entry) entry = Compile(model);
  return *entry;
}

// A location in the input, kept as views so the happy path never builds a string.
struct PathSegment {
  enum class Kind { kMember, kListIndex, kMapKey };
  Kind kind;
  std::string_view text;  // member name or map key
  size_t index = 0;       // list index, 0-based
};

class Path {
 public:
  bool Push(PathSegment segment) {
    if (depth_ == segments_.size()) return false;
    segments_[depth_++] = segment;
    return true;
  }
  void Pop() { --depth_; }

  std::string Render() const {
    std::string out;
    for (size_t i = 0; i < depth_; ++i) {
      const PathSegment& segment = segments_[i];
      if (i > 0) out.push_back('.');
      switch (segment.kind) {
        case PathSegment::Kind::kMember:
          // AWS writes member names with the first letter lowered ("identityPoolId").
          if (!segment.text.empty()) {
            out.push_back(ascii::Lower(segment.text.front()));
            out.append(segment.text.substr(1));
          }
          break;
        case PathSegment::Kind::kListIndex:
          out.append(std::to_string(segment.index + 1)).append(".member");
          break;
        case PathSegment::Kind::kMapKey:
          out.append(segment.text).append(".member");
          break;
      }
    }
    return out;
  }

 private:
  std::array<PathSegment, kMaxPathDepth> segments_;
  size_t depth_ = 0;
};

// Java-style rendering of a value as AWS echoes it: strings bare, lists "[a, b]", maps and
// structures "{k=v, k2=v2}".
void AppendValue(const json::value& value, std::string* out) {
  if (out->size() > kMaxEchoedValueBytes) return;
  switch (value.kind()) {
    case json::kind::string:
      out->append(value.get_string().data(), value.get_string().size());
      break;
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out->append(", ");
        first = false;
        AppendValue(element, out);
        if (out->size() > kMaxEchoedValueBytes) return;
      }
      out->push_back(']');
      break;
    }
    case json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& entry : value.get_object()) {
        if (!first) out->append(", ");
        first = false;
        out->append(entry.key().data(), entry.key().size());
        out->push_back('=');
        AppendValue(entry.value(), out);
        if (out->size() > kMaxEchoedValueBytes) return;
      }
      out->push_back('}');
      break;
    }
    default:
      out->append(json::serialize(value));
  }
}

std::string EchoValue(const json::value& value) {
  std::string text;
  AppendValue(value, &text);
  if (text.size() > kMaxEchoedValueBytes) {
    size_t cut = kMaxEchoedValueBytes;
    // Do not split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text.append("...");
  }
  return text;
}

std::string FormatViolations(const std::vector<std::string>& violations, size_t total) {
  std::string message = std::to_string(total);
  message.append(total == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) message.append("; ");
    message.append(violations[i]);
  }
  return message;
}

std::string EnumText(const Shape& shape) {
  std::string text = "Member must satisfy enum value set: [";
  bool first = true;
  for (auto value : shape.enum_values) {
    if (!first) text.append(", ");
    first = false;
    text.append(value);
  }
  text.push_back(']');
  return text;
}

std::string LengthMaxText(int64_t max) {
  return "Member must have length less than or equal to " + std::to_string(max);
}
std::string LengthMinText(int64_t min) {
  return "Member must have length greater than or equal to " + std::to_string(min);
}
std::string ValueMaxText(int64_t max) {
  return "Member must have value less than or equal to " + std::to_string(max);
}
std::string ValueMinText(int64_t min) {
  return "Member must have value greater than or equal to " + std::to_string(min);
}
std::string PatternText(std::string_view pattern) {
  return "Member must satisfy regular expression pattern: " + std::string(pattern);
}

bool IsScalar(Type type) {
  return type != Type::kStructure && type != Type::kList && type != Type::kMap;
}

class Validator {
 public:
  Validator(const model::ServiceModel& model, const CompiledModel& compiled)
      : model_(model), compiled_(compiled) {}

  void Structure(int index, const json::object& object) {
    for (const auto& member : model_.shape(index).members) {
      if (type_error_) return;
      const json::value* value = object.if_contains(member.name);
      if (!Push({PathSegment::Kind::kMember, member.name})) return;
      if (value == nullptr || value->is_null()) {
        if (member.required) {
          AddViolation(nullptr, member.shape, "Member must not be null");
        }
      } else {
        Value(member.shape, *value);
      }
      path_.Pop();
    }
  }

  // Checks one value of shape `index` at the current path.
  void Value(int index, const json::value& value) {
    const Shape& shape = model_.shape(index);
    if (!TypeMatches(shape, value)) return;
    switch (shape.type) {
      case Type::kStructure:
        Structure(index, value.get_object());
        return;
      case Type::kList:
        List(index, value.get_array(), value);
        return;
      case Type::kMap:
        Map(index, value.get_object(), value);
        return;
      default:
        if (ScalarOk(index, value)) return;  // the common case: no strings built
        for (const std::string& text : ScalarFailures(index, value)) {
          AddViolation(&value, index, text);
        }
    }
  }

  const std::optional<std::string>& type_error() const { return type_error_; }
  const std::vector<std::string>& violations() const { return violations_; }
  size_t total() const { return total_; }

 private:
  bool Push(PathSegment segment) {
    if (path_.Push(segment)) return true;
    type_error_ = "Input nested too deeply";
    return false;
  }

  void List(int index, const json::array& array, const json::value& whole) {
    const Shape& shape = model_.shape(index);
    SizeViolations(index, static_cast<int64_t>(array.size()), whole);
    const Shape& element = model_.shape(shape.member);
    if (IsScalar(element.type)) {
      bool failed = false;
      for (const auto& item : array) {
        if (item.is_null()) {
          failed = true;
          continue;
        }
        if (!TypeMatches(element, item)) return;
        if (!failed && !ScalarOk(shape.member, item)) failed = true;
      }
      if (failed) {
        AddViolation(&whole, index,
                     "Member must satisfy constraint: " + ConstraintList(shape.member));
      }
      return;
    }
    for (size_t i = 0; i < array.size() && !type_error_; ++i) {
      if (!Push({PathSegment::Kind::kListIndex, {}, i})) return;
      if (array[i].is_null()) {
        AddViolation(nullptr, shape.member, "Member must not be null");
      } else {
        Value(shape.member, array[i]);
      }
      path_.Pop();
    }
  }

  void Map(int index, const json::object& object, const json::value& whole) {
    const Shape& shape = model_.shape(index);
    SizeViolations(index, static_cast<int64_t>(object.size()), whole);
    bool key_failed = false;
    for (const auto& entry : object) {
      json::string_view key = entry.key();
      if (!ScalarStringOk(shape.key, std::string_view(key.data(), key.size()))) {
        key_failed = true;
        break;
      }
    }
    if (key_failed) {
      AddViolation(&whole, index, "Map keys must satisfy constraint: " + ConstraintList(shape.key));
    }
    const Shape& value_shape = model_.shape(shape.value);
    if (IsScalar(value_shape.type)) {
      bool failed = false;
      for (const auto& entry : object) {
        if (entry.value().is_null()) {
          failed = true;
          continue;
        }
        if (!TypeMatches(value_shape, entry.value())) return;
        if (!failed && !ScalarOk(shape.value, entry.value())) failed = true;
      }
      if (failed) {
        AddViolation(&whole, index,
                     "Map value must satisfy constraint: " + ConstraintList(shape.value));
      }
      return;
    }
    for (const auto& entry : object) {
      if (type_error_) return;
      json::string_view key = entry.key();
      if (!Push({PathSegment::Kind::kMapKey, std::string_view(key.data(), key.size())})) return;
      if (entry.value().is_null()) {
        AddViolation(nullptr, shape.value, "Member must not be null");
      } else {
        Value(shape.value, entry.value());
      }
      path_.Pop();
    }
  }

  void SizeViolations(int index, int64_t size, const json::value& whole) {
    const Shape& shape = model_.shape(index);
    if (shape.min && size < *shape.min) AddViolation(&whole, index, LengthMinText(*shape.min));
    if (shape.max && size > *shape.max) AddViolation(&whole, index, LengthMaxText(*shape.max));
  }

  // Whether `value` has the JSON type the shape needs; records a type error if not.
  bool TypeMatches(const Shape& shape, const json::value& value) {
    const char* problem = nullptr;
    switch (shape.type) {
      case Type::kString:
      case Type::kBlob:
        if (!value.is_string()) problem = "a String";
        break;
      case Type::kInteger:
        if (value.is_int64()) {
          int64_t v = value.get_int64();
          if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
            problem = "an Integer";
          }
        } else if (!value.is_uint64() ||
                   value.get_uint64() > uint64_t{std::numeric_limits<int32_t>::max()}) {
          problem = "an Integer";
        }
        break;
      case Type::kLong:
        if (!value.is_int64() &&
            !(value.is_uint64() &&
              value.get_uint64() <= uint64_t{std::numeric_limits<int64_t>::max()})) {
          problem = "a Long";
        }
        break;
      case Type::kBoolean:
        if (!value.is_bool()) problem = "a Boolean";
        break;
      case Type::kTimestamp:  // D6: integers, decimals and exponent notation
        if (!value.is_number()) problem = "a Timestamp";
        break;
      case Type::kDouble:
        if (!value.is_number()) problem = "a Double";
        break;
      case Type::kStructure:
      case Type::kMap:
        if (!value.is_object()) problem = "a structure or map";
        break;
      case Type::kList:
        if (!value.is_array()) problem = "a list";
        break;
    }
    if (problem == nullptr) return true;
    if (!type_error_) type_error_ = TypeErrorText(value, problem);
    return false;
  }

  std::string TypeErrorText(const json::value& value, const char* expected) {
    // Worded like the Coral JSON deserializer's messages; which exact words AWS uses for each
    // pair of types is not known, the code (SerializationException) is what clients match.
    std::string at = " at '" + path_.Render() + "'";
    if (value.is_object()) return "Start of structure or map found where not expected" + at;
    if (value.is_array()) return "Start of list found where not expected" + at;
    const char* found = value.is_string()   ? "STRING_VALUE"
                        : value.is_bool()   ? "BOOLEAN_VALUE"
                        : value.is_number() ? "NUMBER_VALUE"
                                            : "NULL_VALUE";
    return std::string(found) + " can not be converted to " + expected + at;
  }

  // The failed constraints of a scalar, in the order AWS lists them.
  std::vector<std::string> ScalarFailures(int index, const json::value& value) {
    std::vector<std::string> failures;
    const Shape& shape = model_.shape(index);
    if (value.is_string()) {
      const json::string& s = value.get_string();
      std::string_view text(s.data(), s.size());
      if (!shape.enum_values.empty() && !InEnum(shape, text)) failures.push_back(EnumText(shape));
      const auto& pattern = compiled_.patterns[static_cast<size_t>(index)];
      if (pattern && !pattern->Matches(text)) failures.push_back(PatternText(shape.pattern));
      if (shape.min || shape.max) {
        auto length = static_cast<int64_t>(CountCodePoints(text));
        if (shape.min && length < *shape.min) failures.push_back(LengthMinText(*shape.min));
        if (shape.max && length > *shape.max) failures.push_back(LengthMaxText(*shape.max));
      }
    } else if (IsIntegral(shape)) {
      if (shape.min && Below(value, *shape.min)) failures.push_back(ValueMinText(*shape.min));
      if (shape.max && Above(value, *shape.max)) failures.push_back(ValueMaxText(*shape.max));
    }
    return failures;
  }

  static bool IsIntegral(const Shape& shape) {
    return shape.type == Type::kInteger || shape.type == Type::kLong;
  }
  // REQUIRES: value is an int64 or uint64 (TypeMatches passed for an integral shape).
  static bool Below(const json::value& value, int64_t bound) {
    if (value.is_int64()) return value.get_int64() < bound;
    return bound > 0 && value.get_uint64() < static_cast<uint64_t>(bound);
  }
  static bool Above(const json::value& value, int64_t bound) {
    if (value.is_int64()) return value.get_int64() > bound;
    return bound < 0 || value.get_uint64() > static_cast<uint64_t>(bound);
  }

  // The same checks as ScalarFailures without building messages (for collection elements).
  bool ScalarOk(int index, const json::value& value) {
    if (value.is_string()) {
      const json::string& s = value.get_string();
      return ScalarStringOk(index, std::string_view(s.data(), s.size()));
    }
    const Shape& shape = model_.shape(index);
    if (!IsIntegral(shape) || !(value.is_int64() || value.is_uint64())) return true;
    return !(shape.min && Below(value, *shape.min)) && !(shape.max && Above(value, *shape.max));
  }

  bool ScalarStringOk(int index, std::string_view text) {
    const Shape& shape = model_.shape(index);
    if (!shape.enum_values.empty() && !InEnum(shape, text)) return false;
    const auto& pattern = compiled_.patterns[static_cast<size_t>(index)];
    if (pattern && !pattern->Matches(text)) return false;
    if (shape.min || shape.max) {
      auto length = static_cast<int64_t>(CountCodePoints(text));
      if (shape.min && length < *shape.min) return false;
      if (shape.max && length > *shape.max) return false;
    }
    return true;
  }

  static bool InEnum(const Shape& shape, std::string_view text) {
    for (auto allowed : shape.enum_values) {
      if (allowed == text) return true;
    }
    return false;
  }

  // Every constraint of an element shape, as AWS lists them in brackets (a real Cognito
  // answer for Logins: "[Member must have length less than or equal to 50000, Member must
  // have length greater than or equal to 1]").
  std::string ConstraintList(int index) {
    const Shape& shape = model_.shape(index);
    std::vector<std::string> parts;
    bool string_like = shape.type == Type::kString || shape.type == Type::kBlob;
    if (shape.max)
      parts.push_back(string_like ? LengthMaxText(*shape.max) : ValueMaxText(*shape.max));
    if (shape.min)
      parts.push_back(string_like ? LengthMinText(*shape.min) : ValueMinText(*shape.min));
    if (!shape.pattern.empty()) parts.push_back(PatternText(shape.pattern));
    if (!shape.enum_values.empty()) parts.push_back(EnumText(shape));
    std::string text = "[";
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) text.append(", ");
      text.append(parts[i]);
    }
    text.push_back(']');
    return text;
  }

  // `value` null means the value is absent (written "Value null").
  void AddViolation(const json::value* value, int index, const std::string& constraint) {
    ++total_;
    if (violations_.size() >= kMaxListedViolations) return;
    std::string text = "Value ";
    if (value == nullptr) {
      text.append("null ");
    } else if (!compiled_.holds_sensitive[static_cast<size_t>(index)]) {
      text.append("'").append(EchoValue(*value)).append("' ");
    }
    text.append("at '").append(path_.Render()).append("' failed to satisfy constraint: ");
    text.append(constraint);
    violations_.push_back(std::move(text));
  }

  const model::ServiceModel& model_;
  const CompiledModel& compiled_;
  Path path_;
  std::vector<std::string> violations_;
  size_t total_ = 0;
  std::optional<std::string> type_error_;
};

// --- Coercion of string-typed numbers and booleans (legacy Sync form, query strings). -----

class Coercer {
 public:
  explicit Coercer(const model::ServiceModel& model) : model_(model) {}

  void Structure(int index, json::object& object) {
    for (const auto& member : model_.shape(index).members) {
      auto it = object.find(member.name);
      if (it == object.end()) continue;
      if (!path_.Push({PathSegment::Kind::kMember, member.name})) return;
      Value(member.shape, it->value());
      path_.Pop();
    }
  }

  void Value(int index, json::value& value) {
    const Shape& shape = model_.shape(index);
    switch (shape.type) {
      case Type::kStructure:
        if (value.is_object()) Structure(index, value.get_object());
        return;
      case Type::kList:
        if (!value.is_array()) return;
        for (size_t i = 0; i < value.get_array().size(); ++i) {
          if (!path_.Push({PathSegment::Kind::kListIndex, {}, i})) return;
          Value(shape.member, value.get_array()[i]);
          path_.Pop();
        }
        return;
      case Type::kMap:
        if (!value.is_object()) return;
        for (auto& entry : value.get_object()) {
          json::string_view key = entry.key();
          if (!path_.Push({PathSegment::Kind::kMapKey, std::string_view(key.data(), key.size())})) {
            return;
          }
          Value(shape.value, entry.value());
          path_.Pop();
        }
        return;
      case Type::kInteger:
      case Type::kLong:
      case Type::kTimestamp:
      case Type::kDouble:
      case Type::kBoolean:
        if (value.is_string()) Convert(shape.type, value);
        return;
      default:
        return;
    }
  }

  const std::vector<std::string>& violations() const { return violations_; }

 private:
  void Convert(Type type, json::value& value) {
    const json::string& s = value.get_string();
    std::string_view text(s.data(), s.size());
    const char* end = text.data() + text.size();
    if (type == Type::kBoolean) {
      if (ascii::EqualsIgnoreCase(text, "true")) {
        value = true;
      } else if (ascii::EqualsIgnoreCase(text, "false")) {
        value = false;
      } else {
        Fail(text, "Member must be a boolean");
      }
      return;
    }
    if (type == Type::kInteger || type == Type::kLong) {
      int64_t number = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, number);
      bool ok = !text.empty() && ec == std::errc() && ptr == end;
      if (ok && type == Type::kInteger &&
          (number < std::numeric_limits<int32_t>::min() ||
           number > std::numeric_limits<int32_t>::max())) {
        ok = false;
      }
      if (ok) {
        value = number;
      } else {
        Fail(text, "Member must be a number");
      }
      return;
    }
    // Timestamps and doubles: integers, decimals, exponent notation (D6). An integer stays an
    // integer so that whole seconds keep full precision.
    int64_t whole = 0;
    auto [int_end, int_ec] = std::from_chars(text.data(), end, whole);
    if (!text.empty() && int_ec == std::errc() && int_end == end) {
      value = whole;
      return;
    }
    double number = 0;
    auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (!text.empty() && ec == std::errc() && ptr == end && number == number &&
        number != std::numeric_limits<double>::infinity() &&
        number != -std::numeric_limits<double>::infinity()) {
      value = number;
    } else {
      Fail(text, "Member must be a number");
    }
  }

  void Fail(std::string_view text, std::string_view constraint) {
    std::string echoed = EchoValue(json::value(text));
    violations_.push_back("Value '" + echoed + "' at '" + path_.Render() +
                          "' failed to satisfy constraint: " + std::string(constraint));
  }

  const model::ServiceModel& model_;
  Path path_;
  std::vector<std::string> violations_;
};

}  // namespace

Status ValidateInput(const model::ServiceModel& model, const model::Operation& op,
                     const json::object& input, Service service) {
  if (op.input < 0) return OkStatus();
  Validator validator(model, CompiledFor(model));
  validator.Structure(op.input, input);
  if (validator.type_error()) {
    if (service == Service::kIdentity) return ApiError::Serialization(*validator.type_error());
    return ApiError::InvalidParameter(*validator.type_error());
  }
  if (validator.total() == 0) return OkStatus();
  std::string message = FormatViolations(validator.violations(), validator.total());
  if (service == Service::kIdentity) return ApiError::Validation(std::move(message));
  return ApiError::InvalidParameter(std::move(message));
}

Result<json::object> CoerceLegacyInput(const model::ServiceModel& model, const model::Operation& op,
                                       json::object input) {
  if (op.input < 0) return input;
  Coercer coercer(model);
  coercer.Structure(op.input, input);
  if (!coercer.violations().empty()) {
    return ApiError::InvalidParameter(
        FormatViolations(coercer.violations(), coercer.violations().size()));
  }
  return input;
}

}  // namespace cogsync::protocol
