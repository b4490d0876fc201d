#pragma once
// A hash map keyed by std::string that is looked up with a std::string_view: a hit allocates
// nothing (the key is not copied into a temporary std::string first).

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cogsync {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringViewHash, std::equal_to<>>;

}  // namespace cogsync
