#include "http/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace cogsync::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value of the first line starting with `series ` (exact series name and labels), or -1.
double Value(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      size_t start = at + series.size() + 1;
      return std::stod(text.substr(start, text.find('\n', start) - start));
    }
    at += series.size();
  }
  return -1;
}

TEST(HttpMetricsTest, HistogramBucketBoundsAreInclusive) {
  LatencyHistogram h;
  h.Observe(50);        // le 0.00005
  h.Observe(51);        // le 0.0001
  h.Observe(100);       // le 0.0001
  h.Observe(20000000);  // beyond the last bound: +Inf only
  h.Observe(-5);        // clock went backwards: counted as 0
  auto s = h.Read();
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.buckets[1], 2u);
  EXPECT_EQ(s.buckets.back(), 1u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.sum_micros, 50 + 51 + 100 + 20000000);
}

TEST(HttpMetricsTest, HistogramTextIsCumulativeInSeconds) {
  LatencyHistogram h;
  h.Observe(40);
  h.Observe(300);
  h.Observe(1500000);
  std::string out;
  AppendHistogram(out, "x_seconds", "operation=\"Op\"", h.Read());
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"0.00005\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"0.00025\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"0.0005\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"1\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"2.5\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"10\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_bucket{operation=\"Op\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_sum{operation=\"Op\"} 1.50034\n"));
  EXPECT_THAT(out, HasSubstr("x_seconds_count{operation=\"Op\"} 3\n"));

  std::string bare;
  AppendHistogram(bare, "y", "", LatencyHistogram().Read());
  EXPECT_THAT(bare, HasSubstr("y_bucket{le=\"+Inf\"} 0\n"));
  EXPECT_THAT(bare, HasSubstr("y_sum 0\ny_count 0\n"));
}

TEST(HttpMetricsTest, CountsRequestsAndErrorsByOperation) {
  Metrics m;
  m.RecordRequest("ListRecords", 200, 120);
  m.RecordRequest("ListRecords", 200, 80);
  m.RecordRequest("UpdateRecords", 400, 900);  // ResourceConflictException is a 400
  m.RecordRequest("UpdateRecords", 500, 900);
  m.RecordRequest("", 404, 10);
  std::string text = m.Render(3, 7);

  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"ListRecords\"}"), 2);
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"UpdateRecords\"}"), 2);
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"-\"}"), 1);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"ListRecords\",class=\"4xx\"}"),
            0);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"UpdateRecords\",class=\"4xx\"}"),
            1);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"UpdateRecords\",class=\"5xx\"}"),
            1);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"-\",class=\"4xx\"}"), 1);
  EXPECT_EQ(
      Value(text,
            "cogsync_request_duration_seconds_bucket{operation=\"ListRecords\",le=\"0.0001\"}"),
      1);
  EXPECT_EQ(Value(text, "cogsync_request_duration_seconds_count{operation=\"ListRecords\"}"), 2);
  EXPECT_EQ(Value(text, "cogsync_request_duration_seconds_sum{operation=\"ListRecords\"}"), 0.0002);
  EXPECT_EQ(Value(text, "cogsync_in_flight_requests"), 3);
  EXPECT_EQ(Value(text, "cogsync_open_connections"), 7);
  // Stable order: operations sorted by name, each metric family announced once.
  EXPECT_LT(text.find("operation=\"-\""), text.find("operation=\"ListRecords\""));
  EXPECT_LT(text.find("operation=\"ListRecords\""), text.find("operation=\"UpdateRecords\""));
  EXPECT_THAT(text, HasSubstr("# TYPE cogsync_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE cogsync_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE cogsync_in_flight_requests gauge\n"));
  EXPECT_EQ(text.find("# TYPE cogsync_requests_total"),
            text.rfind("# TYPE cogsync_requests_total"));
  // Every line is a comment or `series value`.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the exposition ends with a newline";
    std::string line = text.substr(start, end - start);
    EXPECT_TRUE(line.starts_with("# ") || line.find(' ') != std::string::npos) << line;
    start = end + 1;
  }
}

