#include "archive/importer.h"

#include <algorithm>
#include <set>

#include "common/json.h"

namespace cogsync::archive {
namespace bj = boost::json;
namespace {

ApiError Bad(std::string message) { return ApiError::InvalidParameter(std::move(message)); }

int64_t StoredBytes(const store::Record& r) {
  return static_cast<int64_t>(r.key.size() + (r.value ? r.value->size() : 0));
}

class Importer {
 public:
  Importer(ArchiveReader& reader, const ImportOptions& options, Progress& progress)
      : reader_(reader), options_(options), progress_(progress) {}

  // The whole import: runs inside one write transaction (and again from the start if the store
  // retries it).
  Status Run(store::Txn& txn) {
    report_ = ImportReport();
    header_.reset();
    pool_.reset();
    identity_.reset();
    dataset_.reset();
    last_pool_.clear();
    seen_trailer_ = false;
    COGSYNC_RETURN_IF_ERROR(reader_.Rewind());
    while (true) {
      COGSYNC_ASSIGN_OR_RETURN(auto text, reader_.Next());
      const int64_t n = reader_.line_number();
      if (!text) {
        if (seen_trailer_) return OkStatus();
        if (n == 0) return AtLine(1, Bad("the archive is empty"));
        return AtLine(n + 1, Bad("the archive ends without its trailer: it is truncated"));
      }
      if (seen_trailer_) return AtLine(n, Bad("data after the trailer"));
      std::string parse_error;
      auto value = json::Parse(*text, &parse_error);
      if (!value || !value->is_object()) {
        return AtLine(n, Bad("not a JSON object" +
                             (parse_error.empty() ? std::string() : ": " + parse_error)));
      }
      Status handled = Handle(txn, value->get_object(), n);
      if (!handled.ok()) return AtLine(n, handled.error());
      progress_.Update(report_.archive.identities, report_.archive.records);
    }
  }

  const ImportReport& report() const { return report_; }

 private:
  struct PoolState {
    std::string id;
    bool write = false;
    std::string last_identity;
  };
  struct IdentityState {
    store::Identity identity;
    bool write = false;
    std::string last_login_provider, last_login_subject;
    bool any_login = false;
    std::string last_dataset;
    int live_datasets = 0;
    int deleted_datasets = 0;
    std::set<std::string> devices;
    std::string last_subscription;  // dataset '\n' device
    bool in_devices = false, in_subscriptions = false;
  };
  struct DatasetState {
    store::Dataset dataset;
    int64_t line = 0;
    std::string last_key;
    bool any_record = false;
    int64_t live = 0, bytes = 0;
    int64_t tombstones = 0;
  };

  Status Handle(store::Txn& txn, const bj::object& line, int64_t n) {
    if (!header_) {
      if (n != 1) return Bad("missing header");
      COGSYNC_ASSIGN_OR_RETURN(Header h, DecodeHeader(line));
      header_ = std::move(h);
      return OkStatus();
    }
    COGSYNC_ASSIGN_OR_RETURN(std::string type, LineType(line));
    if (type == kTrailer) return Trailer(line);
    if (type == kAccessKey || type == kSecret) return Secret(txn, type, line);
    if (type == kPool) return Pool(txn, line);
    if (type == kIdentity) return Identity(txn, line);
    if (type == kLogin) return Login(txn, line);
    if (type == kDataset) return Dataset(txn, line, n);
    if (type == kRecord) return Record(txn, line);
    if (type == kDevice) return Device(txn, line);
    if (type == kSubscription) return Subscription(txn, line);
    if (type == kHeader) return Bad("a second header");
    return Bad("unknown line type '" + type + "'");
  }

  Status Secret(store::Txn& txn, const std::string& type, const bj::object& line) {
    if (!header_->secrets) return Bad("a secret in an archive whose header says it has none");
    if (pool_) return Bad("secrets must come before the first pool");
    if (type == kAccessKey) {
      COGSYNC_ASSIGN_OR_RETURN(store::AccessKey key, DecodeAccessKey(line));
      ++report_.archive.access_keys;
      COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetAccessKey(key.access_key_id));
      if (existing && existing->secret_access_key == key.secret_access_key) return OkStatus();
      if (existing) {
        COGSYNC_ASSIGN_OR_RETURN(bool write, Conflict("access key " + key.access_key_id));
        if (!write) return OkStatus();
      }
      ++report_.written.access_keys;
      return txn.PutAccessKey(key);
    }
    COGSYNC_ASSIGN_OR_RETURN(NamedSecret secret, DecodeSecret(line));
    ++report_.archive.secrets;
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetSecret(secret.name));
    if (existing && *existing == secret.value) return OkStatus();
    if (existing) {
      COGSYNC_ASSIGN_OR_RETURN(bool write, Conflict("server secret '" + secret.name + "'"));
      if (!write) return OkStatus();
    }
    ++report_.written.secrets;
    return txn.PutSecret(secret.name, secret.value);
  }

