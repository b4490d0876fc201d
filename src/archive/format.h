#pragma once
// The cogsync archive format (DECISIONS D28; the reference is docs/archive.md): one JSON object
// per line, optionally gzip-compressed. Line 1 is the header, the last line the trailer, and in
// between, in this order: secrets (only with --include-secrets), then for each pool (ordered by
// id) the pool line followed by, for each of its identities (ordered by id), the identity, its
// logins, its datasets each followed by its records, its devices and its subscriptions.
//
// This file maps lines to and from the store's rows. Decoding checks everything that one line
// can be checked for on its own: types, the service models' constraints (the same validation
// the API applies), dataset-name and key limits. What needs context (order, parents, counts,
// per-dataset sums) is the importer's job (archive/importer.h).
//
// Pure functions; thread-safe.

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/error.h"
#include "store/types.h"

namespace cogsync::archive {

inline constexpr std::string_view kFormatName = "cogsync-archive";
inline constexpr int64_t kFormatVersion = 1;
// The longest line a reader accepts. The largest legitimate line is a record whose 1 MiB value
// is written with \u escapes (6 bytes per byte) plus its other members.
inline constexpr size_t kMaxLineBytes = 8 * 1024 * 1024;
// Secret names the importer keeps to itself (never exported, refused in an archive).
inline constexpr std::string_view kImportMarkerPrefix = "archive-import/";

// Line types, the value of every line's "type" member.
inline constexpr std::string_view kHeader = "header";
inline constexpr std::string_view kTrailer = "trailer";
inline constexpr std::string_view kAccessKey = "access_key";
inline constexpr std::string_view kSecret = "secret";
inline constexpr std::string_view kPool = "pool";
inline constexpr std::string_view kIdentity = "identity";
inline constexpr std::string_view kLogin = "login";
inline constexpr std::string_view kDataset = "dataset";
inline constexpr std::string_view kRecord = "record";
inline constexpr std::string_view kDevice = "device";
inline constexpr std::string_view kSubscription = "subscription";

struct Header {
  int64_t version = kFormatVersion;
  std::string cogsync_version;
  std::string region;
  std::string account_id;
  std::string archive_id;  // random per export; the importer remembers it per pool
  int64_t created_ms = 0;
  bool secrets = false;
  // The export's scope; empty: everything.
  std::vector<std::string> pools;
  std::vector<std::string> identities;
  int64_t pool_count = 0;  // pool lines that follow
};

struct Counts {
  int64_t access_keys = 0;
  int64_t secrets = 0;
  int64_t pools = 0;
  int64_t identities = 0;
  int64_t logins = 0;
  int64_t datasets = 0;
  int64_t records = 0;
  int64_t devices = 0;
  int64_t subscriptions = 0;
  bool operator==(const Counts&) const = default;
};

struct Trailer {
  Counts counts;
  int64_t lines = 0;   // lines before the trailer, the header included
  std::string sha256;  // lower-case hex over every byte before the trailer line
};

// A pool with what hangs off it directly: its principal tag maps and usage counter.
struct PoolEntry {
  store::Pool pool;
  std::vector<std::pair<std::string, boost::json::object>> principal_tag_maps;
  int64_t sync_sessions = 0;
};

struct NamedSecret {
  std::string name;
  std::string value;
};

// ---- writing ------------------------------------------------------------------------------------
boost::json::object EncodeHeader(const Header& header);
boost::json::object EncodeTrailer(const Trailer& trailer);
boost::json::object EncodeAccessKey(const store::AccessKey& key);
boost::json::object EncodeSecret(const NamedSecret& secret);
boost::json::object EncodePool(const PoolEntry& entry);
// `unbound_logins`: the providers the identity was linked to at its source whose subjects are not
// known (a migration from AWS); the member is written only when there are some.
boost::json::object EncodeIdentity(const store::Identity& identity,
                                   const std::vector<std::string>& unbound_logins = {});
boost::json::object EncodeLogin(const store::Login& login);
boost::json::object EncodeDataset(const store::Dataset& dataset);
// A record line names its identity and dataset, so it can be read without its parents.
boost::json::object EncodeRecord(std::string_view identity_id, std::string_view dataset,
                                 const store::Record& record);
boost::json::object EncodeDevice(const store::Device& device);
boost::json::object EncodeSubscription(const store::Subscription& subscription);

// ---- reading ------------------------------------------------------------------------------------
// Errors are InvalidParameterException with the reason only; the caller adds the line number.

// The line's "type" member.
Result<std::string> LineType(const boost::json::object& line);
// Refuses another format, and a version newer than kFormatVersion with its own message.
Result<Header> DecodeHeader(const boost::json::object& line);
Result<Trailer> DecodeTrailer(const boost::json::object& line);
Result<store::AccessKey> DecodeAccessKey(const boost::json::object& line);
Result<NamedSecret> DecodeSecret(const boost::json::object& line);
Result<PoolEntry> DecodePool(const boost::json::object& line);
Result<store::Identity> DecodeIdentity(const boost::json::object& line);
// The identity line's optional `unbound_logins` (provider names, 1-128 characters, no repeats).
Result<std::vector<std::string>> DecodeUnboundLogins(const boost::json::object& line);
Result<store::Login> DecodeLogin(const boost::json::object& line);
Result<store::Dataset> DecodeDataset(const boost::json::object& line);
struct RecordLine {
  std::string identity_id;
  std::string dataset;
  store::Record record;
};
Result<RecordLine> DecodeRecord(const boost::json::object& line, const Limits& limits);
Result<store::Device> DecodeDevice(const boost::json::object& line);
Result<store::Subscription> DecodeSubscription(const boost::json::object& line);

// The error `e` as refused at line `line` of the input: "line N: <message>", same code.
ApiError AtLine(int64_t line, const ApiError& e);

// Checks shared with the streams ingest (archive/streams.h).
Status CheckIdentityId(std::string_view what, std::string_view id);
Status CheckDatasetName(std::string_view name);
Status CheckRecordKeyValue(const store::Record& record, const Limits& limits);

}  // namespace cogsync::archive
