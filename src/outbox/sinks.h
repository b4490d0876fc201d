#pragma once
// Where outbox entries go (D25): each kind of entry to the integration the operator configured.
//   stream  Kinesis PutRecord to the pool's stream, or one line of <stream_files_dir>/<pool>.jsonl
//           (made durable in batches by Flush())
//   push    SNS Publish to the device's platform endpoint, or a POST to the push webhook
// Entries are built by sync/ (stream_records.h); their `target` JSON says where they go.
// Thread-safe: the dispatcher and the bulk publisher deliver concurrently.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/mutex.h"
#include "outbox/aws_calls.h"
#include "store/types.h"

namespace cogsync::outbox {

inline constexpr std::string_view kStreamKind = "stream";
inline constexpr std::string_view kPushKind = "push";

// Kinesis accepts at most 1 MiB of data plus partition key per record.
inline constexpr size_t kKinesisRecordLimit = 1024 * 1024;

// A stream record too large for one Kinesis record, as several of at most `budget` bytes: each
// carries the same header fields and a run of the kinesisSyncRecords, in order. AWS moves such
// payloads to S3 instead (payloadType S3Url; docs/compatibility.md). A sync record too large on
// its own goes without its value, marked "valueOmitted": true (ListRecords still has it).
std::vector<std::string> SplitForKinesis(std::string_view record_json, size_t budget);

class Sinks {
 public:
  Sinks(const Config& config, const AwsCalls& calls);
  ~Sinks();  // Flush()

  // Whether push notifications have anywhere to go (SNS or the webhook).
  bool push_configured() const;
  bool uses_sns() const { return !settings_.sns_endpoint.empty(); }

  // A delivery to the file sink is written but not yet durable: call Flush() before counting
  // it as delivered. The other sinks are done when their server answered.
  CallOutcome Deliver(const store::OutboxEntry& entry);
  // One stream record (its JSON) for a pool's stream; partition_key is the identity id.
  CallOutcome DeliverStream(std::string_view pool_id, std::string_view stream_name,
                            std::string_view partition_key, std::string_view record_json);
  // Makes every file-sink line written since the last Flush durable (fsync) and closes the
  // files, so a rotated file is reopened by name next time. False (with *error) when an fsync
  // failed: those lines may be lost, and their entries must be delivered again.
  bool Flush(std::string* error);

 private:
  CallOutcome DeliverPush(const store::OutboxEntry& entry);
  CallOutcome AppendLine(std::string_view pool_id, std::string_view line);

  const IntegrationsConfig& settings_;
  const AwsCalls& calls_;
  std::string files_dir_;
  Mutex file_mu_;  // one appender at a time keeps lines whole
  std::map<std::string, int> open_files_ GUARDED_BY(file_mu_);  // path -> fd, until Flush()
};

}  // namespace cogsync::outbox
