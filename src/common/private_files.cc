#include "common/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/ids.h"

namespace cogsync::files {
namespace {

ApiError Failed(const std::string& what, const std::string& path, int error) {
  return ApiError::InternalError("cannot " + what + " " + path + ": " + std::strerror(error));
}

}  // namespace

Status CreatePrivateDirectories(const std::string& dir) {
  if (dir.empty()) return OkStatus();
  std::filesystem::path path(dir);
  std::filesystem::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return Failed("create directory", partial.string(), errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Failed("create directory", dir, errno);
  if (!S_ISDIR(st.st_mode)) return Failed("create directory", dir, ENOTDIR);
  return OkStatus();
}

Status WritePrivateFile(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp-" + ids::RandomAlnumUpper(12);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("create", temp, errno);
  const char* p = contents.data();
  size_t left = contents.size();
  int error = 0;
  while (left > 0 && error == 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= size_t(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return Failed("write", path, error);
  }
  return OkStatus();
}

}  // namespace cogsync::files
