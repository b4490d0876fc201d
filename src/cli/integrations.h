#pragma once
// The outbound side of a running cogsync (D24-D26), wired together for the composition root:
// SigV4 signing with the operator's credentials (auth/ owns SigV4, so it is injected here into
// outbox/), the AWS calls, the sinks, the outbox dispatcher and the bulk publisher, plus their
// /metrics lines.

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "http/metrics.h"
#include "outbox/aws_calls.h"
#include "outbox/dispatcher.h"
#include "outbox/sinks.h"
#include "store/store.h"
#include "sync/bulk_publisher.h"
#include "sync/service.h"

namespace cogsync::cli {

class Outbound {
 public:
  // Builds and starts the background workers. `store` and `clock` must outlive the object.
  Outbound(const Config& config, store::Store& store, const Clock& clock);
  ~Outbound();  // Stop()
  Outbound(const Outbound&) = delete;
  Outbound& operator=(const Outbound&) = delete;

  sync::Integrations integrations() { return {*calls_, *sinks_, *dispatcher_, *bulk_}; }
  outbox::Dispatcher& dispatcher() { return *dispatcher_; }
  sync::BulkPublisher& bulk_publisher() { return *bulk_; }
  // cogsync_outbox_* lines; the backlog is read from the store at scrape time.
  void AddMetrics(http::Metrics& metrics, store::Store& store);
  // Stops the workers (each finishes the delivery in progress). Idempotent.
  void Stop();

 private:
  std::string owner_;  // this process, as lease owner
  std::unique_ptr<outbox::AwsCalls> calls_;
  std::unique_ptr<outbox::Sinks> sinks_;
  std::unique_ptr<outbox::Dispatcher> dispatcher_;
  std::unique_ptr<sync::BulkPublisher> bulk_;
};

}  // namespace cogsync::cli
