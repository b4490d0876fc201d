#pragma once
// `cogsync keys create|list|delete`: developer access keys (docs/decisions.md D7), kept in the
// store so that every node accepts them. A running server notices changes within a few seconds.

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::cli {

// The one rule for developer keys, whether from `cogsync keys create` or from
// COGSYNC_ACCESS_KEY_ID / COGSYNC_SECRET_ACCESS_KEY: an access key id of 16 to 128 letters,
// digits or underscores that does not start with ASIA (reserved for identity credentials), and a
// secret of 16 to 128 printable ASCII characters without spaces. `test_mode` (serve
// --test-mode) waives only the minimum lengths, so test suites written for moto can keep the
// FOOBARKEY / FOOBARSECRET their clients sign with. InvalidParameter naming what is wrong.
Status ValidateDeveloperKey(std::string_view access_key_id, std::string_view secret,
                            bool test_mode);

// Creates a key (random id and secret unless given) and returns it.
Result<store::AccessKey> CreateKey(store::Store& store, const std::string& name,
                                   const std::optional<std::string>& access_key_id,
                                   const std::optional<std::string>& secret);
Result<std::vector<store::AccessKey>> ListKeys(store::Store& store);
// NotFound-style error when there is no such key.
Status DeleteKey(store::Store& store, const std::string& access_key_id);

}  // namespace cogsync::cli