TEST(HttpMetricsTest, StoreWritesAndCollectors) {
  Metrics m;
  m.RecordStoreWrite(3000);
  m.RecordStoreWrite(7000);
  m.AddCollector([](std::string& out) { out += "# TYPE extra_total counter\nextra_total 42\n"; });
  std::string text = m.Render(0, 0);
  EXPECT_EQ(Value(text, "cogsync_store_write_duration_seconds_count"), 2);
  EXPECT_EQ(Value(text, "cogsync_store_write_duration_seconds_bucket{le=\"0.005\"}"), 1);
  EXPECT_EQ(Value(text, "cogsync_store_write_duration_seconds_bucket{le=\"0.01\"}"), 2);
  EXPECT_EQ(Value(text, "extra_total"), 42);
  // Operations never seen produce no series.
  EXPECT_THAT(text, Not(HasSubstr("operation=")));
}

TEST(HttpMetricsTest, TooManyOperationsShareOther) {
  Metrics m;
  for (size_t i = 0; i < Metrics::kMaxOperations + 10; ++i) {
    m.RecordRequest("Op" + std::to_string(i), 200, 1);
  }
  std::string text = m.Render(0, 0);
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"other\"}"), 10);
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"Op0\"}"), 1);
}

TEST(HttpMetricsTest, ConcurrentRecordingLosesNothing) {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every thread races to claim the same new names first.
        m.RecordRequest(i % 2 == 0 ? "A" : "B" + std::to_string(i % 7), t == 0 ? 500 : 200,
                        i % 3000);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string text = m.Render(0, 0);
  double total = Value(text, "cogsync_requests_total{operation=\"A\"}");
  for (int k = 0; k < 7; ++k) {
    total += Value(text, "cogsync_requests_total{operation=\"B" + std::to_string(k) + "\"}");
  }
  EXPECT_EQ(total, kThreads * kEach);
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"A\"}"), kThreads * kEach / 2);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"A\",class=\"5xx\"}"), kEach / 2);
  EXPECT_EQ(Value(text, "cogsync_request_duration_seconds_count{operation=\"A\"}"),
            kThreads * kEach / 2);
}

// A handler answering every request as operation "Op" with a conflict.
class ConflictHandler : public Handler {
 public:
  bool IsWrite(const Request&) const override { return false; }
  Response Handle(const Request& request) override {
    ++calls;
    Response r;
    r.status = request.target == "/metrics" ? 404 : 400;
    r.operation = "Op";
    r.error_code = "ResourceConflictException";
    return r;
  }
  Response Reject(const Request&, Rejection) override {
    Response r;
    r.status = 400;
    return r;
  }
  std::atomic<int> calls{0};
};

struct Exchange {
  int status = 0;
  std::string content_type;
  std::string body;
};

std::vector<Exchange> GetAll(uint16_t port, const std::vector<std::string>& targets) {
  namespace bhttp = boost::beast::http;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::beast::flat_buffer buffer;
  std::vector<Exchange> out;
  for (const auto& target : targets) {
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(socket, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    out.push_back(
        {int(res.result_int()), std::string(res[bhttp::field::content_type]), res.body()});
  }
  return out;
}

TEST(HttpMetricsTest, ServerCountsRequestsAndServesMetrics) {
  ConflictHandler handler;
  Metrics metrics;
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.access_log = false;
  options.metrics = &metrics;
  Server server(options, handler);
  ASSERT_TRUE(server.Start().ok());
  auto answers = GetAll(server.port(), {"/a", "/b", "/c", "/metrics"});
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].status, 400);
  EXPECT_EQ(answers[3].status, 200);
  EXPECT_THAT(answers[3].content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_EQ(handler.calls.load(), 3) << "/metrics is answered by the server itself";
  const std::string& text = answers[3].body;
  EXPECT_EQ(Value(text, "cogsync_requests_total{operation=\"Op\"}"), 3);
  EXPECT_EQ(Value(text, "cogsync_request_errors_total{operation=\"Op\",class=\"4xx\"}"), 3);
  EXPECT_EQ(Value(text, "cogsync_in_flight_requests"), 0);
  EXPECT_EQ(Value(text, "cogsync_open_connections"), 1);
  server.Stop();
}

TEST(HttpMetricsTest, WithoutMetricsThePathGoesToTheHandler) {
  ConflictHandler handler;
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.access_log = false;
  Server server(options, handler);
  ASSERT_TRUE(server.Start().ok());
  auto answers = GetAll(server.port(), {"/metrics"});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 404);
  EXPECT_EQ(handler.calls.load(), 1);
  server.Stop();
}

}  // namespace
}  // namespace cogsync::http
