#include "cli/keys.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"

namespace cogsync::cli {

namespace {

constexpr size_t kMinKeyChars = 16;
constexpr size_t kMaxKeyChars = 128;

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Status ValidateDeveloperKey(std::string_view access_key_id, std::string_view secret,
                            bool test_mode) {
  const size_t min = test_mode ? 1 : kMinKeyChars;
  if (access_key_id.starts_with("ASIA")) {
    return ApiError::InvalidParameter(
        "an access key id must not start with ASIA: that prefix is reserved for identity "
        "credentials");
  }
  if (access_key_id.size() < min || access_key_id.size() > kMaxKeyChars ||
      !std::all_of(access_key_id.begin(), access_key_id.end(), IsWordChar)) {
    return ApiError::InvalidParameter(
        "an access key id has 16 to 128 characters, each a letter, digit or underscore");
  }
  if (secret.size() < min || secret.size() > kMaxKeyChars ||
      !std::all_of(secret.begin(), secret.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
    return ApiError::InvalidParameter(
        "a secret access key has 16 to 128 printable ASCII characters and no spaces");
  }
  return OkStatus();
}

Result<store::AccessKey> CreateKey(store::Store& store, const std::string& name,
                                   const std::optional<std::string>& access_key_id,
                                   const std::optional<std::string>& secret) {
  store::AccessKey key;
  key.access_key_id = access_key_id.value_or("AKIA" + ids::RandomAlnumUpper(16));
  key.secret_access_key = secret.value_or(ids::RandomSecret(40));
  key.name = name;
  key.created_ms = SystemClock().NowMillis();
  COGSYNC_RETURN_IF_ERROR(
      ValidateDeveloperKey(key.access_key_id, key.secret_access_key, /*test_mode=*/false));
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
