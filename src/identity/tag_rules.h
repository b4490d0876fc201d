#pragma once
// Rules for identity pool tags (AWS's quotas: 50 tags, `aws:` reserved, the
// documented character set); lengths are checked by the model's constraints.

#include <boost/json.hpp>
#include <string>

#include "common/error.h"

namespace cogsync::identity {

// Checks tags about to be stored; `total` is how many the pool would have afterwards.
Status CheckTags(const boost::json::object& tags, int max_tags, size_t total = 0);

}  // namespace cogsync::identity
