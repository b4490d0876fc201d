#include "migrate/target_limits.h"

namespace cogsync::migrate {
namespace {

std::string Over(const std::string& what, int64_t figure, std::string_view unit,
                 std::string_view limit, int64_t value) {
  return what + ": " + std::to_string(figure) + " " + std::string(unit) + ", over limits." +
         std::string(limit) + " = " + std::to_string(value);
}

std::string Key(const std::string& key) {
  return "'" + (key.size() > 40 ? key.substr(0, 40) + "..." : key) + "'";
}

}  // namespace

std::vector<std::string> OverLimits(const std::vector<DatasetCopy>& datasets,
                                    int64_t unchanged_datasets, size_t logins,
                                    const Limits& limits) {
  std::vector<std::string> out;
  if (static_cast<int64_t>(logins) > limits.linked_logins) {
    out.push_back(Over("logins", static_cast<int64_t>(logins), "linked logins", "linked_logins",
                       limits.linked_logins));
  }
  int64_t live = unchanged_datasets, deleted = 0;
  for (const DatasetCopy& d : datasets) {
    if (d.dataset.deleted) {
      ++deleted;
      continue;
    }
    if (d.dataset.merged_into_name.empty()) ++live;
    const std::string name = "dataset '" + d.dataset.name + "'";
    int64_t records = 0, tombstones = 0, bytes = 0;
    for (const store::Record& r : d.records) {
      if (static_cast<int64_t>(r.key.size()) > limits.key_bytes) {
        out.push_back(Over(name + " record " + Key(r.key) + " key",
                           static_cast<int64_t>(r.key.size()), "bytes", "key_bytes",
                           limits.key_bytes));
      }
      if (!r.value) {
        ++tombstones;
        continue;
      }
      ++records;
      bytes += static_cast<int64_t>(r.key.size() + r.value->size());
      if (static_cast<int64_t>(r.value->size()) > limits.value_bytes) {
        out.push_back(Over(name + " record " + Key(r.key) + " value",
                           static_cast<int64_t>(r.value->size()), "bytes", "value_bytes",
                           limits.value_bytes));
      }
    }
    if (records > limits.records_per_dataset) {
      out.push_back(
          Over(name, records, "records", "records_per_dataset", limits.records_per_dataset));
    }
    if (bytes > limits.dataset_bytes) {
      out.push_back(Over(name, bytes, "bytes", "dataset_bytes", limits.dataset_bytes));
    }
    if (tombstones > limits.tombstones_per_dataset) {
      out.push_back(Over(name, tombstones, "removed records", "tombstones_per_dataset",
                         limits.tombstones_per_dataset));
    }
  }
  if (live > limits.datasets_per_identity) {
    out.push_back(
        Over("datasets", live, "datasets", "datasets_per_identity", limits.datasets_per_identity));
  }
  if (deleted > limits.deleted_datasets_per_identity) {
    out.push_back(Over("deleted datasets", deleted, "deletion markers",
                       "deleted_datasets_per_identity", limits.deleted_datasets_per_identity));
  }
  return out;
}

std::vector<std::string> PoolOverLimits(const boost::json::object& pool_line, int64_t pools_held,
                                        bool new_pool, const Limits& limits) {
  std::vector<std::string> out;
  if (const auto* tags = pool_line.if_contains("tags"); tags != nullptr && tags->is_object()) {
    const auto count = static_cast<int64_t>(tags->get_object().size());
    if (count > limits.tags_per_pool) {
      out.push_back(Over("tags", count, "tags", "tags_per_pool", limits.tags_per_pool));
    }
  }
  if (new_pool && pools_held >= limits.max_identity_pools) {
    out.push_back(Over("the target", pools_held + 1, "identity pools", "max_identity_pools",
                       limits.max_identity_pools));
  }
  return out;
}

}  // namespace cogsync::migrate
