#include "bench/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace cogsync::bench {

void Recorder::Record(std::string_view operation, int64_t latency_micros, Outcome outcome,
                      std::string_view error_code) {
  auto it = ops_.find(operation);
  if (it == ops_.end()) it = ops_.emplace(std::string(operation), OpStats{}).first;
  OpStats& s = it->second;
  s.latencies_micros.push_back(latency_micros);
  switch (outcome) {
    case Outcome::kOk:
      ++s.ok;
      break;
    case Outcome::kConflict:
      ++s.conflicts;
      break;
    case Outcome::kError:
      ++s.errors;
      ++s.error_codes[std::string(error_code.empty() ? "unknown" : error_code)];
      break;
  }
}

void Recorder::Merge(const Recorder& other) {
  for (const auto& [name, theirs] : other.ops_) {
    OpStats& mine = ops_[name];
    mine.latencies_micros.insert(mine.latencies_micros.end(), theirs.latencies_micros.begin(),
                                 theirs.latencies_micros.end());
    mine.ok += theirs.ok;
    mine.conflicts += theirs.conflicts;
    mine.errors += theirs.errors;
    for (const auto& [code, n] : theirs.error_codes) mine.error_codes[code] += n;
  }
}

uint64_t Recorder::TotalRequests() const {
  uint64_t n = 0;
  for (const auto& [name, s] : ops_) n += s.latencies_micros.size();
  return n;
}

uint64_t Recorder::TotalErrors() const {
  uint64_t n = 0;
  for (const auto& [name, s] : ops_) n += s.errors;
  return n;
}

int64_t Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(q * double(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string Report(const Recorder& recorder, double seconds) {
  std::string out;
  auto it = std::back_inserter(out);
  seconds = std::max(seconds, 1e-9);
  fmt::format_to(it, "{:<28} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}\n", "operation",
                 "requests", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "conflicts",
                 "errors");
  std::vector<int64_t> all;
  uint64_t conflicts = 0;
  uint64_t errors = 0;
  std::string results;
  auto line = [&](std::string_view name, std::vector<int64_t>& sorted, uint64_t c, uint64_t e,
                  uint64_t ok) {
    std::sort(sorted.begin(), sorted.end());
    double rps = double(sorted.size()) / seconds;
    int64_t p50 = Percentile(sorted, 0.50);
    int64_t p99 = Percentile(sorted, 0.99);
    int64_t p999 = Percentile(sorted, 0.999);
    int64_t max = sorted.empty() ? 0 : sorted.back();
    fmt::format_to(it, "{:<28} {:>10} {:>11.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9} {:>7}\n",
                   name, sorted.size(), rps, p50 / 1000.0, p99 / 1000.0, p999 / 1000.0,
                   max / 1000.0, c, e);
    fmt::format_to(std::back_inserter(results),
                   "RESULT op={} rps={:.1f} p50_us={} p99_us={} p999_us={} ok={} conflicts={} "
                   "errors={}\n",
                   name, rps, p50, p99, p999, ok, c, e);
  };
  uint64_t ok_total = 0;
  for (const auto& [name, s] : recorder.ops()) {
    std::vector<int64_t> sorted = s.latencies_micros;
    all.insert(all.end(), sorted.begin(), sorted.end());
    conflicts += s.conflicts;
    errors += s.errors;
    ok_total += s.ok;
    line(name, sorted, s.conflicts, s.errors, s.ok);
  }
  line("total", all, conflicts, errors, ok_total);
  for (const auto& [name, s] : recorder.ops()) {
    for (const auto& [code, n] : s.error_codes) {
      fmt::format_to(it, "error: {} {} x{}\n", name, code, n);
    }
  }
  return out + results;
}

}  // namespace cogsync::bench
