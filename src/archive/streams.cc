#include "archive/streams.h"

#include <algorithm>

#include "archive/format.h"
#include "common/encoding.h"
#include "common/json.h"

namespace cogsync::archive {
namespace bj = boost::json;
namespace {

ApiError Bad(std::string message) { return ApiError::InvalidParameter(std::move(message)); }

Result<std::string> Str(const bj::object& o, std::string_view key) {
  auto s = json::GetString(o, key);
  if (!s) return Bad("member '" + std::string(key) + "' must be a string");
  return *s;
}

Result<int64_t> Int(const bj::object& o, std::string_view key) {
  auto n = json::GetInt(o, key);
  if (!n || *n < 0) return Bad("member '" + std::string(key) + "' must be a non-negative integer");
  return *n;
}

class StreamsImporter {
 public:
  StreamsImporter(ArchiveReader& reader, const Limits& limits, Progress& progress)
      : reader_(reader), limits_(limits), progress_(progress) {}

  Status Run(store::Txn& txn) {
    report_ = StreamsReport();
    COGSYNC_RETURN_IF_ERROR(reader_.Rewind());
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto text, reader_.Next());
      if (!text) return OkStatus();
      const int64_t n = reader_.line_number();
      if (text->find_first_not_of(" \t\r") == std::string_view::npos) continue;
      std::string parse_error;
      auto value = json::Parse(*text, &parse_error);
      if (!value || !value->is_object()) {
        return AtLine(n, Bad("not a JSON object" +
                             (parse_error.empty() ? std::string() : ": " + parse_error)));
      }
      Status s = Line(txn, value->get_object());
      if (!s.ok()) return AtLine(n, s.error());
      progress_.Update(report_.stream_records, report_.applied);
    }
  }

  const StreamsReport& report() const { return report_; }

 private:
  Status Line(store::Txn& txn, const bj::object& o) {
    if (const bj::array* records = json::GetArray(o, "Records")) {
      for (const bj::value& r : *records) {
        if (!r.is_object()) return Bad("Records must hold objects");
        COGSYNC_RETURN_IF_ERROR(KinesisRecord(txn, r.get_object()));
      }
      return OkStatus();
    }
    if (json::Find(o, "Data") != nullptr) return KinesisRecord(txn, o);
    return StreamRecord(txn, o);
  }

  Status KinesisRecord(store::Txn& txn, const bj::object& o) {
    COGSYNC_ASSIGN_OR_RETURN(std::string data, Str(o, "Data"));
    auto decoded = encoding::Base64Decode(data);
    if (!decoded) return Bad("Data is not base64");
    auto value = json::Parse(*decoded);
    if (!value || !value->is_object()) return Bad("Data is not a JSON stream record");
    return StreamRecord(txn, value->get_object());
  }