  // A value the store already holds differently: true to overwrite it.
  Result<bool> Conflict(const std::string& what) {
    switch (options_.on_conflict) {
      case OnConflict::kFail:
        return Bad(what +
                   " already exists in the store with another value "
                   "(--on-conflict skip keeps the store's, replace takes the archive's)");
      case OnConflict::kSkip:
        return false;
      case OnConflict::kReplace:
      case OnConflict::kMerge:
        return true;
    }
    return false;
  }

  Status Pool(store::Txn& txn, const bj::object& line) {
    COGSYNC_RETURN_IF_ERROR(ClosePool());
    COGSYNC_ASSIGN_OR_RETURN(PoolEntry entry, DecodePool(line));
    if (!last_pool_.empty() && entry.pool.id <= last_pool_) {
      return Bad("pool " + entry.pool.id +
                 " is out of order or repeated (pools are ordered by id)");
    }
    last_pool_ = entry.pool.id;
    ++report_.archive.pools;
    pool_ = PoolState{entry.pool.id, true, ""};
    const std::string marker = std::string(kImportMarkerPrefix) + entry.pool.id;
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetPool(entry.pool.id));
    if (existing && options_.on_conflict == OnConflict::kMerge) {
      report_.merged.push_back(entry.pool.id);
    } else if (existing) {
      COGSYNC_ASSIGN_OR_RETURN(auto imported_from, txn.GetSecret(marker));
      if (imported_from && *imported_from == header_->archive_id &&
          options_.on_conflict != OnConflict::kReplace) {
        report_.already_imported.push_back(entry.pool.id);
        pool_->write = false;
        return OkStatus();
      }
      COGSYNC_ASSIGN_OR_RETURN(bool write, Conflict("identity pool " + entry.pool.id));
      if (!write) {
        report_.skipped.push_back(entry.pool.id);
        pool_->write = false;
        return OkStatus();
      }
      COGSYNC_RETURN_IF_ERROR(txn.DeletePool(entry.pool.id));
      report_.replaced.push_back(entry.pool.id);
    } else {
      report_.imported.push_back(entry.pool.id);
    }
    ++report_.written.pools;
    COGSYNC_RETURN_IF_ERROR(txn.PutPool(entry.pool));
    for (const auto& [provider, map] : entry.principal_tag_maps) {
      COGSYNC_RETURN_IF_ERROR(txn.PutPrincipalTagMap(entry.pool.id, provider, map));
    }
    // A merge keeps the store's count (a migration's passes would add it again); a replaced pool
    // went with its usage, so it takes the archive's.
    if (entry.sync_sessions > 0 && !(existing && options_.on_conflict == OnConflict::kMerge)) {
      COGSYNC_RETURN_IF_ERROR(txn.AddSyncSessions(entry.pool.id, entry.sync_sessions));
    }
    return txn.PutSecret(marker, header_->archive_id);
  }

  Status Identity(store::Txn& txn, const bj::object& line) {
    COGSYNC_ASSIGN_OR_RETURN(store::Identity identity, DecodeIdentity(line));
    COGSYNC_ASSIGN_OR_RETURN(std::vector<std::string> unbound, DecodeUnboundLogins(line));
    if (!pool_ || identity.pool_id != pool_->id) {
      return Bad("identity " + identity.id + " of pool " + identity.pool_id +
                 " does not follow its pool's line (unknown pool)");
    }
    if (!pool_->last_identity.empty() && identity.id <= pool_->last_identity) {
      return Bad("identity " + identity.id +
                 " is out of order or repeated (identities are ordered by id)");
    }
    COGSYNC_RETURN_IF_ERROR(CloseIdentity());
    pool_->last_identity = identity.id;
    ++report_.archive.identities;
    identity_ = IdentityState{};
    identity_->identity = identity;
    identity_->write = pool_->write;
    if (!identity_->write) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetIdentity(identity.id));
    if (existing &&
        (options_.on_conflict != OnConflict::kMerge || existing->pool_id != identity.pool_id)) {
      return Bad("identity " + identity.id + " already exists in the store (in pool " +
                 existing->pool_id + ")");
    }
    ++report_.written.identities;
    COGSYNC_RETURN_IF_ERROR(txn.PutIdentity(identity));
    // An identity linked at its source to providers whose subjects the archive does not know
    // (AWS lists provider names only): it counts as authenticated, and a login of such a
    // provider reaches it only through the migration's binding (D29), never by itself.
    COGSYNC_ASSIGN_OR_RETURN(auto logins, txn.ListLogins(identity.id));
    for (const std::string& provider : unbound) {
      const bool bound = std::any_of(logins.begin(), logins.end(),
                                     [&](const store::Login& l) { return l.provider == provider; });
      if (!bound) COGSYNC_RETURN_IF_ERROR(txn.PutUnboundLogin(identity.id, provider));
    }
    return OkStatus();
  }

  Status RequireIdentity(std::string_view what, std::string_view identity_id,
                         std::string_view pool_id) {
    if (!identity_ || identity_->identity.id != identity_id || pool_->id != pool_id) {
      return Bad(std::string(what) + " of identity " + std::string(identity_id) + " in pool " +
                 std::string(pool_id) + " does not follow its identity's line");
    }
    return OkStatus();
  }

  Status Login(store::Txn& txn, const bj::object& line) {
    COGSYNC_ASSIGN_OR_RETURN(store::Login login, DecodeLogin(line));
    COGSYNC_RETURN_IF_ERROR(RequireIdentity("a login", login.identity_id, login.pool_id));
    IdentityState& id = *identity_;
    if (!id.last_dataset.empty() || id.in_devices || id.in_subscriptions ||
        (id.any_login && std::tie(login.provider, login.subject) <=
                             std::tie(id.last_login_provider, id.last_login_subject))) {
      return Bad("login " + login.provider + " of identity " + login.identity_id +
                 " is out of order or repeated");
    }
    id.any_login = true;
    id.last_login_provider = login.provider;
    id.last_login_subject = login.subject;
    ++report_.archive.logins;
    if (!id.write) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto existing,
                             txn.FindLogin(login.pool_id, login.provider, login.subject));
    if (existing && existing->identity_id == login.identity_id &&
        options_.on_conflict == OnConflict::kMerge) {
      return OkStatus();
    }
    if (existing) {
      return Bad("login " + login.provider + " is already linked to identity " +
                 existing->identity_id);
    }
    ++report_.written.logins;
    return txn.PutLogin(login);
  }

  Status Dataset(store::Txn& txn, const bj::object& line, int64_t n) {
    COGSYNC_ASSIGN_OR_RETURN(store::Dataset dataset, DecodeDataset(line));
    COGSYNC_RETURN_IF_ERROR(RequireIdentity("a dataset", dataset.identity_id, dataset.pool_id));
    IdentityState& id = *identity_;
    if (id.in_devices || id.in_subscriptions ||
        (!id.last_dataset.empty() && dataset.name <= id.last_dataset)) {
      return Bad("dataset '" + dataset.name + "' is out of order or repeated");
    }
    COGSYNC_RETURN_IF_ERROR(CloseDataset());
    id.last_dataset = dataset.name;
    // A merge may move datasets in past the limit (D23); those carry merged_into_name.
    if (!dataset.deleted && dataset.merged_into_name.empty() &&
        ++id.live_datasets > options_.limits.datasets_per_identity) {
      return Bad("identity " + dataset.identity_id + " has more than " +
                 std::to_string(options_.limits.datasets_per_identity) +
                 " datasets (the datasets-per-identity limit)");
    }
    // D19: deletion markers beyond the live datasets are bounded too.
    if (dataset.deleted && ++id.deleted_datasets > options_.limits.deleted_datasets_per_identity) {
      return Bad("identity " + dataset.identity_id + " has more than " +
                 std::to_string(options_.limits.deleted_datasets_per_identity) +
                 " deleted datasets (the deleted-datasets-per-identity limit)");
    }
    ++report_.archive.datasets;
    dataset_ = DatasetState{dataset, n, "", false, 0, 0};
    if (!id.write) return OkStatus();
    ++report_.written.datasets;
    // Merging: the archive's dataset replaces the store's, records and all.
    if (options_.on_conflict == OnConflict::kMerge) {
      COGSYNC_RETURN_IF_ERROR(txn.DeleteRecords(dataset.identity_id, dataset.name));
    }
    return txn.PutDataset(dataset);
  }

  Status Record(store::Txn& txn, const bj::object& line) {
    COGSYNC_ASSIGN_OR_RETURN(RecordLine r, DecodeRecord(line, options_.limits));
    if (!dataset_ || dataset_->dataset.identity_id != r.identity_id ||
        dataset_->dataset.name != r.dataset || identity_->in_devices ||
        identity_->in_subscriptions) {
      return Bad("record '" + r.record.key + "' of dataset '" + r.dataset + "' of identity " +
                 r.identity_id + " does not follow its dataset's line");
    }
    DatasetState& ds = *dataset_;
    if (ds.any_record && r.record.key <= ds.last_key) {
      return Bad("record '" + r.record.key + "' is out of order or repeated");
    }
    ds.any_record = true;
    ds.last_key = r.record.key;
    if (ds.dataset.deleted) {
      return Bad("record '" + r.record.key + "' belongs to deleted dataset '" + r.dataset + "'");
    }
    if (r.record.sync_count > ds.dataset.sync_count) {
      return Bad("record '" + r.record.key + "' has sync_count " +
                 std::to_string(r.record.sync_count) + ", after its dataset's " +
                 std::to_string(ds.dataset.sync_count));
    }
    if (r.record.value) {
      ++ds.live;
      ds.bytes += StoredBytes(r.record);
      if (ds.live > options_.limits.records_per_dataset) {
        return Bad("dataset '" + r.dataset + "' has more than " +
                   std::to_string(options_.limits.records_per_dataset) +
                   " records (the records-per-dataset limit)");
      }
      if (ds.bytes > options_.limits.dataset_bytes) {
        return Bad("dataset '" + r.dataset + "' holds more than " +
                   std::to_string(options_.limits.dataset_bytes) +
                   " bytes (the dataset size limit)");
      }
    } else if (++ds.tombstones > options_.limits.tombstones_per_dataset) {
      // D16: tombstones are bounded per dataset.
      return Bad("dataset '" + r.dataset + "' has more than " +
                 std::to_string(options_.limits.tombstones_per_dataset) +
                 " removed records (the tombstones-per-dataset limit)");
    }
    ++report_.archive.records;
    if (!identity_->write) return OkStatus();
    ++report_.written.records;
    return txn.PutRecord(r.identity_id, r.dataset, r.record);
  }

  Status Device(store::Txn& txn, const bj::object& line) {
    COGSYNC_ASSIGN_OR_RETURN(store::Device device, DecodeDevice(line));
    COGSYNC_RETURN_IF_ERROR(RequireIdentity("a device", device.identity_id, device.pool_id));
    IdentityState& id = *identity_;
    if (id.in_subscriptions || (!id.devices.empty() && device.device_id <= *id.devices.rbegin())) {
      return Bad("device " + device.device_id + " is out of order or repeated");
    }
    COGSYNC_RETURN_IF_ERROR(CloseDataset());
    // D19: devices per identity and push-token length.
    if (static_cast<int>(id.devices.size()) >= options_.limits.devices_per_identity) {
      return Bad("identity " + device.identity_id + " has more than " +
                 std::to_string(options_.limits.devices_per_identity) +
                 " devices (the devices-per-identity limit)");
    }
    if (static_cast<int64_t>(device.token.size()) > options_.limits.push_token_bytes) {
      return Bad("device " + device.device_id + " has a push token of more than " +
                 std::to_string(options_.limits.push_token_bytes) + " bytes");
    }
    id.in_devices = true;
    id.devices.insert(device.device_id);
    ++report_.archive.devices;
    if (!id.write) return OkStatus();
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetDevice(device.device_id));
    if (existing && existing->identity_id == device.identity_id &&
        options_.on_conflict == OnConflict::kMerge) {
      return OkStatus();
    }
    if (existing) {
      return Bad("device " + device.device_id + " already exists in the store (identity " +
                 existing->identity_id + ")");
    }
    ++report_.written.devices;
    return txn.PutDevice(device);
  }

  Status Subscription(store::Txn& txn, const bj::object& line) {
    COGSYNC_ASSIGN_OR_RETURN(store::Subscription s, DecodeSubscription(line));
    COGSYNC_RETURN_IF_ERROR(RequireIdentity("a subscription", s.identity_id, s.pool_id));
    IdentityState& id = *identity_;
    const std::string order = s.dataset_name + '\n' + s.device_id;
    if (id.in_subscriptions && order <= id.last_subscription) {
      return Bad("subscription of device " + s.device_id + " to '" + s.dataset_name +
                 "' is out of order or repeated");
    }
    if (id.devices.count(s.device_id) == 0) {
      return Bad("subscription names device " + s.device_id + ", not a device of identity " +
                 s.identity_id);
    }
    COGSYNC_RETURN_IF_ERROR(CloseDataset());
    id.in_subscriptions = true;
    id.last_subscription = order;
    ++report_.archive.subscriptions;
    if (!id.write) return OkStatus();
    ++report_.written.subscriptions;
    return txn.PutSubscription(s);
  }

  Status CloseDataset() {
    if (!dataset_) return OkStatus();
    const DatasetState ds = std::move(*dataset_);
    dataset_.reset();
    if (ds.live != ds.dataset.num_records || ds.bytes != ds.dataset.data_storage) {
      return Bad("dataset '" + ds.dataset.name + "' (line " + std::to_string(ds.line) +
                 ") declares " + std::to_string(ds.dataset.num_records) + " records of " +
                 std::to_string(ds.dataset.data_storage) + " bytes, but its records are " +
                 std::to_string(ds.live) + " of " + std::to_string(ds.bytes) + " bytes");
    }
    return OkStatus();
  }

  Status CloseIdentity() {
    COGSYNC_RETURN_IF_ERROR(CloseDataset());
    identity_.reset();
    return OkStatus();
  }

  Status ClosePool() {
    COGSYNC_RETURN_IF_ERROR(CloseIdentity());
    pool_.reset();
    return OkStatus();
  }

  Status Trailer(const bj::object& line) {
    COGSYNC_RETURN_IF_ERROR(ClosePool());
    COGSYNC_ASSIGN_OR_RETURN(archive::Trailer trailer, DecodeTrailer(line));
    const int64_t before = reader_.line_number() - 1;
    if (trailer.lines != before) {
      return Bad("the trailer counts " + std::to_string(trailer.lines) + " lines before it, but " +
                 std::to_string(before) + " were read");
    }
    const std::string digest = reader_.DigestBeforeLine();
    if (trailer.sha256 != digest) {
      return Bad("checksum mismatch: the trailer says sha256 " + trailer.sha256 +
                 ", the lines before it hash to " + digest + " (the archive was altered)");
    }
    if (!(trailer.counts == report_.archive)) {
      return Bad("the trailer's counts do not match the lines read");
    }
    if (report_.archive.pools != header_->pool_count) {
      return Bad("the header announces " + std::to_string(header_->pool_count) +
                 " pools, the archive holds " + std::to_string(report_.archive.pools));
    }
    seen_trailer_ = true;
    return OkStatus();
  }

 public:
  Status PutAlso(store::Txn& txn) {
    for (const auto& [name, value] : options_.also_put_secrets) {
      COGSYNC_RETURN_IF_ERROR(txn.PutSecret(name, value));
    }
    return OkStatus();
  }

 private:
  ArchiveReader& reader_;
  const ImportOptions& options_;
  Progress& progress_;
  ImportReport report_;
  std::optional<Header> header_;
  std::optional<PoolState> pool_;
  std::optional<IdentityState> identity_;
  std::optional<DatasetState> dataset_;
  std::string last_pool_;
  bool seen_trailer_ = false;
};

}  // namespace

Result<OnConflict> ParseOnConflict(std::string_view text) {
  if (text == "fail") return OnConflict::kFail;
  if (text == "skip") return OnConflict::kSkip;
  if (text == "replace") return OnConflict::kReplace;
  if (text == "merge") return OnConflict::kMerge;
  return Bad("--on-conflict must be fail, skip, replace or merge");
}

Result<ImportReport> ImportArchive(store::Store& store, ArchiveReader& reader,
                                   const ImportOptions& options, Progress& progress) {
  Importer importer(reader, options, progress);
  COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    COGSYNC_RETURN_IF_ERROR(importer.Run(txn));
    return importer.PutAlso(txn);
  }));
  progress.Done(importer.report().archive.identities, importer.report().archive.records);
  return importer.report();
}

}  // namespace cogsync::archive
