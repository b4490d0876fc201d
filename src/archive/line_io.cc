#include "archive/line_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "archive/format.h"
#include "common/json.h"

namespace cogsync::archive {
namespace {

constexpr size_t kReadChunk = 256 * 1024;
constexpr int64_t kBombFloor = 64 * 1024 * 1024;

gzFile Gz(void* p) { return static_cast<gzFile>(p); }

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

ApiError AtLine(int64_t line, const std::string& message) {
  return archive::AtLine(line, ApiError::InvalidParameter(message));
}

}  // namespace

// ---- writer -------------------------------------------------------------------------------------

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Open(const OutputOptions& options) {
  std::unique_ptr<ArchiveWriter> w(new ArchiveWriter());
  int fd = -1;
  if (options.path == "-") {
    fd = ::dup(STDOUT_FILENO);
    if (fd < 0) return ApiError::InternalError(Errno("cannot write standard output"));
  } else {
    w->path_ = options.path;
    w->partial_ = options.path + ".partial";
    const mode_t mode = options.secret ? 0600 : 0644;
    fd = ::open(w->partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return ApiError::InvalidParameter(Errno("cannot create " + w->partial_));
    // An existing file keeps its mode through O_CREAT: set it.
    if (options.secret && ::fchmod(fd, 0600) != 0) {
      ::close(fd);
      return ApiError::InternalError(Errno("cannot chmod " + w->partial_));
    }
  }
  // "T": transparent (uncompressed) writing through the same interface.
  w->gz_ = gzdopen(fd, options.gzip ? "wb6" : "wbT");
  if (w->gz_ == nullptr) {
    ::close(fd);
    return ApiError::InternalError("cannot start the archive stream");
  }
  gzbuffer(Gz(w->gz_), 1 << 20);
  return w;
}

ArchiveWriter::~ArchiveWriter() {
  if (gz_ != nullptr) gzclose(Gz(gz_));
  if (!finished_ && !partial_.empty()) ::unlink(partial_.c_str());
}

Status ArchiveWriter::Put(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes.size() - done, 1u << 30));
    int n = gzwrite(Gz(gz_), bytes.data() + done, chunk);
    if (n <= 0) {
      int code = 0;
      const char* message = gzerror(Gz(gz_), &code);
      return ApiError::InternalError(std::string("cannot write the archive: ") +
                                     (code == Z_ERRNO ? std::strerror(errno) : message));
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status ArchiveWriter::Write(const boost::json::object& line) {
  buffer_.clear();
  json::AppendTo(buffer_, line);
  buffer_.push_back('\n');
  sha_.Update(buffer_);
  ++lines_;
  return Put(buffer_);
}

Status ArchiveWriter::Finish(const boost::json::object& trailer) {
  buffer_.clear();
  json::AppendTo(buffer_, trailer);
  buffer_.push_back('\n');
  COGSYNC_RETURN_IF_ERROR(Put(buffer_));
  if (gzflush(Gz(gz_), Z_FINISH) != Z_OK) {
    return ApiError::InternalError(Errno("cannot flush the archive"));
  }
  // gzclose closes the descriptor; fsync the file through a second one first.
  if (!partial_.empty()) {
    int fd = ::open(partial_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      return ApiError::InternalError(Errno("cannot fsync " + partial_));
    }
    ::close(fd);
  }
  int rc = gzclose(Gz(gz_));
  gz_ = nullptr;
  if (rc != Z_OK) return ApiError::InternalError(Errno("cannot close the archive"));
  if (!partial_.empty()) {
    if (::rename(partial_.c_str(), path_.c_str()) != 0) {
      return ApiError::InternalError(Errno("cannot rename " + partial_ + " to " + path_));
    }
    std::filesystem::path dir = std::filesystem::absolute(path_).parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
  finished_ = true;
  return OkStatus();
}

// ---- reader -------------------------------------------------------------------------------------

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader());
  if (path == "-") {
    // Spool standard input to an unlinked file, so that Rewind works.
    const char* tmpdir = std::getenv("TMPDIR");
    std::string templ = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") +
                        "/cogsync-import-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());
    if (fd < 0) return ApiError::InternalError(Errno("cannot create a temporary file"));
    ::unlink(buf.data());
    std::vector<char> chunk(kReadChunk);
    while (true) {
      ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return ApiError::InternalError(Errno("cannot read standard input"));
      }
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(fd, chunk.data() + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          ::close(fd);
          return ApiError::InternalError(Errno("cannot spool standard input"));
        }
        off += w;
      }
    }
    r->fd_ = fd;
  } else {
    r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (r->fd_ < 0) return ApiError::InvalidParameter(Errno("cannot open " + path));
  }
  r->buffer_.resize(kReadChunk);
  COGSYNC_RETURN_IF_ERROR(r->Rewind());
  return r;
}

