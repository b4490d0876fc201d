#pragma once
// Splits a fuzzer's bytes into fields: each field is a length byte followed by that many bytes
// (short at the end). Lets one input drive several parameters deterministically.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cogsync::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string Field() {
    if (rest_.empty()) return {};
    size_t n = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    n = std::min(n, rest_.size());
    std::string out(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return out;
  }
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  std::string Rest() {
    std::string out(rest_);
    rest_ = {};
    return out;
  }

 private:
  std::string_view rest_;
};

}  // namespace cogsync::fuzz
