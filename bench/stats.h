#pragma once
// What the load generator measures: per operation, every latency (for exact percentiles), the
// successes, the conflicts (an expected outcome of concurrent sync, never an error) and the
// unexpected errors by code. One Recorder per client thread, merged after the run, so
// recording takes no lock.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cogsync::bench {

enum class Outcome { kOk, kConflict, kError };

struct OpStats {
  std::vector<int64_t> latencies_micros;  // every completed request, conflicts and errors too
  uint64_t ok = 0;
  uint64_t conflicts = 0;
  uint64_t errors = 0;
  std::map<std::string, uint64_t> error_codes;  // error code (or transport failure) -> count
};

class Recorder {
 public:
  void Record(std::string_view operation, int64_t latency_micros, Outcome outcome,
              std::string_view error_code = {});
  void Merge(const Recorder& other);
  const std::map<std::string, OpStats, std::less<>>& ops() const { return ops_; }
  uint64_t TotalRequests() const;
  uint64_t TotalErrors() const;

 private:
  std::map<std::string, OpStats, std::less<>> ops_;
};

// The value at quantile q (0..1) of sorted latencies, nearest-rank; 0 for none.
int64_t Percentile(const std::vector<int64_t>& sorted, double q);

// A human-readable table (one line per operation plus a total) and, for scripts, one
// `RESULT op=<name> rps=<n> p50_us=<n> p99_us=<n> p999_us=<n> ok=<n> conflicts=<n> errors=<n>`
// line per operation. `seconds` is the measured wall time.
std::string Report(const Recorder& recorder, double seconds);

}  // namespace cogsync::bench
