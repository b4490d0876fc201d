#include "sync/lookup.h"

#include "common/json.h"

namespace cogsync::sync {
namespace {

ApiError Forbidden(std::string_view identity_id) {
  return ApiError::NotAuthorized("Access to Identity '" + std::string(identity_id) +
                                 "' is forbidden.");
}

}  // namespace

Result<store::PoolPtr> LoadPool(store::Txn& txn, std::string_view pool_id) {
  COGSYNC_ASSIGN_OR_RETURN(store::PoolPtr pool, txn.GetPool(pool_id));
  if (pool == nullptr) return PoolNotFound(pool_id);
  return pool;
}

ApiError PoolNotFound(std::string_view pool_id) {
  return ApiError::ResourceNotFound("IdentityPool '" + std::string(pool_id) + "' not found.");
}

Result<bool> CheckIdentity(store::Txn& txn, const auth::Principal& principal,
                           std::string_view pool_id, std::string_view identity_id,
                           MissingIdentity missing) {
  COGSYNC_ASSIGN_OR_RETURN(auto identity, txn.GetIdentity(identity_id));
  return CheckIdentityState(identity ? &identity->pool_id : nullptr, identity && identity->disabled,
                            principal, pool_id, identity_id, missing);
}

Result<bool> CheckIdentityState(const std::string* identity_pool, bool disabled,
                                const auth::Principal& principal, std::string_view pool_id,
                                std::string_view identity_id, MissingIdentity missing) {
  const bool known = identity_pool != nullptr && *identity_pool == pool_id;
  if (principal.is_identity()) {
    // The dispatcher's Authorize() already matched the path to the credentials; checked again
    // so that handlers are safe when called directly.
    if (!known || disabled || principal.identity_id != identity_id ||
        principal.pool_id != pool_id) {
      return Forbidden(identity_id);
    }
    return true;
  }
  if (known) return true;
  if (missing == MissingIdentity::kEmpty) return false;
  return ApiError::ResourceNotFound("Identity '" + std::string(identity_id) + "' not found.");
}

Result<int> PageSize(const boost::json::object& in, std::string_view member, int max_page) {
  const boost::json::value* given = json::Find(in, member);
  if (given == nullptr) return max_page;
  std::optional<int64_t> n = json::GetInt(in, member);
  if (!n || *n <= 0) {
    std::string camel(member);
    if (!camel.empty()) camel[0] = char(std::tolower(static_cast<unsigned char>(camel[0])));
    return ApiError::InvalidParameter("1 validation error detected: Value '" + json::Write(*given) +
                                      "' at '" + camel +
                                      "' failed to satisfy constraint: Member must have value "
                                      "greater than or equal to 1");
  }
  return int(std::min<int64_t>(*n, max_page));
}

boost::json::object DatasetJson(const store::Dataset& d) {
  boost::json::object o;
  o["IdentityId"] = d.identity_id;
  o["DatasetName"] = d.name;
  o["CreationDate"] = json::Timestamp(d.created_ms);
  o["LastModifiedDate"] = json::Timestamp(d.modified_ms);
  o["LastModifiedBy"] = d.modified_by;
  o["DataStorage"] = d.data_storage;
  o["NumRecords"] = d.num_records;
  return o;
}

boost::json::object RecordJson(const store::Record& r, boost::json::storage_ptr storage) {
  boost::json::object o(6, std::move(storage));
  o.emplace("Key", r.key);
  if (r.value) o.emplace("Value", *r.value);
  o.emplace("SyncCount", r.sync_count);
  o.emplace("LastModifiedDate", json::Timestamp(r.modified_ms));
  o.emplace("LastModifiedBy", r.modified_by);
  if (r.device_modified_ms)
    o.emplace("DeviceLastModifiedDate", json::Timestamp(*r.device_modified_ms));
  return o;
}

}  // namespace cogsync::sync