  Status StreamRecord(store::Txn& txn, const bj::object& o) {
    ++report_.stream_records;
    COGSYNC_ASSIGN_OR_RETURN(std::string pool_id, Str(o, "identityPoolId"));
    COGSYNC_ASSIGN_OR_RETURN(std::string identity_id, Str(o, "identityId"));
    COGSYNC_ASSIGN_OR_RETURN(std::string name, Str(o, "dataSetName"));
    COGSYNC_ASSIGN_OR_RETURN(std::string operation, Str(o, "operation"));
    COGSYNC_ASSIGN_OR_RETURN(int64_t sync_count, Int(o, "syncCount"));
    COGSYNC_ASSIGN_OR_RETURN(int64_t modified_ms, Int(o, "lastModifiedDate"));
    COGSYNC_RETURN_IF_ERROR(CheckIdentityId("identityId", identity_id));
    COGSYNC_RETURN_IF_ERROR(CheckDatasetName(name));
    if (operation != "replace" && operation != "remove") {
      return Bad("operation must be replace or remove");
    }
    if (json::GetString(o, "payloadType").value_or("Inline") != "Inline") {
      return Bad("payloadType " + *json::GetString(o, "payloadType") +
                 ": fetch kinesisSyncRecordsURL and put its records inline first");
    }
    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
    if (!pool) return Bad("unknown identity pool " + pool_id + " (create or import it first)");

    COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(identity_id));
    if (identity && identity->pool_id != pool_id) {
      return Bad("identity " + identity_id + " belongs to pool " + identity->pool_id);
    }
    if (!identity) {
      store::Identity created{identity_id, pool_id, modified_ms, modified_ms, false, ""};
      COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(created));
      ++report_.identities_created;
    }
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetDataset(identity_id, name, true));
    store::Dataset dataset;
    if (existing) {
      dataset = *existing;
    } else {
      dataset.identity_id = identity_id;
      dataset.name = name;
      dataset.pool_id = pool_id;
      dataset.created_ms = modified_ms;
      dataset.modified_ms = modified_ms;
      // Parents first: the records below reference the dataset row.
      COGSYNC_RETURN_IF_ERROR(txn.PutDataset(dataset));
      ++report_.datasets_created;
    }

    if (operation == "remove") {
      // The dataset was deleted at sync_count; only if nothing newer was applied since.
      const bool newer = dataset.sync_count > sync_count;
      const bool done = dataset.deleted && dataset.last_deleted_at >= sync_count;
      if (!newer && !done) {
        COGSYNC_RETURN_IF_ERROR(txn.DeleteRecords(identity_id, name));
        dataset.deleted = true;
        dataset.last_deleted_at = sync_count;
        dataset.sync_count = sync_count;
        dataset.num_records = 0;
        dataset.data_storage = 0;
        dataset.modified_ms = std::max(dataset.modified_ms, modified_ms);
        ++report_.datasets_deleted;
      }
      if (!newer && !done) COGSYNC_RETURN_IF_ERROR(txn.PutDataset(dataset));
      return OkStatus();
    }

    const bj::array* items = json::GetArray(o, "kinesisSyncRecords");
    if (items == nullptr) return Bad("member 'kinesisSyncRecords' must be an array");
    bool changed = !existing;
    for (const bj::value& item : *items) {
      if (!item.is_object()) return Bad("kinesisSyncRecords must hold objects");
      const bj::object& r = item.get_object();
      store::Record record;
      COGSYNC_ASSIGN_OR_RETURN(record.key, Str(r, "key"));
      COGSYNC_ASSIGN_OR_RETURN(record.sync_count, Int(r, "syncCount"));
      COGSYNC_ASSIGN_OR_RETURN(record.modified_ms, Int(r, "lastModifiedDate"));
      record.modified_by = json::GetString(r, "lastModifiedBy").value_or("");
      record.device_modified_ms = json::GetInt(r, "deviceLastModifiedDate");
      const std::string op = json::GetString(r, "op").value_or("replace");
      if (op != "remove") {
        auto value = json::GetString(r, "value");
        if (!value) return Bad("record '" + record.key + "' has no value");
        record.value = *value;
      }
      COGSYNC_RETURN_IF_ERROR(CheckRecordKeyValue(record, limits_));
      COGSYNC_ASSIGN_OR_RETURN(auto stored, txn.GetRecords(identity_id, name, {record.key}));
      if (!stored.empty() && stored.front().sync_count >= record.sync_count) continue;
      // A record older than the dataset's last deletion was removed by it.
      if (dataset.deleted && record.sync_count <= dataset.last_deleted_at) continue;
      if (!stored.empty() || record.value) {
        COGSYNC_RETURN_IF_ERROR(txn.PutRecord(identity_id, name, record));
      }
      dataset.sync_count = std::max(dataset.sync_count, record.sync_count);
      if (record.modified_ms >= dataset.modified_ms) dataset.modified_by = record.modified_by;
      ++report_.applied;
      changed = true;
    }
    if (sync_count > dataset.sync_count) {
      dataset.sync_count = sync_count;
      changed = true;
    }
    if (dataset.deleted && dataset.sync_count > dataset.last_deleted_at) {
      dataset.deleted = false;
      changed = true;
    }
    if (!changed) return OkStatus();
    dataset.modified_ms = std::max(dataset.modified_ms, modified_ms);
    COGSYNC_RETURN_IF_ERROR(Recount(txn, dataset));
    return txn.PutDataset(dataset);
  }

  // NumRecords and DataStorage from the live records, within the limits (D19).
  Status Recount(store::Txn& txn, store::Dataset& dataset) {
    dataset.num_records = 0;
    dataset.data_storage = 0;
    std::string after;
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto page,
                               txn.ListRecords(dataset.identity_id, dataset.name,
                                               store::ReadFloor(dataset, -1), after, 1000));
      for (const store::Record& r : page) {
        if (!r.value) continue;
        ++dataset.num_records;
        dataset.data_storage += static_cast<int64_t>(r.key.size() + r.value->size());
      }
      if (page.size() < 1000) break;
      after = page.back().key;
    }
    if (dataset.num_records > limits_.records_per_dataset ||
        dataset.data_storage > limits_.dataset_bytes) {
      return Bad("dataset '" + dataset.name + "' of identity " + dataset.identity_id +
                 " would pass the records-per-dataset or dataset size limit");
    }
    return OkStatus();
  }

  ArchiveReader& reader_;
  const Limits& limits_;
  Progress& progress_;
  StreamsReport report_;
};

}  // namespace

Result<StreamsReport> ImportStreams(store::Store& store, ArchiveReader& reader,
                                    const Limits& limits, Progress& progress) {
  StreamsImporter importer(reader, limits, progress);
  COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) { return importer.Run(txn); }));
  progress.Done(importer.report().stream_records, importer.report().applied);
  return importer.report();
}

}  // namespace cogsync::archive
