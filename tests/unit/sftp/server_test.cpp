// The SFTP server engine against a file system in memory: every request, statuses as
// sftp-server gives them, policies, pipelining and bounded output.
#include <gtest/gtest.h>

#include "memory_file_system.hpp"
#include "server_harness.hpp"

using namespace skiff;
using namespace skiff::sftp;
using skiff::sftp::testing::MemoryFileSystem;
using skiff::sftp::testing::ServerHarness;

namespace {
wire::ByteView bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
std::string text_of(wire::ByteView b) { return std::string(b.begin(), b.end()); }
}  // namespace

TEST(SftpServer, VersionAdvertisesEveryExtension) {
  MemoryFileSystem fs;
  ServerHarness h(fs);
  Version v = h.init();
  EXPECT_EQ(v.version, 3u);
  const ExtensionPairs want = {
      {"posix-rename@openssh.com", "1"}, {"statvfs@openssh.com", "2"},   {"fstatvfs@openssh.com", "2"},
      {"hardlink@openssh.com", "1"},     {"fsync@openssh.com", "1"},     {"lsetstat@openssh.com", "1"},
      {"limits@openssh.com", "1"},       {"expand-path@openssh.com", "1"}, {"copy-data", "1"},
      {"home-directory", "1"},           {"users-groups-by-id@openssh.com", "1"},
  };
  EXPECT_EQ(v.extensions, want);
}

TEST(SftpServer, WriteReadCloseAndEof) {
  MemoryFileSystem fs;
  ServerHarness h(fs);
  h.init();
  const std::string hd = h.handle_of(Open{1, "f", kOpenWrite | kOpenCreate | kOpenRead, {}});
  EXPECT_EQ(h.status_of(Write{2, hd, 0, BinaryString{bytes_of("hello world")}}), StatusCode::ok);
  auto d = h.request(Read{3, hd, 6, 100});
  ASSERT_TRUE(std::holds_alternative<Data>(d));
  EXPECT_EQ(text_of(std::get<Data>(d).data.bytes), "world");
  EXPECT_EQ(h.status_of(Read{4, hd, 11, 100}), StatusCode::eof);
  auto a = h.request(Fstat{5, hd});
  EXPECT_EQ(std::get<Attrs>(a).attrs.size, 11u);
  EXPECT_EQ(h.status_of(Close{6, hd}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Close{7, hd}), StatusCode::no_such_file);  // a closed handle is gone
  EXPECT_EQ(h.status_of(Read{8, hd, 0, 1}), StatusCode::failure);
  EXPECT_EQ(*fs.file_content("/home/u/f"), "hello world");
  EXPECT_EQ(h.server.open_handle_count(), 0u);
}

TEST(SftpServer, ReadIsCappedAtTheAdvertisedLength) {
  MemoryFileSystem fs;
  fs.put_file("big", std::string(300 * 1024, 'x'));
  ServerHarness h(fs);
  h.init();
  const std::string hd = h.handle_of(Open{1, "big", kOpenRead, {}});
  auto d = h.request(Read{2, hd, 0, 0xffffffff});
  EXPECT_EQ(std::get<Data>(d).data.bytes.size(), limits::kMaxSftpReadLength);
}

TEST(SftpServer, PipelinedRequestsAreAnsweredWithTheirIds) {
  MemoryFileSystem fs;
  fs.put_file("a", "A");
  ServerHarness h(fs);
  h.init();
  wire::Bytes batch;
  append_message(batch, Request{Stat{900, "a"}});
  append_message(batch, Request{Stat{5, "missing"}});
  append_message(batch, Request{Lstat{77, "a"}});
  h.feed(batch);
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 3; ++i) {
    std::visit([&](const auto& r) {
      if constexpr (requires { r.id; }) ids.push_back(r.id);
    }, h.next());
  }
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{900, 5, 77}));
}

