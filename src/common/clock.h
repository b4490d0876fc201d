#pragma once
// Time as the server sees it. Injected everywhere (SigV4 skew, token expiry, record dates) so
// tests can move it; the system clock is the only production implementation.

#include <chrono>
#include <cstdint>

namespace cogsync {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  int64_t NowSeconds() const { return NowMillis() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t millis) : millis_(millis) {}
  int64_t NowMillis() const override { return millis_; }
  void Set(int64_t millis) { millis_ = millis; }
  void Advance(int64_t millis) { millis_ += millis; }

 private:
  int64_t millis_;
};

}  // namespace cogsync
