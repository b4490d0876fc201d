#pragma once
// Reading and writing archive lines (docs/archive.md): plain or gzip, with the running SHA-256
// the trailer carries, in bounded memory.
//
// ArchiveWriter writes to FILE.partial and renames it to FILE only in Finish(), so a failed or
// interrupted export never leaves something that looks like an archive. With `secret` the file
// is created with mode 0600 (it holds keys); otherwise 0644 less the umask.
//
// ArchiveReader hands out one line at a time, never holding more than kMaxLineBytes of a line
// (a longer line is refused when its limit is reached, so a 10 GB line costs 8 MiB), refuses a
// gzip stream that inflates more than kMaxInflateRatio times past 64 MiB (a gzip bomb), and can
// start over (Rewind) because a store may run an import transaction again. Standard input is
// first copied to an unlinked temporary file so that it can be read twice.
//
// Neither is thread-safe; each belongs to one command.

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/error.h"

namespace cogsync::archive {

inline constexpr int64_t kMaxInflateRatio = 1000;

struct OutputOptions {
  std::string path;  // "-": standard output
  bool gzip = false;
  bool secret = false;  // create the file 0600
};

class ArchiveWriter {
 public:
  static Result<std::unique_ptr<ArchiveWriter>> Open(const OutputOptions& options);
  ~ArchiveWriter();  // removes the partial file unless Finish() succeeded
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Appends the object as one line.
  Status Write(const boost::json::object& line);
  // The hex SHA-256 of everything written so far, and the number of lines.
  std::string Digest() const { return sha_.HexDigest(); }
  int64_t lines() const { return lines_; }
  // Writes the last line (not counted, not hashed), flushes, fsyncs and renames into place.
  Status Finish(const boost::json::object& trailer);

 private:
  ArchiveWriter() = default;
  Status Put(std::string_view bytes);
  void* gz_ = nullptr;  // gzFile
  std::string path_, partial_;
  bool finished_ = false;
  crypto::Sha256Stream sha_;
  int64_t lines_ = 0;
  std::string buffer_;
};

class ArchiveReader {
 public:
  // "-" reads standard input.
  static Result<std::unique_ptr<ArchiveReader>> Open(const std::string& path);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next line without its '\n'; nullopt at the end. Errors name the line.
  Result<std::optional<std::string_view>> Next();
  // The number of the line Next() returned last (1-based).
  int64_t line_number() const { return line_number_; }
  // SHA-256 (hex) of every line before the last one returned, newlines included.
  std::string DigestBeforeLine() const { return sha_->HexDigest(); }
  Status Rewind();

 private:
  ArchiveReader() = default;
  Status Fill();
  void* gz_ = nullptr;  // gzFile
  int fd_ = -1;
  std::vector<char> buffer_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  int64_t inflated_ = 0;
  std::string line_;
  bool have_previous_ = false;  // line_ holds a returned line, hashed by the next Next()
  int64_t line_number_ = 0;
  std::unique_ptr<crypto::Sha256Stream> sha_;
};

}  // namespace cogsync::archive
