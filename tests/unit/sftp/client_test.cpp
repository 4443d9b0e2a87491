// The client engine against the server engine, in memory: every request, transfers with
// replies in reverse order, resume, and a server that lies.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "client_pair.hpp"

namespace skiff::sftp::test {
namespace {

TEST(SftpClient, InitNegotiatesExtensionsAndLimits) {
  ClientPair p;
  p.init();
  EXPECT_EQ(p.client.server_version(), 3u);
  EXPECT_TRUE(p.client.supports(kExtPosixRename));
  EXPECT_TRUE(p.client.supports(kExtStatvfs, "2"));
  ASSERT_TRUE(p.client.server_limits().has_value());
  EXPECT_EQ(p.client.read_size(), std::min<std::size_t>(p.client.server_limits()->max_read_length,
                                                        limits::kMaxSftpReadLength));
  EXPECT_EQ(p.client.max_in_flight(), 64u);
}

TEST(SftpClient, RequestsBeforeReadyAreRefused) {
  Client c;
  EXPECT_FALSE(c.stat("/").has_value());
  c.start();
  EXPECT_FALSE(c.stat("/").has_value());
}

TEST(SftpClient, UserChosenSizesWin) {
  ClientPair p(ClientOptions{4096, 8});
  p.init();
  EXPECT_EQ(p.client.read_size(), 4096u);
  EXPECT_EQ(p.client.max_in_flight(), 8u);
}

TEST(SftpClient, PathRequests) {
  ClientPair p;
  p.init();
  const std::string root = p.fs.root();
  write_file(root + "/f", random_bytes(100));

  auto rp = p.call(p.client.realpath("."));
  ASSERT_TRUE(std::holds_alternative<NameResult>(rp));
  EXPECT_EQ(std::get<NameResult>(rp).entries.at(0).name, root);

  auto st = p.call(p.client.stat(root + "/f"));
  ASSERT_TRUE(std::holds_alternative<AttrsResult>(st));
  EXPECT_EQ(std::get<AttrsResult>(st).attrs.size, 100u);

  auto missing = p.call(p.client.stat(root + "/nope"));
  ASSERT_TRUE(std::holds_alternative<StatusResult>(missing));
  EXPECT_EQ(std::get<StatusResult>(missing).code, StatusCode::no_such_file);
  EXPECT_EQ(status_text(StatusCode::no_such_file), "No such file or directory");

  FileAttributes mode;
  mode.permissions = 0700;
  EXPECT_EQ(p.status_of(p.call(p.client.mkdir(root + "/d", mode))), StatusCode::ok);
  EXPECT_EQ(p.status_of(p.call(p.client.mkdir(root + "/d"))), StatusCode::failure);
  FileAttributes chmod;
  chmod.permissions = 0640;
  EXPECT_EQ(p.status_of(p.call(p.client.setstat(root + "/f", chmod))), StatusCode::ok);
  struct stat sb{};
  ASSERT_EQ(::stat((root + "/f").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0640u);

  EXPECT_EQ(p.status_of(p.call(p.client.symlink("f", root + "/l"))), StatusCode::ok);
  auto rl = p.call(p.client.readlink(root + "/l"));
  ASSERT_TRUE(std::holds_alternative<NameResult>(rl));
  EXPECT_EQ(std::get<NameResult>(rl).entries.at(0).name, "f");
  auto lst = p.call(p.client.lstat(root + "/l"));
  ASSERT_TRUE(std::holds_alternative<AttrsResult>(lst));
  EXPECT_EQ(*std::get<AttrsResult>(lst).attrs.permissions & kModeTypeMask, kModeSymlink);

  EXPECT_EQ(p.status_of(p.call(p.client.hardlink(root + "/f", root + "/h"))), StatusCode::ok);
  write_file(root + "/g", random_bytes(5));
  // posix-rename replaces the target; the legacy RENAME refuses to.
  EXPECT_EQ(p.status_of(p.call(p.client.rename(root + "/g", root + "/h", true))), StatusCode::failure);
  EXPECT_EQ(p.status_of(p.call(p.client.rename(root + "/g", root + "/h"))), StatusCode::ok);
  EXPECT_EQ(read_file(root + "/h").size(), 5u);
  EXPECT_EQ(p.status_of(p.call(p.client.remove(root + "/h"))), StatusCode::ok);
  EXPECT_EQ(p.status_of(p.call(p.client.rmdir(root + "/d"))), StatusCode::ok);

  auto vfs = p.call(p.client.statvfs(root));
  ASSERT_TRUE(std::holds_alternative<ExtendedResult>(vfs));
  auto decoded = decode_statvfs_reply(std::get<ExtendedResult>(vfs).body);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_GT(decoded->bsize, 0u);

  if (p.client.supports(kExtHomeDirectory)) {
    auto home = p.call(p.client.home_directory(""));
    ASSERT_TRUE(std::holds_alternative<NameResult>(home));
  }
  if (p.client.supports(kExtExpandPath)) {
    auto ex = p.call(p.client.expand_path("f"));
    ASSERT_TRUE(std::holds_alternative<NameResult>(ex));
    EXPECT_EQ(std::get<NameResult>(ex).entries.at(0).name, root + "/f");
  }
  if (p.client.supports(kExtUsersGroupsById)) {
    auto ug = p.call(p.client.users_groups_by_id({0}, {0}));
    ASSERT_TRUE(std::holds_alternative<ExtendedResult>(ug));
    auto names = decode_users_groups_reply(std::get<ExtendedResult>(ug).body);
    ASSERT_TRUE(names.has_value());
    EXPECT_EQ(names->user_names.names.size(), 1u);
  }
}

TEST(SftpClient, DirectoryListing) {
  ClientPair p;
  p.init();
  for (int i = 0; i < 250; ++i) write_file(p.fs.root() + "/n" + std::to_string(i), {});
  auto h = std::get<HandleResult>(p.call(p.client.opendir(p.fs.root()))).handle;
  std::size_t names = 0;
  for (;;) {
    auto r = p.call(p.client.readdir(h));
    if (auto* s = std::get_if<StatusResult>(&r)) {
      EXPECT_EQ(s->code, StatusCode::eof);
      break;
    }
    names += std::get<NameResult>(r).entries.size();
  }
  EXPECT_EQ(names, 252u);  // with . and ..
  EXPECT_EQ(p.status_of(p.call(p.client.close(h))), StatusCode::ok);
}

TEST(SftpClient, DownloadKeepsManyReadsInFlightAndTakesRepliesInAnyOrder) {
  ClientPair p(ClientOptions{32 * 1024, 0});
  p.init();
  p.reverse_replies = true;
  const auto data = random_bytes(8 * 1024 * 1024 + 123);
  write_file(p.fs.root() + "/big", data);
  auto h = p.open_handle(p.fs.root() + "/big", kOpenRead);
  wire::Bytes got;
  auto done = p.download(h, 0, data.size(), got);
  EXPECT_EQ(done.status, StatusCode::ok);
  EXPECT_EQ(done.contiguous_end, data.size());
  EXPECT_EQ(got, data);
  EXPECT_GE(p.max_outstanding_seen, 64u);
}

TEST(SftpClient, DownloadWithoutSizeAndResume) {
  ClientPair p;
  p.init();
  const auto data = random_bytes(300000, 7);
  write_file(p.fs.root() + "/f", data);
  auto h = p.open_handle(p.fs.root() + "/f", kOpenRead);
  wire::Bytes got(data.begin(), data.begin() + 1000);
  auto done = p.download(h, 1000, std::nullopt, got);
  EXPECT_EQ(done.status, StatusCode::ok);
  EXPECT_EQ(got, data);
  // An empty file: EOF at once.
  write_file(p.fs.root() + "/e", {});
  auto he = p.open_handle(p.fs.root() + "/e", kOpenRead);
  wire::Bytes none;
  EXPECT_EQ(p.download(he, 0, 0, none).status, StatusCode::ok);
  EXPECT_TRUE(none.empty());
}

TEST(SftpClient, UploadWithReorderedAcksAndResume) {
  ClientPair p;
  p.init();
  p.reverse_replies = true;
  const auto data = random_bytes(5 * 1024 * 1024 + 17, 3);
  FileAttributes mode;
  mode.permissions = 0600;
  auto h = p.open_handle(p.fs.root() + "/up", kOpenWrite | kOpenCreate | kOpenTruncate, mode);
  auto done = p.upload(h, 0, data);
  EXPECT_EQ(done.status, StatusCode::ok);
  EXPECT_EQ(done.contiguous_end, data.size());
  EXPECT_EQ(p.status_of(p.call(p.client.close(h))), StatusCode::ok);
  EXPECT_EQ(read_file(p.fs.root() + "/up"), data);

  // reput: the first part is there, the rest is appended.
  write_file(p.fs.root() + "/part", wire::Bytes(data.begin(), data.begin() + 100000));
  auto hp = p.open_handle(p.fs.root() + "/part", kOpenWrite | kOpenCreate | kOpenAppend);
  EXPECT_EQ(p.upload(hp, 100000, data).status, StatusCode::ok);
  EXPECT_EQ(p.status_of(p.call(p.client.close(hp))), StatusCode::ok);
  EXPECT_EQ(read_file(p.fs.root() + "/part"), data);
}

TEST(SftpClient, UploadToReadOnlyHandleFails) {
  ClientPair p;
  p.init();
  write_file(p.fs.root() + "/ro", random_bytes(10));
  auto h = p.open_handle(p.fs.root() + "/ro", kOpenRead);
  auto done = p.upload(h, 0, random_bytes(200000));
  EXPECT_NE(done.status, StatusCode::ok);
  EXPECT_EQ(done.contiguous_end, 0u);
}

TEST(SftpClient, CopyDataAndFsync) {
  ClientPair p;
  p.init();
  if (!p.client.supports(kExtCopyData)) GTEST_SKIP() << "server without copy-data";
  const auto data = random_bytes(200000, 9);
  write_file(p.fs.root() + "/src", data);
  auto from = p.open_handle(p.fs.root() + "/src", kOpenRead);
  auto to = p.open_handle(p.fs.root() + "/dst", kOpenWrite | kOpenCreate | kOpenTruncate);
  EXPECT_EQ(p.status_of(p.call(p.client.copy_data(from, 0, 0, to, 0))), StatusCode::ok);
  EXPECT_EQ(p.status_of(p.call(p.client.fsync(to))), StatusCode::ok);
  p.call(p.client.close(from));
  p.call(p.client.close(to));
  EXPECT_EQ(read_file(p.fs.root() + "/dst"), data);
}

TEST(SftpClient, CancelledDownloadReportsContiguousPrefix) {
  ClientPair p(ClientOptions{1024, 4});
  p.init();
  const auto data = random_bytes(100000, 11);
  write_file(p.fs.root() + "/f", data);
  auto h = p.open_handle(p.fs.root() + "/f", kOpenRead);
  auto t = p.client.start_download(h, 0, data.size());
  ASSERT_TRUE(t.has_value());
  p.client.cancel_transfer(*t);
  wire::Bytes got;
  p.pump();
  bool done = false;
  while (!done) {
    for (auto& e : p.events) {
      if (auto* d = std::get_if<TransferDone>(&e)) {
        EXPECT_EQ(d->status, StatusCode::failure);
        EXPECT_EQ(d->contiguous_end, 4096u);
        done = true;
      }
    }
    ASSERT_TRUE(done);
  }
}

}  // namespace
}  // namespace skiff::sftp::test
