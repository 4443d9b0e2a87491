// read_file caps and errors; write_file_atomic replaces the file as a whole with the
// requested mode, and leaves the original (and no temporary file) when it fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "io/file_io.hpp"

namespace fs = std::filesystem;
using skiff::Errc;

namespace {

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "skiff-file-io-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }
  void put(const fs::path& p, const std::string& content) { std::ofstream(p, std::ios::binary) << content; }
  unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  std::size_t entries() { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {})); }

  fs::path dir_;
};

TEST_F(FileIoTest, ReadWholeFileUpToTheCap) {
  put(dir_ / "a", std::string("x\0y\n", 4));
  auto r = skiff::io::read_file(dir_ / "a", 4);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, std::string("x\0y\n", 4));

  auto big = skiff::io::read_file(dir_ / "a", 3);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, Errc::too_large);

  put(dir_ / "empty", "");
  EXPECT_EQ(skiff::io::read_file(dir_ / "empty", 0).value(), "");
}

TEST_F(FileIoTest, ReadErrors) {
  auto missing = skiff::io::read_file(dir_ / "nope", 100);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find((dir_ / "nope").string()), std::string::npos);

  auto is_dir = skiff::io::read_file(dir_, 100);
  ASSERT_FALSE(is_dir.has_value());
  EXPECT_EQ(is_dir.error().code, Errc::io_error);

  // A pipe-like file of unknown size is still capped while reading.
  auto dev = skiff::io::read_file("/dev/zero", 1000);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::too_large);
}

TEST_F(FileIoTest, AtomicReplaceSetsModeAndLeavesNoTemporary) {
  fs::path p = dir_ / "known_hosts";
  put(p, "old\n");
  ASSERT_EQ(::chmod(p.c_str(), 0644), 0);
  auto r = skiff::io::write_file_atomic(p, "new content\n", 0640);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(skiff::io::read_file(p, 100).value(), "new content\n");
  EXPECT_EQ(mode_of(p), 0640u);
  EXPECT_EQ(entries(), 1u);

  // Creating a new file works too, and the mode is not cut by the umask.
  mode_t old_mask = ::umask(077);
  r = skiff::io::write_file_atomic(dir_ / "fresh", "", 0644);
  ::umask(old_mask);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(mode_of(dir_ / "fresh"), 0644u);
  EXPECT_EQ(skiff::io::read_file(dir_ / "fresh", 10).value(), "");
}

// A key file reached through a symbolic link: the target gets the new content and the
// link stays a link (a rename onto the link would leave the old key at the target).
TEST_F(FileIoTest, SymlinkIsWrittenThrough) {
  fs::create_directory(dir_ / "real");
  fs::path target = dir_ / "real" / "id_ed25519";
  put(target, "unencrypted key\n");
  fs::create_symlink(target, dir_ / "link");
  auto r = skiff::io::write_file_atomic(dir_ / "link", "encrypted key\n", 0600);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(fs::is_symlink(dir_ / "link"));
  EXPECT_EQ(skiff::io::read_file(target, 100).value(), "encrypted key\n");
  EXPECT_EQ(mode_of(target), 0600u);
  // A relative link that dangles creates its target.
  fs::create_symlink("real/new_key", dir_ / "dangling");
  r = skiff::io::write_file_atomic(dir_ / "dangling", "fresh\n", 0600);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(fs::is_symlink(dir_ / "dangling"));
  EXPECT_EQ(skiff::io::read_file(dir_ / "real" / "new_key", 100).value(), "fresh\n");
}

TEST_F(FileIoTest, FailureLeavesTheOriginal) {
  fs::path p = dir_ / "keep";
  put(p, "original\n");
  // The target is a non-empty directory: rename fails after the temporary was written.
  fs::create_directory(dir_ / "sub");
  put(dir_ / "sub" / "f", "x");
  auto r = skiff::io::write_file_atomic(dir_ / "sub", "data", 0600);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::io_error);
  EXPECT_EQ(entries(), 2u);  // "keep" and "sub": the temporary file is gone

  // A directory we cannot write to: no temporary file can be made.
  if (::geteuid() != 0) {
    fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
    r = skiff::io::write_file_atomic(p, "replacement", 0600);
    fs::permissions(dir_, fs::perms::owner_all);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::io_error);
  }
  EXPECT_EQ(skiff::io::read_file(p, 100).value(), "original\n");

  auto missing_dir = skiff::io::write_file_atomic(dir_ / "no" / "such", "x", 0600);
  ASSERT_FALSE(missing_dir.has_value());
  EXPECT_EQ(missing_dir.error().code, Errc::not_found);
}

}  // namespace
