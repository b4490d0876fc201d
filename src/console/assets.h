#pragma once
// The web console's files (console/ in the source tree), built into the binary by
// tools/embed_console.py at build time: the console works on a machine without internet and
// needs nothing installed beside the binary. The table is immutable; reading it is thread-safe.

#include <span>
#include <string_view>

namespace cogsync::console {

struct Asset {
  std::string_view path;          // below /console/, e.g. "index.html", "js/main.js"
  std::string_view content_type;  // with charset for text
  std::string_view body;
};

// Every file, sorted by path (defined in the generated console_assets.cc).
std::span<const Asset> Assets();

// The file at `path` (below /console/), or nullptr.
const Asset* FindAsset(std::string_view path);

}  // namespace cogsync::console
