// Tags on identity pools: TagResource, UntagResource, ListTagsForResource. Resources are named by
// the pool ARN arn:aws:cognito-identity:<region>:<account>:identitypool/<IdentityPoolId>.

#include "common/json.h"
#include "identity/lookup.h"
#include "identity/service.h"
#include "identity/tag_rules.h"

namespace cogsync::identity {
namespace {

bool AllowedTagChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' ||
         c == '@' || c >= 0x80;  // letters of other scripts are allowed as UTF-8
}

bool AllowedTagText(std::string_view s) {
  for (unsigned char c : s) {
    if (!AllowedTagChar(c)) return false;
  }
  return true;
}

// The pool id named by a pool ARN of this region and account, or InvalidParameterException.
Result<std::string> PoolIdFromArn(std::string_view arn, const Config& config) {
  const std::string prefix =
      "arn:aws:cognito-identity:" + config.region + ":" + config.account_id + ":identitypool/";
  if (arn.substr(0, prefix.size()) != prefix || arn.size() == prefix.size()) {
    return ApiError::InvalidParameter("Invalid ARN: " + std::string(arn));
  }
  return std::string(arn.substr(prefix.size()));
}

}  // namespace

Status CheckTags(const bj::object& tags, int max_tags, size_t total) {
  if (std::max(total, tags.size()) > size_t(max_tags)) {
    return ApiError::InvalidParameter("An identity pool can have at most " +
                                      std::to_string(max_tags) + " tags.");
  }
  for (const auto& kv : tags) {
    std::string_view key = kv.key();
    if (key.size() >= 4 && (key.substr(0, 4) == "aws:" || key.substr(0, 4) == "AWS:")) {
      return ApiError::InvalidParameter("Tag keys starting with 'aws:' are reserved for AWS use.");
    }
    if (!kv.value().is_string()) {
      return ApiError::InvalidParameter("Tag values must be strings.");
    }
    if (!AllowedTagText(key) || !AllowedTagText(kv.value().get_string())) {
      return ApiError::InvalidParameter(
          "Tag keys and values may contain only letters, digits, spaces and _ . : / = + - @");
    }
  }
  return OkStatus();
}

IdentityService::Output IdentityService::TagResource(RequestContext&, const bj::object& in) {
  COGSYNC_ASSIGN_OR_RETURN(auto pool_id, PoolIdFromArn(in.at("ResourceArn").as_string(), config_));
  const bj::object& tags = in.at("Tags").as_object();
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, pool_id));
    store::Pool pool = *current;
    bj::object merged = pool.tags;
    for (const auto& kv : tags) merged[kv.key()] = kv.value();
    COGSYNC_RETURN_IF_ERROR(CheckTags(tags, config_.limits.tags_per_pool, merged.size()));
    pool.tags = std::move(merged);
    return txn.PutPool(pool);
  }));
  return bj::value(bj::object());
}

IdentityService::Output IdentityService::UntagResource(RequestContext&, const bj::object& in) {
  COGSYNC_ASSIGN_OR_RETURN(auto pool_id, PoolIdFromArn(in.at("ResourceArn").as_string(), config_));
  COGSYNC_RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto current, LoadPool(txn, pool_id));
    store::Pool pool = *current;
    for (const auto& key : in.at("TagKeys").as_array()) pool.tags.erase(key.as_string());
    return txn.PutPool(pool);
  }));
  return bj::value(bj::object());
}

IdentityService::Output IdentityService::ListTagsForResource(RequestContext&,
                                                             const bj::object& in) {
  COGSYNC_ASSIGN_OR_RETURN(auto pool_id, PoolIdFromArn(in.at("ResourceArn").as_string(), config_));
  bj::object out;
  COGSYNC_RETURN_IF_ERROR(store_.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, LoadPool(txn, pool_id));
    out["Tags"] = pool->tags;
    return OkStatus();
  }));
  return bj::value(std::move(out));
}

}  // namespace cogsync::identity
