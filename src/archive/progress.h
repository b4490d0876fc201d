#pragma once
// The progress line of export and import: counts and rate, redrawn at most twice a second on
// standard error when it is a terminal, and nothing at all when it is not (piped or logged).
// Not thread-safe: one per command.

#include <chrono>
#include <cstdint>
#include <string>

namespace cogsync::archive {

class Progress {
 public:
  // `verb`: "exported" / "imported"; `unit`: what the first count counts ("identities").
  // `enabled`: false silences it (--quiet).
  Progress(std::string verb, std::string unit, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Called per line; draws only when due.
  void Update(int64_t count, int64_t records);
  // Ends the line (once drawn) with the final counts.
  void Done(int64_t count, int64_t records);

 private:
  void Draw(int64_t count, int64_t records);
  std::string verb_;
  std::string unit_;
  bool enabled_;
  bool drawn_ = false;
  int64_t calls_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cogsync::archive
