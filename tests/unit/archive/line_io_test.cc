// The archive's line I/O (D28): what the writer writes the reader reads back, plain and gzip,
// with the checksum the trailer carries; long lines, truncation and rewinding.

#include "archive/line_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "archive/format.h"
#include "common/crypto.h"

namespace cogsync::archive {
namespace {

namespace bj = boost::json;

class LineIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cogsync-line-io-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes lines {"n":0}..{"n":count-1} and a trailer; returns the writer's digest.
  std::string WriteLines(const std::string& path, int count, bool gzip, bool secret = false) {
    auto writer = ArchiveWriter::Open({path, gzip, secret});
    EXPECT_TRUE(writer.ok());
    for (int i = 0; i < count; ++i) EXPECT_TRUE((*writer)->Write(bj::object{{"n", i}}).ok());
    std::string digest = (*writer)->Digest();
    EXPECT_TRUE((*writer)->Finish(bj::object{{"type", "trailer"}}).ok());
    return digest;
  }

  std::filesystem::path dir_;
};

TEST_F(LineIoTest, PlainAndGzipRoundTripWithTheChecksum) {
  for (bool gzip : {false, true}) {
    const std::string path = Path(gzip ? "a.jsonl.gz" : "a.jsonl");
    const std::string digest = WriteLines(path, 1000, gzip);
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
    auto reader = ArchiveReader::Open(path);
    ASSERT_TRUE(reader.ok());
    for (int pass = 0; pass < 2; ++pass) {  // and again after Rewind
      for (int i = 0; i < 1000; ++i) {
        auto line = (*reader)->Next();
        ASSERT_TRUE(line.ok() && line->has_value());
        EXPECT_EQ(**line, "{\"n\":" + std::to_string(i) + "}");
      }
      auto trailer = (*reader)->Next();
      ASSERT_TRUE(trailer.ok() && trailer->has_value());
      EXPECT_EQ((*reader)->line_number(), 1001);
      EXPECT_EQ((*reader)->DigestBeforeLine(), digest);
      auto end = (*reader)->Next();
      ASSERT_TRUE(end.ok());
      EXPECT_FALSE(end->has_value());
      ASSERT_TRUE((*reader)->Rewind().ok());
    }
  }
}

TEST_F(LineIoTest, TheDigestIsTheSha256OfTheBytesBeforeTheTrailer) {
  const std::string path = Path("b.jsonl");
  const std::string digest = WriteLines(path, 3, false);
  EXPECT_EQ(digest, crypto::Sha256Hex("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n"));
}

TEST_F(LineIoTest, SecretArchivesAreOwnerOnly) {
  const std::string path = Path("s.jsonl");
  { std::ofstream(path) << "old"; }
  ::chmod(path.c_str(), 0644);
  WriteLines(path, 1, false, /*secret=*/true);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LineIoTest, AnAbandonedWriterLeavesNothing) {
  const std::string path = Path("c.jsonl");
  {
    auto writer = ArchiveWriter::Open({path, false, false});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(bj::object{{"n", 1}}).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST_F(LineIoTest, ALineWithoutItsNewlineIsTruncation) {
  const std::string path = Path("d.jsonl");
  { std::ofstream(path) << "{\"a\":1}\n{\"b\":"; }
  auto reader = ArchiveReader::Open(path);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Next().ok());
  auto second = (*reader)->Next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message(), "line 2: ends without a newline: the archive is truncated");
}

TEST_F(LineIoTest, ALineOverTheLimitIsRefusedWhenTheLimitIsReached) {
  const std::string path = Path("e.jsonl");
  {
    std::ofstream out(path);
    out << "{}\n";
    out << std::string(kMaxLineBytes + 1, 'x') << "\n";
  }
  auto reader = ArchiveReader::Open(path);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Next().ok());
  auto long_line = (*reader)->Next();
  ASSERT_FALSE(long_line.ok());
  EXPECT_EQ(long_line.error().message(), "line 2: longer than 8388608 bytes; refused");
}

}  // namespace
}  // namespace cogsync::archive
