#pragma once
// The server's metrics, served as Prometheus text (version 0.0.4) at GET /metrics.
//
// Recording sits on the hot path of every request, so it takes no lock and allocates nothing:
// each operation owns a fixed slot (found by a hash probe over a fixed table; a slot is claimed
// once, the first time its operation is seen) holding relaxed atomic counters and a histogram
// with fixed buckets. Rendering (rare) reads the atomics without stopping writers, so a scrape
// may see a request in `count` but not yet in a bucket; Prometheus tolerates that.
//
// The operation label comes from the dispatcher's routing (a bounded set of names taken from
// the service models), never from raw client input; requests that were not routed are "-".

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"

namespace cogsync::http {

// Upper bounds of the latency buckets in microseconds (+Inf is implicit).
inline constexpr std::array<int64_t, 17> kLatencyBucketsMicros = {
    50,    100,    250,    500,    1000,    2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

// A latency histogram with the fixed buckets above.
class LatencyHistogram {
 public:
  void Observe(int64_t micros);

  struct Snapshot {
    std::array<uint64_t, kLatencyBucketsMicros.size() + 1> buckets{};  // not cumulative; last: +Inf
    uint64_t count = 0;
    int64_t sum_micros = 0;
  };
  Snapshot Read() const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBucketsMicros.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_micros_{0};
};

class Metrics {
 public:
  // At most this many distinct operation names get their own series; later ones share "other".
  static constexpr size_t kMaxOperations = 127;

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One finished request. `operation` empty means not routed ("-"); a status of 400 or more
  // counts as an error of class "4xx" or "5xx" (conflicts included: they are client errors).
  void RecordRequest(std::string_view operation, int status, int64_t latency_micros);
  // One durable store write (Store::Write), queueing and group commit included.
  void RecordStoreWrite(int64_t latency_micros);

  // Gauges and counters owned elsewhere, read at scrape time. The function appends complete
  // Prometheus lines (with # HELP/# TYPE) to `out`; it runs on an I/O thread, so it must be
  // cheap and thread-safe. Register before the server starts.
  using Collector = std::function<void(std::string& out)>;
  void AddCollector(Collector collector);

  // What one operation has counted so far (a snapshot read without stopping writers).
  struct OperationTotals {
    std::string name;  // "-" for requests that were not routed, "other" past kMaxOperations
    uint64_t requests = 0;
    uint64_t errors_4xx = 0;
    uint64_t errors_5xx = 0;
    LatencyHistogram::Snapshot latency;
  };
  // Every operation seen at least once, in name order.
  std::vector<OperationTotals> Operations() const;

  // The whole exposition. `in_flight` and `connections` are the server's current gauges.
  std::string Render(size_t in_flight, size_t connections) const;

 private:
  struct Slot {
    std::atomic<int> state{0};  // 0 free, 1 being claimed, 2 published
    std::string name;           // written once, before state becomes 2
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors_4xx{0};
    std::atomic<uint64_t> errors_5xx{0};
    LatencyHistogram latency;
  };
  Slot& SlotFor(std::string_view operation);

  // kMaxOperations + 1 slots: the last one is "other", used when the table is full.
  std::vector<Slot> slots_;
  LatencyHistogram store_writes_;
  mutable Mutex collectors_mu_;  // taken by AddCollector and at scrape time, never per request
  std::vector<Collector> collectors_ GUARDED_BY(collectors_mu_);
};

// Appends a histogram in Prometheus text format: the _bucket lines (cumulative, le in seconds),
// _sum (seconds) and _count. `labels` is either empty or `name="value",...` without braces.
void AppendHistogram(std::string& out, std::string_view metric, std::string_view labels,
                     const LatencyHistogram::Snapshot& snapshot);

}  // namespace cogsync::http