ArchiveReader::~ArchiveReader() {
  if (gz_ != nullptr) gzclose(Gz(gz_));
  if (fd_ >= 0) ::close(fd_);
}

Status ArchiveReader::Rewind() {
  if (gz_ != nullptr) gzclose(Gz(gz_));
  gz_ = nullptr;
  if (::lseek(fd_, 0, SEEK_SET) != 0) return ApiError::InternalError(Errno("cannot rewind"));
  int fd = ::dup(fd_);
  if (fd < 0) return ApiError::InternalError(Errno("cannot read the archive"));
  gz_ = gzdopen(fd, "rb");  // reads gzip, and plain files as they are
  if (gz_ == nullptr) {
    ::close(fd);
    return ApiError::InternalError("cannot start reading the archive");
  }
  gzbuffer(Gz(gz_), 1 << 20);
  pos_ = len_ = 0;
  eof_ = false;
  inflated_ = 0;
  line_.clear();
  have_previous_ = false;
  line_number_ = 0;
  sha_ = std::make_unique<crypto::Sha256Stream>();
  return OkStatus();
}

Status ArchiveReader::Fill() {
  int n = gzread(Gz(gz_), buffer_.data(), static_cast<unsigned>(buffer_.size()));
  if (n < 0) {
    int code = 0;
    const char* message = gzerror(Gz(gz_), &code);
    return AtLine(line_number_ + 1, std::string("cannot read the archive: ") +
                                        (code == Z_ERRNO ? std::strerror(errno) : message));
  }
  pos_ = 0;
  len_ = static_cast<size_t>(n);
  if (n == 0) {
    // A gzip stream cut short reads as a clean end in zlib's transparent mode only if it
    // was never gzip; gzread reports a truncated gzip member as an error above.
    eof_ = true;
    return OkStatus();
  }
  inflated_ += n;
  if (gzdirect(Gz(gz_)) == 0 && inflated_ > kBombFloor) {
    z_off_t compressed = gzoffset(Gz(gz_));
    if (compressed > 0 && inflated_ / compressed > kMaxInflateRatio) {
      return AtLine(line_number_ + 1, "the gzip stream inflates more than " +
                                          std::to_string(kMaxInflateRatio) +
                                          " times (a gzip bomb?); refused");
    }
  }
  return OkStatus();
}

Result<std::optional<std::string_view>> ArchiveReader::Next() {
  if (have_previous_) {
    sha_->Update(line_);
    sha_->Update("\n");
    have_previous_ = false;
  }
  line_.clear();
  bool partial = false;
  while (true) {
    if (pos_ == len_) {
      if (eof_) break;
      COGSYNC_RETURN_IF_ERROR(Fill());
      if (eof_) break;
    }
    const char* start = buffer_.data() + pos_;
    const void* nl = std::memchr(start, '\n', len_ - pos_);
    size_t take =
        nl == nullptr ? len_ - pos_ : static_cast<size_t>(static_cast<const char*>(nl) - start);
    if (line_.size() + take > kMaxLineBytes) {
      return AtLine(line_number_ + 1,
                    "longer than " + std::to_string(kMaxLineBytes) + " bytes; refused");
    }
    line_.append(start, take);
    partial = true;
    pos_ += take;
    if (nl != nullptr) {
      ++pos_;  // the newline
      ++line_number_;
      have_previous_ = true;
      return std::optional<std::string_view>(line_);
    }
  }
  if (partial) {
    return AtLine(line_number_ + 1, "ends without a newline: the archive is truncated");
  }
  return std::optional<std::string_view>();
}

}  // namespace cogsync::archive
