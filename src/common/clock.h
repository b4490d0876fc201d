#pragma once
// Time as the server sees it. Injected everywhere (SigV4 skew, token expiry, record dates) so
// tests can move it; production runs on the system clock (through an OffsetClock, below).

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

// Another clock shifted by a fixed offset. The server's clock is one: offset 0, unless
// `cogsync serve --test-mode` reads another from COGSYNC_TEST_CLOCK_OFFSET_SECONDS, so a
// black-box test can restart a server "two hours later" and see the credentials it minted
// before expire without waiting for them.
class OffsetClock final : public Clock {
 public:
  OffsetClock(const Clock& base, int64_t offset_millis)
      : base_(base), offset_millis_(offset_millis) {}
  int64_t NowMillis() const override { return base_.NowMillis() + offset_millis_; }

 private:
  const Clock& base_;
  int64_t offset_millis_;
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
