#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <thread>

namespace cogsync::http {
namespace {

constexpr std::string_view kUnrouted = "-";
constexpr std::string_view kOther = "other";

// Microseconds as seconds in plain decimal ("0.00025", "1", "2.5"): exact, and what people
// expect to read in `le` labels.
std::string SecondsText(int64_t micros) {
  std::string text = fmt::format("{}.{:06}", micros / 1000000, micros % 1000000);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// Bucket labels are the same for every histogram; build them once.
const std::array<std::string, kLatencyBucketsMicros.size()>& BucketLabels() {
  static const auto labels = [] {
    std::array<std::string, kLatencyBucketsMicros.size()> out;
    for (size_t i = 0; i < out.size(); ++i) out[i] = SecondsText(kLatencyBucketsMicros[i]);
    return out;
  }();
  return labels;
}

// FNV-1a: short names, no allocation.
size_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return size_t(h);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void LatencyHistogram::Observe(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  // Buckets are few and the common latencies sit in the first ones: a linear scan wins.
  size_t i = 0;
  while (i < kLatencyBucketsMicros.size() && micros > kLatencyBucketsMicros[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot s;
  for (size_t i = 0; i < buckets_.size(); ++i)
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  s.count = count_.load(std::memory_order_relaxed);
  s.sum_micros = sum_micros_.load(std::memory_order_relaxed);
  return s;
}

void AppendHistogram(std::string& out, std::string_view metric, std::string_view labels,
                     const LatencyHistogram::Snapshot& snapshot) {
  const auto& le = BucketLabels();
  std::string_view sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < le.size(); ++i) {
    cumulative += snapshot.buckets[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"{}\"}} {}\n", metric, labels, sep,
                   le[i], cumulative);
  }
  cumulative += snapshot.buckets.back();
  fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"+Inf\"}} {}\n", metric, labels, sep,
                 cumulative);
  std::string_view open = labels.empty() ? "" : "{";
  std::string_view close = labels.empty() ? "" : "}";
  fmt::format_to(std::back_inserter(out), "{}_sum{}{}{} {}\n", metric, open, labels, close,
                 SecondsText(snapshot.sum_micros));
  // _count equals the +Inf bucket, read from the same snapshot so the two never disagree.
  fmt::format_to(std::back_inserter(out), "{}_count{}{}{} {}\n", metric, open, labels, close,
                 cumulative);
}

Metrics::Metrics() : slots_(kMaxOperations + 1) {
  slots_.back().name = kOther;
  slots_.back().state.store(2, std::memory_order_release);
}

Metrics::Slot& Metrics::SlotFor(std::string_view operation) {
  if (operation.empty()) operation = kUnrouted;
  const size_t table = kMaxOperations;
  size_t index = Hash(operation) % table;
  for (size_t probes = 0; probes < table; ++probes, index = (index + 1) % table) {
    Slot& slot = slots_[index];
    int state = slot.state.load(std::memory_order_acquire);
    if (state == 0) {
      int expected = 0;
      if (slot.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        slot.name.assign(operation);
        slot.state.store(2, std::memory_order_release);
        return slot;
      }
      state = expected;
    }
    // Another thread is writing this slot's name (once per operation per process): wait.
    while (state == 1) {
      std::this_thread::yield();
      state = slot.state.load(std::memory_order_acquire);
    }
    if (slot.name == operation) return slot;
  }
  return slots_.back();
}

void Metrics::RecordRequest(std::string_view operation, int status, int64_t latency_micros) {
  Slot& slot = SlotFor(operation);
  slot.requests.fetch_add(1, std::memory_order_relaxed);
  if (status >= 500) {
    slot.errors_5xx.fetch_add(1, std::memory_order_relaxed);
  } else if (status >= 400) {
    slot.errors_4xx.fetch_add(1, std::memory_order_relaxed);
  }
  slot.latency.Observe(latency_micros);
}

void Metrics::RecordStoreWrite(int64_t latency_micros) { store_writes_.Observe(latency_micros); }

void Metrics::AddCollector(Collector collector) {
  MutexLock lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<Metrics::OperationTotals> Metrics::Operations() const {
  std::vector<OperationTotals> out;
  for (const Slot& slot : slots_) {
    if (slot.state.load(std::memory_order_acquire) != 2) continue;
    const uint64_t requests = slot.requests.load(std::memory_order_relaxed);
    if (requests == 0) continue;
    out.push_back({slot.name, requests, slot.errors_4xx.load(std::memory_order_relaxed),
                   slot.errors_5xx.load(std::memory_order_relaxed), slot.latency.Read()});
  }
  // Name order, so scrapes are stable and diffable.
  std::sort(out.begin(), out.end(),
            [](const OperationTotals& a, const OperationTotals& b) { return a.name < b.name; });
  return out;
}

std::string Metrics::Render(size_t in_flight, size_t connections) const {
  const std::vector<OperationTotals> live = Operations();
  std::string out;
  out.reserve(4096 + live.size() * 2048);
  auto it = std::back_inserter(out);
  AppendHeader(out, "cogsync_requests_total", "counter", "Requests answered, by operation.");
  for (const auto& s : live) {
    fmt::format_to(it, "cogsync_requests_total{{operation=\"{}\"}} {}\n", s.name, s.requests);
  }
  AppendHeader(out, "cogsync_request_errors_total", "counter",
               "Requests answered with a 4xx or 5xx status, by operation and class.");
  for (const auto& s : live) {
    fmt::format_to(it, "cogsync_request_errors_total{{operation=\"{}\",class=\"4xx\"}} {}\n",
                   s.name, s.errors_4xx);
    fmt::format_to(it, "cogsync_request_errors_total{{operation=\"{}\",class=\"5xx\"}} {}\n",
                   s.name, s.errors_5xx);
  }
  AppendHeader(out, "cogsync_request_duration_seconds", "histogram",
               "Time from the first byte of a request to its response written, by operation.");
  for (const auto& s : live) {
    AppendHistogram(out, "cogsync_request_duration_seconds", "operation=\"" + s.name + "\"",
                    s.latency);
  }
  AppendHeader(out, "cogsync_store_write_duration_seconds", "histogram",
               "Durable store writes, from the call to the fsync'd group commit.");
  AppendHistogram(out, "cogsync_store_write_duration_seconds", "", store_writes_.Read());
  AppendHeader(out, "cogsync_in_flight_requests", "gauge", "Requests being handled now.");
  fmt::format_to(it, "cogsync_in_flight_requests {}\n", in_flight);
  AppendHeader(out, "cogsync_open_connections", "gauge", "Open client connections.");
  fmt::format_to(it, "cogsync_open_connections {}\n", connections);
  MutexLock lock(collectors_mu_);
  for (const auto& collector : collectors_) collector(out);
  return out;
}

}  // namespace cogsync::http
