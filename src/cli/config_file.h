#pragma once
// Reads the JSON configuration file (--config FILE) into a Config. Keys are the long flag names
// with '_' or '-' (e.g. "data_dir", "public-url"), plus "limits" and "login_providers";
// docs/configuration.md lists them all. Unknown keys are errors, so typos do not pass silently.

#include <string>

#include "common/config.h"
#include "common/error.h"

namespace cogsync::cli {

Status ApplyConfigFile(const std::string& path, Config& config);

}  // namespace cogsync::cli
