#include "cli/keys.h"

#include "common/clock.h"
#include "common/ids.h"

namespace cogsync::cli {

Result<store::AccessKey> CreateKey(store::Store& store, const std::string& name,
                                   const std::optional<std::string>& access_key_id,
                                   const std::optional<std::string>& secret) {
  store::AccessKey key;
  key.access_key_id = access_key_id.value_or("AKIA" + ids::RandomAlnumUpper(16));
  key.secret_access_key = secret.value_or(ids::RandomSecret(40));
  key.name = name;
  key.created_ms = SystemClock().NowMillis();
  if (key.access_key_id.size() < 16 || key.access_key_id.size() > 128 ||
      key.access_key_id.rfind("ASIA", 0) == 0) {
    return ApiError::InvalidParameter(
        "an access key id has 16 to 128 characters and does not start with ASIA (reserved for "
        "identity credentials)");
  }
  if (key.secret_access_key.size() < 16) {
    return ApiError::InvalidParameter("a secret access key has at least 16 characters");
  }
  COGSYNC_RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto existing, txn.GetAccessKey(key.access_key_id));
    if (existing) return ApiError::ResourceConflict("access key " + key.access_key_id + " exists");
    return txn.PutAccessKey(key);
  }));
  return key;
}

Result<std::vector<store::AccessKey>> ListKeys(store::Store& store) {
  std::vector<store::AccessKey> keys;
  COGSYNC_RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(keys, txn.ListAccessKeys());
    return OkStatus();
  }));
  return keys;
}

Status DeleteKey(store::Store& store, const std::string& access_key_id) {
  return store.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(bool deleted, txn.DeleteAccessKey(access_key_id));
    if (!deleted) return ApiError::ResourceNotFound("no access key " + access_key_id);
    return OkStatus();
  });
}

}  // namespace cogsync::cli
