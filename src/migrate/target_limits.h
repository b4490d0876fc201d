#pragma once
// What of one identity read from the source the target's limits (D19, docs/security.md Bounds)
// would refuse, item by item: the migration copies such an identity not at all (never a part of
// it, nothing truncated) and reports every item here, so the operator can raise the limits and run
// the migration again.

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "migrate/source_reader.h"

namespace cogsync::migrate {

// One line per item over a limit: which dataset or record, its figure, and the limit's name and
// value as the configuration file spells it ("limits.records_per_dataset = 2"). Empty: it fits.
// `unchanged_datasets` are live datasets the target already holds and the copy leaves as they are.
std::vector<std::string> OverLimits(const std::vector<DatasetCopy>& datasets,
                                    int64_t unchanged_datasets, size_t logins,
                                    const Limits& limits);

// The same for a pool: its tags, and one pool more than the target may hold (`pools_held`
// counts the target's pools; `new_pool` is false when the target already has this one).
std::vector<std::string> PoolOverLimits(const boost::json::object& pool_line, int64_t pools_held,
                                        bool new_pool, const Limits& limits);

}  // namespace cogsync::migrate
