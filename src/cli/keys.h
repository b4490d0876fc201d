#pragma once
// `cogsync keys create|list|delete`: developer access keys (docs/decisions.md D7), kept in the
// store so that every node accepts them. A running server notices changes within a few seconds.

#include <optional>
#include <string>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::cli {

// Creates a key (random id and secret unless given) and returns it.
Result<store::AccessKey> CreateKey(store::Store& store, const std::string& name,
                                   const std::optional<std::string>& access_key_id,
                                   const std::optional<std::string>& secret);
Result<std::vector<store::AccessKey>> ListKeys(store::Store& store);
// NotFound-style error when there is no such key.
Status DeleteKey(store::Store& store, const std::string& access_key_id);

}  // namespace cogsync::cli
