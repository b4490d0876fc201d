#include "cli/integrations.h"

#include <unistd.h>

#include "auth/sigv4.h"
#include "common/ids.h"

namespace cogsync::cli {
namespace {

outbox::RequestSigner MakeSigner(const Config& config, const Clock& clock) {
  auth::sigv4::Credentials credentials{config.integrations.aws_access_key_id,
                                       config.integrations.aws_secret_access_key,
                                       config.integrations.aws_session_token};
  std::string region = config.region;
  return [credentials, region, &clock](http_client::Request& request,
                                       std::string_view service) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(http_client::Url url, http_client::ParseUrl(request.url));
    request.headers.emplace_back("host", url.host_header);
    std::string_view target = url.target;
    const size_t q = target.find('?');
    auth::sigv4::SigningInput input;
    input.method = request.method;
    input.raw_path = target.substr(0, q);
    input.raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    input.headers = &request.headers;
    input.body = request.body;
    COGSYNC_ASSIGN_OR_RETURN(
        auth::sigv4::HeaderList added,
        auth::sigv4::SignRequest(input, credentials, region, service, clock.NowSeconds()));
    for (auto& header : added) request.headers.push_back(std::move(header));
    return OkStatus();
  };
}

void Counter(std::string& out, const char* name, const char* help, int64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " counter\n";
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

Outbound::Outbound(const Config& config, store::Store& store, const Clock& clock) {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  owner_ = std::string(host) + "/" + std::to_string(::getpid()) + "/" + ids::Uuid();
  calls_ = std::make_unique<outbox::AwsCalls>(config, MakeSigner(config, clock));
  sinks_ = std::make_unique<outbox::Sinks>(config, *calls_);
  dispatcher_ =
      std::make_unique<outbox::Dispatcher>(store, clock, config.integrations, *sinks_, owner_);
  bulk_ = std::make_unique<sync::BulkPublisher>(store, clock, config, *sinks_, owner_);
  dispatcher_->Start();
  bulk_->Start();
}

Outbound::~Outbound() { Stop(); }

void Outbound::Stop() {
  if (bulk_) bulk_->Stop();
  if (dispatcher_) dispatcher_->Stop();
}

void Outbound::AddMetrics(http::Metrics& metrics, store::Store& store) {
  metrics.AddCollector([this, &store](std::string& out) {
    store::OutboxStats backlog;
    Status read = store.Read([&](store::Txn& txn) -> Status {
      COGSYNC_ASSIGN_OR_RETURN(backlog, txn.GetOutboxStats());
      return OkStatus();
    });
    if (read.ok()) {
      out +=
          "# HELP cogsync_outbox_pending Stream records and push notifications not yet "
          "delivered.\n# TYPE cogsync_outbox_pending gauge\ncogsync_outbox_pending " +
          std::to_string(backlog.pending) + "\n";
      out +=
          "# HELP cogsync_outbox_oldest_created_ms Creation time (epoch ms) of the oldest "
          "undelivered entry, 0 when none.\n# TYPE cogsync_outbox_oldest_created_ms gauge\n"
          "cogsync_outbox_oldest_created_ms " +
          std::to_string(backlog.oldest_created_ms) + "\n";
    }
    const outbox::DispatcherStats stats = dispatcher_->stats();
    Counter(out, "cogsync_outbox_delivered_total", "Outbox entries delivered by this node.",
            stats.delivered);
    Counter(out, "cogsync_outbox_failed_attempts_total",
            "Failed delivery attempts (each is retried with backoff).", stats.failed_attempts);
    Counter(out, "cogsync_outbox_dropped_total",
            "Push notifications dropped after push_max_age_ms or for a device gone.",
            stats.dropped);
  });
}

}  // namespace cogsync::cli
