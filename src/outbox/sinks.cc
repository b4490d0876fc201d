#include "outbox/sinks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "common/json.h"
#include "common/private_files.h"

namespace cogsync::outbox {
namespace {

namespace bj = boost::json;

CallOutcome Failed(std::string why) {
  CallOutcome out;
  out.error = std::move(why);
  return out;
}

// A pool id as a file name: pool ids are "<region>:<uuid>" (the model's pattern), so only a '/'
// could escape the directory, and it never appears; it is replaced all the same.
std::string FileNameFor(std::string_view pool_id) {
  std::string name(pool_id);
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name + ".jsonl";
}

// The message SNS delivers for each platform (MessageStructure=json): a silent push, data only.
std::string SnsMessage(std::string_view platform, const bj::object& payload) {
  bj::object message;
  message["default"] = bj::serialize(payload);
  if (platform == "APNS" || platform == "APNS_SANDBOX") {
    bj::object apns = payload;
    apns["aps"] = bj::object{{"content-available", 1}};
    message[platform] = bj::serialize(apns);
  } else {  // GCM and ADM carry data messages
    message[platform] = bj::serialize(bj::object{{"data", payload}});
  }
  return bj::serialize(message);
}

}  // namespace

std::vector<std::string> SplitForKinesis(std::string_view record_json, size_t budget) {
  auto parsed = json::Parse(record_json);
  if (!parsed || !parsed->is_object()) return {std::string(record_json)};
  bj::object header = parsed->get_object();
  bj::array items;
  if (bj::value* given = header.if_contains("kinesisSyncRecords"); given && given->is_array()) {
    items = std::move(given->get_array());
  }
  header["kinesisSyncRecords"] = bj::array();
  const size_t header_size = bj::serialize(header).size();
  std::vector<std::string> parts;
  bj::array current;
  size_t current_size = header_size;
  auto flush = [&] {
    if (current.empty()) return;
    bj::object part = header;
    part["kinesisSyncRecords"] = std::move(current);
    parts.push_back(bj::serialize(part));
    current = bj::array();
    current_size = header_size;
  };
  for (bj::value& item : items) {
    std::string text = bj::serialize(item);
    if (header_size + text.size() + 1 > budget && item.is_object()) {
      item.get_object().erase("value");
      item.get_object()["valueOmitted"] = true;
      text = bj::serialize(item);
    }
    if (current_size + text.size() + 1 > budget) flush();
    current_size += text.size() + 1;
    current.push_back(std::move(item));
  }
  flush();
  if (parts.empty()) parts.push_back(bj::serialize(header));
  return parts;
}

Sinks::Sinks(const Config& config, const AwsCalls& calls)
    : settings_(config.integrations), calls_(calls) {
  files_dir_ = settings_.stream_files_dir.empty()
                   ? (std::filesystem::path(config.data_dir) / "streams").string()
                   : settings_.stream_files_dir;
}

bool Sinks::push_configured() const {
  return !settings_.sns_endpoint.empty() || !settings_.push_webhook_url.empty();
}

CallOutcome Sinks::Deliver(const store::OutboxEntry& entry) {
  if (entry.kind == kPushKind) return DeliverPush(entry);
  if (entry.kind != kStreamKind) return Failed("unknown outbox entry kind " + entry.kind);
  auto target = json::Parse(entry.target);
  if (!target || !target->is_object()) return Failed("unreadable stream target");
  const bj::object& t = target->get_object();
  return DeliverStream(entry.pool_id, json::GetString(t, "stream").value_or(""),
                       json::GetString(t, "partitionKey").value_or(entry.pool_id), entry.payload);
}

CallOutcome Sinks::DeliverStream(std::string_view pool_id, std::string_view stream_name,
                                 std::string_view partition_key, std::string_view record_json) {
  if (!settings_.kinesis_endpoint.empty()) {
    if (record_json.size() + partition_key.size() <= kKinesisRecordLimit) {
      return calls_.KinesisPutRecord(stream_name, partition_key, record_json);
    }
    // All parts or a retry of all: a failure part-way may repeat the earlier parts (at least
    // once), never skip one.
    CallOutcome out;
    for (const std::string& part :
         SplitForKinesis(record_json, kKinesisRecordLimit - partition_key.size())) {
      out = calls_.KinesisPutRecord(stream_name, partition_key, part);
      if (!out.ok) return out;
    }
    return out;
  }
  return AppendLine(pool_id, record_json);
}

CallOutcome Sinks::DeliverPush(const store::OutboxEntry& entry) {
  auto target = json::Parse(entry.target);
  auto payload = json::Parse(entry.payload);
  if (!target || !target->is_object() || !payload || !payload->is_object()) {
    return Failed("unreadable push entry");
  }
  const bj::object& t = target->get_object();
  const std::string endpoint_arn = json::GetString(t, "endpointArn").value_or("");
  if (!settings_.sns_endpoint.empty() && !endpoint_arn.empty()) {
    return calls_.SnsPublish(endpoint_arn, SnsMessage(json::GetString(t, "platform").value_or(""),
                                                      payload->get_object()));
  }
  if (!settings_.push_webhook_url.empty()) {
    bj::object body = t;
    body.erase("endpointArn");  // SNS's business; the webhook gets the device itself
    body["payload"] = *payload;
    return calls_.PostJson(settings_.push_webhook_url, bj::serialize(body),
                           settings_.request_timeout_ms);
  }
  return Failed("no push notifier is configured (sns_endpoint or push_webhook_url)");
}

// Appends one line to the pool's file, which stays open until Flush(). A failed append is cut
// back off, so a retry never follows half a line.
CallOutcome Sinks::AppendLine(std::string_view pool_id, std::string_view line) {
  MutexLock lock(file_mu_);
  const std::string path = (std::filesystem::path(files_dir_) / FileNameFor(pool_id)).string();
  int fd = -1;
  if (auto it = open_files_.find(path); it != open_files_.end()) {
    fd = it->second;
  } else {
    if (Status made = files::CreatePrivateDirectories(files_dir_); !made.ok()) {
      return Failed(made.error().message());
    }
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Failed("cannot open " + path + ": " + std::strerror(errno));
    open_files_.emplace(path, fd);
  }
  const off_t original_size = ::lseek(fd, 0, SEEK_END);
  std::string text(line);
  text += '\n';
  const char* p = text.data();
  size_t left = text.size();
  std::string why;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = n < 0 ? std::strerror(errno) : "short write";
      break;
    }
    p += n;
    left -= size_t(n);
  }
  if (left > 0) {
    if (original_size >= 0 && ::ftruncate(fd, original_size) != 0) {
      // Nothing more to do: the error below is reported and the entry retried.
    }
    return Failed("cannot append to " + path + ": " + why);
  }
  CallOutcome out;
  out.ok = true;
  out.reached = true;
  return out;
}

bool Sinks::Flush(std::string* error) {
  MutexLock lock(file_mu_);
  bool ok = true;
  for (const auto& [path, fd] : open_files_) {
    if (::fsync(fd) != 0 && ok) {
      ok = false;
      if (error != nullptr) *error = "fsync of " + path + " failed: " + std::strerror(errno);
    }
    ::close(fd);
  }
  open_files_.clear();
  return ok;
}

Sinks::~Sinks() { Flush(nullptr); }

}  // namespace cogsync::outbox
