#pragma once
// `cogsync status`: what the outbox still owes (D24) and which bulk publishes run (D26), read
// from the store, so it works beside a running server (also on another node of a shared store).

#include <string>

#include "common/error.h"
#include "store/store.h"

namespace cogsync::cli {

// The report as text; `now_ms` dates the ages in it.
Result<std::string> StatusReport(store::Store& store, int64_t now_ms);

}  // namespace cogsync::cli
