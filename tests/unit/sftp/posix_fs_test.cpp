// The engine over the real file system, in a temporary directory: relative paths start
// at the start directory, RENAME does not replace, lsetstat does not follow links,
// READDIR long names look like ls -l.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/sftp_posix_fs.hpp"
#include "server_harness.hpp"

using namespace skiff;
using namespace skiff::sftp;
using skiff::sftp::testing::ServerHarness;
namespace stdfs = std::filesystem;

namespace {
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/skiff-sftp-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { stdfs::remove_all(path); }
  std::string path;
};
wire::ByteView bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
}  // namespace

TEST(SftpPosixFs, RequestsRelativeToTheStartDirectory) {
  TempDir t;
  auto fs = io::PosixFileSystem::create(t.path);
  ASSERT_TRUE(fs);
  ServerHarness h(**fs);
  h.init();
  const std::string hd = h.handle_of(Open{1, "f", kOpenWrite | kOpenCreate, FileAttributes{.permissions = 0600}});
  EXPECT_EQ(h.status_of(Write{2, hd, 0, BinaryString{bytes_of("data")}}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Close{3, hd}), StatusCode::ok);
  std::ifstream in(t.path + "/f");
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "data");
  char resolved[PATH_MAX];
  ASSERT_TRUE(::realpath(t.path.c_str(), resolved));
  auto rp = h.request(Realpath{4, "."});
  EXPECT_EQ(std::get<Name>(rp).entries.at(0).name, resolved);

  std::ofstream(t.path + "/g") << "g";
  EXPECT_EQ(h.status_of(Rename{5, "f", "g"}), StatusCode::failure);  // never replaces
  EXPECT_EQ(h.status_of(Rename{6, "f", "h"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(PosixRename{7, "h", "g"}), StatusCode::ok);
  EXPECT_FALSE(stdfs::exists(t.path + "/h"));
  EXPECT_EQ(h.status_of(Symlink{8, "g", "l"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Lsetstat{9, "l", FileAttributes{.atime_mtime = std::pair{1u, 2u}}}), StatusCode::ok);
  struct stat st{};
  ASSERT_EQ(::stat((t.path + "/g").c_str(), &st), 0);
  EXPECT_NE(st.st_mtime, 2);  // the target was not touched
  ASSERT_EQ(::lstat((t.path + "/l").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 2);
  EXPECT_EQ(h.status_of(Stat{10, "missing"}), StatusCode::no_such_file);
  EXPECT_EQ(h.status_of(Opendir{11, "g"}), StatusCode::no_such_file);  // ENOTDIR

  const std::string dh = h.handle_of(Opendir{12, "."});
  auto names = h.request(Readdir{13, dh});
  bool saw_g = false;
  for (const auto& e : std::get<Name>(names).entries) {
    if (e.name != "g") continue;
    saw_g = true;
    EXPECT_TRUE(e.long_name.starts_with("-rw-")) << e.long_name;
    EXPECT_TRUE(e.long_name.ends_with(" g")) << e.long_name;
  }
  EXPECT_TRUE(saw_g);
  EXPECT_EQ(h.status_of(Readdir{14, dh}), StatusCode::eof);
}

TEST(SftpPosixFs, AMissingStartDirectoryIsAnError) {
  EXPECT_FALSE(io::PosixFileSystem::create("/nonexistent/skiff/dir"));
}
