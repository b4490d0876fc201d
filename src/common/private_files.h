#pragma once
// Files and directories only the server's user may read: the data directory cogsync creates
// (0700) and the secrets it writes there (0600 from the moment they exist, never widened then
// narrowed, never written through a symbolic link).

#include <string>
#include <string_view>

#include "common/error.h"

namespace cogsync::files {

// Creates `dir` and any missing parents with mode 0700 (as far as the umask allows). Directories
// that already exist keep their mode: they are the operator's. InternalError on failure.
Status CreatePrivateDirectories(const std::string& dir);

// Writes `contents` to a new file beside `path` opened with O_CREAT|O_EXCL|O_NOFOLLOW and mode
// 0600, fsyncs it and renames it onto `path`: a reader never sees a partial file, a symbolic
// link at `path` is replaced rather than followed, and the secret is never readable by others,
// not even for a moment. InternalError on failure (the temporary file is removed).
Status WritePrivateFile(const std::string& path, std::string_view contents);

}  // namespace cogsync::files