TEST(SftpServer, ErrnoIsMappedAsSftpServerMapsIt) {
  MemoryFileSystem fs;
  ServerHarness h(fs);
  h.init();
  const std::pair<int, StatusCode> cases[] = {
      {ENOENT, StatusCode::no_such_file},     {ENOTDIR, StatusCode::no_such_file},
      {ELOOP, StatusCode::no_such_file},      {EACCES, StatusCode::permission_denied},
      {EPERM, StatusCode::permission_denied}, {EINVAL, StatusCode::bad_message},
      {ENAMETOOLONG, StatusCode::bad_message}, {ENOSYS, StatusCode::op_unsupported},
      {EIO, StatusCode::failure},             {ENOSPC, StatusCode::failure},
  };
  for (const auto& [err, code] : cases) {
    fs.failures["/home/u/x"] = err;
    auto r = h.request(Stat{1, "x"});
    ASSERT_TRUE(std::holds_alternative<Status>(r));
    EXPECT_EQ(std::get<Status>(r).code, code) << "errno " << err;
    EXPECT_EQ(std::get<Status>(r).message, status_message(code));
  }
}

TEST(SftpServer, DirectoriesLinksAndRenames) {
  MemoryFileSystem fs;
  fs.put_file("a", "data");
  ServerHarness h(fs);
  h.init();
  EXPECT_EQ(h.status_of(Mkdir{1, "d", FileAttributes{.permissions = 0700}}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Mkdir{2, "d", {}}), StatusCode::failure);  // EEXIST
  EXPECT_EQ(h.status_of(Symlink{3, "a", "l"}), StatusCode::ok);
  auto rl = h.request(Readlink{4, "l"});
  EXPECT_EQ(std::get<Name>(rl).entries.at(0).name, "a");
  EXPECT_EQ(std::get<Attrs>(h.request(Lstat{5, "l"})).attrs.permissions.value() & kModeTypeMask, kModeSymlink);
  EXPECT_EQ(std::get<Attrs>(h.request(Stat{6, "l"})).attrs.size, 4u);
  EXPECT_EQ(h.status_of(Hardlink{7, "a", "d/h"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Rename{8, "a", "d/h"}), StatusCode::failure);  // RENAME never replaces
  EXPECT_EQ(h.status_of(PosixRename{9, "a", "d/h"}), StatusCode::ok);  // posix-rename does
  EXPECT_EQ(h.status_of(Rename{10, "d/h", "b"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Rmdir{11, "d"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Remove{12, "b"}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Remove{13, "b"}), StatusCode::no_such_file);
  // READDIR lists ".", ".." and "l", then EOF.
  const std::string dh = h.handle_of(Opendir{14, "."});
  std::vector<std::string> names;
  for (std::uint32_t id = 15;; ++id) {
    auto r = h.request(Readdir{id, dh});
    if (auto* s = std::get_if<Status>(&r)) {
      EXPECT_EQ(s->code, StatusCode::eof);
      break;
    }
    for (const auto& e : std::get<Name>(r).entries) names.push_back(e.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "l"}));
  EXPECT_EQ(h.status_of(Close{40, dh}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Opendir{41, "l"}), StatusCode::no_such_file);  // ENOENT: "a" is gone
}

TEST(SftpServer, RealpathAndExpandPath) {
  MemoryFileSystem fs;
  fs.put_file("/home/u/t", "");
  fs.nodes()["/home/u/link"] = MemoryFileSystem::Node{.mode = kModeSymlink | 0777, .link_target = "/home"};
  ServerHarness h(fs);
  h.init();
  auto name_of = [&](const Request& r) {
    auto resp = h.request(r);
    auto* n = std::get_if<Name>(&resp);
    return n && n->entries.size() == 1 ? n->entries[0].name : std::string("<status>");
  };
  EXPECT_EQ(name_of(Realpath{1, ""}), "/home/u");
  EXPECT_EQ(name_of(Realpath{2, "."}), "/home/u");
  EXPECT_EQ(name_of(Realpath{3, "../u/./t"}), "/home/u/t");
  EXPECT_EQ(name_of(Realpath{4, "link/u"}), "/home/u");
  EXPECT_EQ(name_of(Realpath{5, "new-file"}), "/home/u/new-file");  // a missing last part is kept
  EXPECT_EQ(name_of(Realpath{6, "missing/x"}), "<status>");
  EXPECT_EQ(name_of(ExpandPath{7, "~"}), "/home/u");
  EXPECT_EQ(name_of(ExpandPath{8, "~/t"}), "/home/u/t");
  EXPECT_EQ(name_of(ExpandPath{9, "~root"}), "/root");
  auto unknown = h.request(ExpandPath{10, "~nobody/x"});
  EXPECT_EQ(std::get<Status>(unknown).message, "no such user");
  EXPECT_EQ(name_of(HomeDirectory{11, ""}), "/home/u");
  EXPECT_EQ(h.status_of(HomeDirectory{12, "nobody"}), StatusCode::failure);
}

TEST(SftpServer, ExtensionsWithReplies) {
  MemoryFileSystem fs;
  fs.put_file("src", "0123456789");
  ServerHarness h(fs);
  h.init();
  auto lim = h.request(LimitsRequest{1});
  auto l = decode_limits_reply(std::get<ExtendedReply>(lim).body.bytes);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->max_packet_length, 256u * 1024);
  EXPECT_EQ(l->max_read_length, 255u * 1024);
  EXPECT_EQ(l->max_write_length, 255u * 1024);
  EXPECT_EQ(l->max_open_handles, limits::kMaxSftpOpenHandles);
  auto sv = h.request(Statvfs{2, "."});
  EXPECT_EQ(decode_statvfs_reply(std::get<ExtendedReply>(sv).body.bytes)->namemax, 255u);
  auto ug = h.request(UsersGroupsById{3, IdList{{0, 1000, 4242}}, IdList{{1000}}});
  auto names = decode_users_groups_reply(std::get<ExtendedReply>(ug).body.bytes);
  ASSERT_TRUE(names);
  EXPECT_EQ(names->user_names.names, (std::vector<std::string>{"root", "u", ""}));
  EXPECT_EQ(names->group_names.names, (std::vector<std::string>{"users"}));
  // copy-data: a range, then to the end; the same handle twice is refused.
  const std::string r = h.handle_of(Open{4, "src", kOpenRead, {}});
  const std::string w = h.handle_of(Open{5, "dst", kOpenWrite | kOpenCreate, {}});
  EXPECT_EQ(h.status_of(CopyData{6, r, 2, 3, w, 0}), StatusCode::ok);
  EXPECT_EQ(h.status_of(CopyData{7, r, 5, 0, w, 3}), StatusCode::ok);
  EXPECT_EQ(h.status_of(CopyData{8, r, 8, 10, w, 8}), StatusCode::eof);  // the source ran short
  EXPECT_EQ(h.status_of(CopyData{9, r, 0, 0, r, 0}), StatusCode::failure);
  EXPECT_EQ(*fs.file_content("dst"), "2345678989");
  EXPECT_EQ(h.status_of(Fsync{10, w}), StatusCode::ok);
  EXPECT_EQ(h.status_of(Fsync{11, "nope"}), StatusCode::no_such_file);
  auto fsv = h.request(Fstatvfs{12, w});
  EXPECT_TRUE(std::holds_alternative<ExtendedReply>(fsv));
  EXPECT_EQ(h.status_of(Fsetstat{13, w, FileAttributes{.size = 2}}), StatusCode::ok);
  EXPECT_EQ(*fs.file_content("dst"), "23");
  EXPECT_EQ(h.status_of(Setstat{14, "dst", FileAttributes{.permissions = 0600, .atime_mtime = std::pair{1u, 2u}}}),
            StatusCode::ok);
  EXPECT_EQ(fs.nodes()["/home/u/dst"].mode, kModeRegular | 0600);
  EXPECT_EQ(h.status_of(Lsetstat{15, "dst", FileAttributes{.size = 1}}), StatusCode::bad_message);
  EXPECT_EQ(h.status_of(Lsetstat{16, "dst", FileAttributes{.uid_gid = std::pair{0u, 0u}}}), StatusCode::ok);
  EXPECT_EQ(h.status_of(UnknownExtended{17, "nope@example.com", {}}), StatusCode::op_unsupported);
}

TEST(SftpServer, ReadOnlyRefusesWritesAndDoesNotAdvertiseThem) {
  MemoryFileSystem fs;
  fs.put_file("f", "x");
  ServerOptions o;
  o.policy.read_only = true;
  ServerHarness h(fs, o);
  Version v = h.init();
  for (const auto& [name, ver] : v.extensions) {
    EXPECT_NE(name, "posix-rename@openssh.com");
    EXPECT_NE(name, "copy-data");
  }
  EXPECT_EQ(h.status_of(Open{1, "f", kOpenWrite, {}}), StatusCode::permission_denied);
  EXPECT_EQ(h.status_of(Open{2, "g", kOpenRead | kOpenCreate, {}}), StatusCode::permission_denied);
  EXPECT_EQ(h.status_of(Mkdir{3, "d", {}}), StatusCode::permission_denied);
  EXPECT_EQ(h.status_of(Remove{4, "f"}), StatusCode::permission_denied);
  EXPECT_EQ(h.status_of(PosixRename{5, "f", "g"}), StatusCode::permission_denied);
  const std::string hd = h.handle_of(Open{6, "f", kOpenRead, {}});
  EXPECT_TRUE(std::holds_alternative<Data>(h.request(Read{7, hd, 0, 10})));
  EXPECT_EQ(h.status_of(Write{8, hd, 0, {}}), StatusCode::permission_denied);
  EXPECT_TRUE(fs.file_content("f") && !fs.file_content("g"));
}

TEST(SftpServer, AllowAndDenyLists) {
  MemoryFileSystem fs;
  fs.put_file("f", "x");
  ServerOptions deny;
  deny.policy.denied = std::vector<std::string>{"remove", "limits"};
  ServerHarness h(fs, deny);
  Version v = h.init();
  for (const auto& [name, ver] : v.extensions) EXPECT_NE(name, "limits@openssh.com");
  EXPECT_EQ(h.status_of(Remove{1, "f"}), StatusCode::permission_denied);
  EXPECT_EQ(h.status_of(LimitsRequest{2}), StatusCode::permission_denied);
  EXPECT_TRUE(std::holds_alternative<Attrs>(h.request(Stat{3, "f"})));

  ServerOptions allow;
  allow.policy.allowed = std::vector<std::string>{"stat", "realpath"};
  ServerHarness a(fs, allow);
  EXPECT_TRUE(a.init().extensions.empty());
  EXPECT_TRUE(std::holds_alternative<Attrs>(a.request(Stat{1, "f"})));
  EXPECT_EQ(a.status_of(Lstat{2, "f"}), StatusCode::permission_denied);
  EXPECT_EQ(a.status_of(Open{3, "f", kOpenRead, {}}), StatusCode::permission_denied);
  EXPECT_TRUE(fs.file_content("f"));
}

TEST(SftpServer, BadInput) {
  MemoryFileSystem fs;
  {
    ServerHarness h(fs);  // anything before INIT ends the session
    h.send(Stat{1, "x"});
    EXPECT_FALSE(h.last);
    EXPECT_FALSE(h.server.wants_input());
  }
  {
    ServerHarness h(fs);
    h.init();
    // A malformed request is answered BAD_MESSAGE and the session goes on.
    const std::uint8_t truncated_open[] = {0, 0, 0, 9, 3, 0, 0, 0, 42, 0, 0, 0, 5};
    h.feed(truncated_open);
    EXPECT_TRUE(h.last);
    auto r = h.next();
    EXPECT_EQ(std::get<Status>(r).id, 42u);
    EXPECT_EQ(std::get<Status>(r).code, StatusCode::bad_message);
    // An unknown type: OP_UNSUPPORTED.
    const std::uint8_t unknown[] = {0, 0, 0, 5, 99, 0, 0, 0, 43};
    h.feed(unknown);
    EXPECT_EQ(std::get<Status>(h.next()).code, StatusCode::op_unsupported);
    // Bad handles of every kind.
    EXPECT_EQ(h.status_of(Read{1, "", 0, 1}), StatusCode::failure);
    EXPECT_EQ(h.status_of(Readdir{2, std::string(300, 'x')}), StatusCode::failure);
    EXPECT_EQ(h.status_of(Fstat{3, "\0\0\0\0"}), StatusCode::failure);
    // A path with a NUL byte.
    EXPECT_EQ(h.status_of(Stat{4, std::string("a\0b", 3)}), StatusCode::bad_message);
    EXPECT_TRUE(h.last);
    // A second INIT ends the session.
    h.send(Init{});
    EXPECT_FALSE(h.last);
  }
  {
    ServerHarness h(fs);
    h.init();
    const std::uint8_t oversized[] = {0, 4, 0, 1, 3};
    h.feed(oversized);
    EXPECT_FALSE(h.last);
    EXPECT_EQ(h.last.error().code, Errc::too_large);
    auto again = h.server.feed(oversized);
    EXPECT_FALSE(again);  // the error is final
  }
}

TEST(SftpServer, OutputStaysBoundedWhenTheClientDoesNotRead) {
  MemoryFileSystem fs;
  fs.put_file("big", std::string(2 * 1024 * 1024, 'y'));
  ServerHarness h(fs);
  h.init();
  const std::string hd = h.handle_of(Open{1, "big", kOpenRead, {}});
  wire::Bytes batch;
  for (std::uint32_t i = 0; i < 64; ++i) append_message(batch, Request{Read{100 + i, hd, i * 32768ULL, 32768}});
  // Fed in pieces while wants_input() allows; nothing is taken from the output.
  std::size_t fed = 0;
  while (fed < batch.size() && h.server.wants_input()) {
    const std::size_t n = std::min<std::size_t>(4096, batch.size() - fed);
    ASSERT_TRUE(h.server.feed(wire::ByteView(batch).subspan(fed, n)));
    fed += n;
  }
  // The requests are small and all went in; their replies did not all come out.
  EXPECT_FALSE(h.server.wants_input());
  EXPECT_LE(h.server.pending_output().size(), limits::kMaxSftpPendingOutput + limits::kMaxSftpMessage);
  // Feeding beyond the cap regardless is an error, not growth.
  wire::Bytes flood(limits::kMaxSftpUnprocessedInput + 1, 0);
  ServerHarness flooded(fs);
  flooded.init();
  EXPECT_FALSE(flooded.server.feed(flood));
  // Draining lets the rest through, in order.
  std::vector<std::uint32_t> ids;
  while (ids.size() < 64) {
    h.collect();
    ASSERT_TRUE(h.server.resume());
    while (fed < batch.size() && h.server.wants_input()) {
      const std::size_t n = std::min<std::size_t>(4096, batch.size() - fed);
      ASSERT_TRUE(h.server.feed(wire::ByteView(batch).subspan(fed, n)));
      fed += n;
    }
    h.collect();
    while (!h.replies.empty()) ids.push_back(std::get<Data>(h.next()).id);
  }
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(ids[i], 100 + i);
}

TEST(SftpServer, HandleTableIsCapped) {
  MemoryFileSystem fs;
  fs.put_file("f", "");
  ServerOptions o;
  o.max_open_handles = 3;
  ServerHarness h(fs, o);
  h.init();
  for (std::uint32_t i = 0; i < 3; ++i) h.handle_of(Open{i, "f", kOpenRead, {}});
  EXPECT_EQ(h.status_of(Open{9, "f", kOpenRead, {}}), StatusCode::failure);
  EXPECT_EQ(h.status_of(Opendir{10, "."}), StatusCode::failure);
  h.server.close_all();
  EXPECT_EQ(h.server.open_handle_count(), 0u);
}

TEST(SftpServer, LogsLikeSftpServer) {
  MemoryFileSystem fs;
  ServerOptions o;
  o.log_level = LogLevel::info;
  ServerHarness h(fs, o);
  h.init();
  const std::string hd = h.handle_of(Open{1, "f", kOpenWrite | kOpenCreate | kOpenTruncate, FileAttributes{.permissions = 0640}});
  h.status_of(Write{2, hd, 0, BinaryString{bytes_of("abc")}});
  h.status_of(Close{3, hd});
  h.status_of(Stat{4, "missing"});
  const auto lines = h.log_lines();
  const std::vector<std::string> want = {
      "open \"f\" flags WRITE,CREATE,TRUNCATE mode 0640",
      "close \"f\" bytes read 0 written 3",
      "sent status No such file",
  };
  EXPECT_EQ(lines, want);
}
