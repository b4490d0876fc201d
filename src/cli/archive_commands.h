#pragma once
// The data-ownership commands (docs/archive.md, docs/operations.md): `cogsync export`,
// `import`, `import --streams`, `backup` and `restore`. Each returns the process exit code and
// reports on stderr (stdout may carry the archive).

#include <string>
#include <vector>

#include "common/config.h"

namespace cogsync::cli {

struct ExportFlags {
  std::string output = "-";
  std::vector<std::string> pools;
  std::vector<std::string> identities;
  bool include_secrets = false;
  bool gzip = false;  // also implied by an --output ending in .gz
  bool quiet = false;
};
int RunExport(const Config& config, const ExportFlags& flags);

struct ImportFlags {
  std::string input;
  std::string on_conflict = "fail";
  bool streams = false;  // the input is Cognito Streams records (archive/streams.h)
  bool quiet = false;
};
int RunImport(const Config& config, const ImportFlags& flags);

// SQLite: an online VACUUM INTO copy; PostgreSQL: an archive with secrets.
int RunBackup(const Config& config, const std::string& output);
// A SQLite backup into the (stopped) server's database, or an archive into an empty store.
int RunRestore(const Config& config, const std::string& input);

}  // namespace cogsync::cli
