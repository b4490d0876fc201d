// Issue 13 finding 9: secrets are created 0600 without following links; directories cogsync
// creates are 0700, directories it finds keep their mode.

#include "common/private_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace cogsync::files {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PrivateFiles, DirectoriesCreatedAreOwnerOnly) {
  testing::TempDir dir("private-files");
  ASSERT_TRUE(dir.ok());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string nested = dir.File("a/b/c");
  ASSERT_TRUE(CreatePrivateDirectories(nested).ok());
  EXPECT_EQ(ModeOf(dir.File("a")), 0700u);
  EXPECT_EQ(ModeOf(nested), 0700u);
  EXPECT_EQ(ModeOf(dir.path().string()), 0755u);       // existing: the operator's
  EXPECT_TRUE(CreatePrivateDirectories(nested).ok());  // idempotent

  std::ofstream(dir.File("file")) << "x";
  Status not_a_dir = CreatePrivateDirectories(dir.File("file"));
  ASSERT_FALSE(not_a_dir.ok());
  EXPECT_EQ(not_a_dir.error().code(), "InternalErrorException");
}

TEST(PrivateFiles, SecretsAreWrittenOwnerOnlyAndReplaceLinks) {
  testing::TempDir dir("private-files");
  ASSERT_TRUE(dir.ok());
  const std::string secret = dir.File("developer-credentials");
  ASSERT_TRUE(WritePrivateFile(secret, "first\n").ok());
  EXPECT_EQ(ModeOf(secret), 0600u);
  EXPECT_EQ(Read(secret), "first\n");

  // A link planted where the secret goes is replaced; its target is not written.
  const std::string target = dir.File("target");
  std::ofstream(target) << "untouched";
  ASSERT_EQ(::unlink(secret.c_str()), 0);
  ASSERT_EQ(::symlink(target.c_str(), secret.c_str()), 0);
  ASSERT_TRUE(WritePrivateFile(secret, "second\n").ok());
  EXPECT_EQ(Read(target), "untouched");
  EXPECT_EQ(Read(secret), "second\n");
  EXPECT_EQ(ModeOf(secret), 0600u);  // a regular file again, not the link

  Status failed = WritePrivateFile(dir.File("missing-dir/secret"), "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), "InternalErrorException");
}

}  // namespace
}  // namespace cogsync::files
