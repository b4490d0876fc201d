#pragma once
// Loading and checking what a Sync operation names, shared by the handler files: the pool, the
// identity (with the access rule for identity credentials), datasets, page sizes, and the JSON
// shapes of Dataset and Record.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::sync {

// The pool's shared snapshot (never null); ResourceNotFoundException "IdentityPool '<id>' not
// found." when the pool does not exist.
Result<store::PoolPtr> LoadPool(store::Txn& txn, std::string_view pool_id);
ApiError PoolNotFound(std::string_view pool_id);

// What an operation does for an identity that is unknown (or of another pool) when the caller
// has developer credentials: ResourceNotFoundException where the operation's error list has it,
// an empty result where it does not (ListDatasets, ListRecords).
enum class MissingIdentity { kNotFound, kEmpty };

// Whether the identity's data may be used. Identity credentials whose identity no longer
// exists, is disabled (merged away, D23), is another identity or belongs to another pool get
// NotAuthorizedException "Access to Identity '<id>' is forbidden.". With developer credentials
// an unknown identity is ResourceNotFound (kNotFound) or false (kEmpty: answer with nothing).
Result<bool> CheckIdentity(store::Txn& txn, const auth::Principal& principal,
                           std::string_view pool_id, std::string_view identity_id,
                           MissingIdentity missing);
// The same judgement on what is known of the identity: `identity_pool` is its pool, or null when
// the identity does not exist.
Result<bool> CheckIdentityState(const std::string* identity_pool, bool disabled,
                                const auth::Principal& principal, std::string_view pool_id,
                                std::string_view identity_id, MissingIdentity missing);

// The page size of a list (D20): `max_page` when absent, clamped to it when larger;
// InvalidParameterException when 0 or negative.
Result<int> PageSize(const boost::json::object& in, std::string_view member, int max_page);

// The Dataset shape (D6 timestamps).
boost::json::object DatasetJson(const store::Dataset& dataset);
// The Record shape: a tombstone has no Value (D16).
// `storage`: where the object's memory comes from (an answer's own arena; default: the heap).
boost::json::object RecordJson(const store::Record& record, boost::json::storage_ptr storage = {});

// Bytes a live record counts toward the dataset size (D19): UTF-8 bytes of key and value.
inline int64_t RecordBytes(const store::Record& record) {
  return record.value ? int64_t(record.key.size() + record.value->size()) : 0;
}

}  // namespace cogsync::sync
