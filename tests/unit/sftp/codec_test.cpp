// SFTP messages: every request and reply round-trips; truncated, overlong and
// malformed input is refused; the framer splits a stream fed in any pieces.
#include <gtest/gtest.h>

#include "sftp/framer.hpp"
#include "sftp/messages.hpp"

using namespace skiff;
using namespace skiff::sftp;

namespace {

const std::uint8_t kBytes[] = {1, 2, 3, 0, 255};

FileAttributes full_attrs() {
  FileAttributes a;
  a.size = 0x1122334455667788ULL;
  a.uid_gid = {1000, 100};
  a.permissions = 0100644;
  a.atime_mtime = {1700000000, 1700000001};
  a.extended = {{"x@example.com", "value"}, {"y", std::string("\0\1", 2)}};
  return a;
}

std::vector<Request> all_requests() {
  return {
      Init{3, {{"ext@x", "1"}}},
      Open{1, "/a b", kOpenRead | kOpenWrite | kOpenCreate, full_attrs()},
      Close{2, "h"},
      Read{3, "h", 1ULL << 40, 32768},
      Write{4, "h", 7, BinaryString{kBytes}},
      Lstat{5, "p"},
      Fstat{6, "h"},
      Setstat{7, "p", full_attrs()},
      Fsetstat{8, "h", FileAttributes{}},
      Opendir{9, "."},
      Readdir{10, "h"},
      Remove{11, "f"},
      Mkdir{12, "d", FileAttributes{.permissions = 0755}},
      Rmdir{13, "d"},
      Realpath{14, ""},
      Stat{15, "s"},
      Rename{16, "a", "b"},
      Readlink{17, "l"},
      Symlink{18, "target", "link"},
      PosixRename{19, "a", "b"},
      Statvfs{20, "/"},
      Fstatvfs{21, "h"},
      Hardlink{22, "a", "b"},
      Fsync{23, "h"},
      Lsetstat{24, "l", full_attrs()},
      LimitsRequest{25},
      ExpandPath{26, "~/x"},
      CopyData{27, "r", 1, 2, "w", 3},
      HomeDirectory{28, "alice"},
      UsersGroupsById{29, IdList{{0, 1000}}, IdList{{100}}},
      UnknownExtended{30, "vendor@example.com", RawTail{kBytes}},
  };
}

std::vector<Response> all_responses() {
  return {
      Version{3, {{"posix-rename@openssh.com", "1"}, {"statvfs@openssh.com", "2"}}},
      Status{1, StatusCode::no_such_file, "No such file", ""},
      HandleReply{2, std::string("\0\0\0\1", 4)},
      Data{3, BinaryString{kBytes}},
      Name{4, {NameEntry{"a", "-rw-r--r-- 1 u u 0 Jan 1 a", full_attrs()}, NameEntry{"b", "b", {}}}},
      Attrs{5, full_attrs()},
      ExtendedReply{6, RawTail{kBytes}},
  };
}

wire::ByteView payload_of(const wire::Bytes& framed) {
  EXPECT_GE(framed.size(), 5u);
  EXPECT_EQ(wire::get_u32(framed.data()), framed.size() - 4);
  return wire::ByteView(framed).subspan(4);
}

}  // namespace

TEST(SftpCodec, EveryRequestRoundTrips) {
  for (const Request& req : all_requests()) {
    wire::Bytes out;
    append_message(out, req);
    auto back = decode_request(payload_of(out));
    ASSERT_TRUE(back) << req.index() << ": " << back.error().message;
    EXPECT_EQ(back->index(), req.index());
    EXPECT_TRUE(*back == req) << "request variant " << req.index();
  }
}

TEST(SftpCodec, EveryResponseRoundTrips) {
  for (const Response& resp : all_responses()) {
    wire::Bytes out;
    append_message(out, resp);
    auto back = decode_response(payload_of(out));
    ASSERT_TRUE(back) << resp.index() << ": " << back.error().message;
    EXPECT_TRUE(*back == resp) << "response variant " << resp.index();
  }
}

TEST(SftpCodec, ExtendedReplyBodiesRoundTrip) {
  StatvfsReply s{1, 2, 3, 4, 5, 6, 7, 8, 9, kStatvfsReadOnly, 255};
  EXPECT_EQ(*decode_statvfs_reply(encode_reply_body(s)), s);
  LimitsReply l{262144, 261120, 261120, 1024};
  EXPECT_EQ(*decode_limits_reply(encode_reply_body(l)), l);
  UsersGroupsReply u{NameList{{"root", "", "u"}}, NameList{{"wheel"}}};
  EXPECT_EQ(*decode_users_groups_reply(encode_reply_body(u)), u);
  // Truncated bodies fail.
  auto body = encode_reply_body(l);
  body.pop_back();
  EXPECT_FALSE(decode_limits_reply(body));
}

TEST(SftpCodec, TruncatedMessagesAreRefused) {
  for (const Request& req : all_requests()) {
    wire::Bytes out;
    append_message(out, req);
    const auto payload = payload_of(out);
    // A message whose last field is "the rest" (extension pairs, an unknown
    // extension's body) is valid cut at a field boundary: skip those.
    const bool open_ended = std::holds_alternative<Init>(req) || std::holds_alternative<UnknownExtended>(req);
    if (open_ended) continue;
    for (std::size_t n = 0; n < payload.size(); ++n) {
      EXPECT_FALSE(decode_request(payload.first(n))) << "variant " << req.index() << " cut at " << n;
    }
  }
}

TEST(SftpCodec, TrailingBytesAreRefused) {
  for (const Request& req : all_requests()) {
    if (std::holds_alternative<Init>(req) || std::holds_alternative<UnknownExtended>(req)) continue;
    wire::Bytes out;
    append_message(out, req);
    out.push_back(0);
    auto r = decode_request(wire::ByteView(out).subspan(4));
    ASSERT_FALSE(r) << "variant " << req.index();
    EXPECT_EQ(r.error().code, Errc::trailing_data);
  }
}

TEST(SftpCodec, BadFieldsAreRefused) {
  // Unknown attribute flag bits.
  const std::uint8_t bad_flags[] = {9, 0, 0, 0, 1, 0, 0, 0, 1, 'p', 0x40, 0, 0, 0};
  EXPECT_EQ(decode_request(bad_flags).error().code, Errc::bad_format);
  // A NAME count no message could hold.
  const std::uint8_t huge_count[] = {104, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(decode_response(huge_count));
  // An id list that is not a multiple of 4 bytes.
  wire::Bytes m;
  wire::Writer w(m);
  w.byte(200).u32(1).string(kExtUsersGroupsById).u32(3).raw(std::string_view("abc")).u32(0);
  EXPECT_EQ(decode_request(m).error().code, Errc::bad_format);
  // Unknown packet types are "unsupported" (the engine answers OP_UNSUPPORTED).
  const std::uint8_t unknown[] = {99, 0, 0, 0, 7};
  EXPECT_EQ(decode_request(unknown).error().code, Errc::unsupported);
  EXPECT_EQ(peek_request_id(unknown), 7u);
  const std::uint8_t init[] = {1, 0, 0, 0, 3};
  EXPECT_FALSE(peek_request_id(init));
  // A string longer than the message.
  const std::uint8_t long_string[] = {17, 0, 0, 0, 1, 0, 0, 0, 9, 'a'};
  EXPECT_EQ(decode_request(long_string).error().code, Errc::truncated);
}

TEST(SftpCodec, ShortStatusOfOldServersIsAccepted) {
  const std::uint8_t s[] = {101, 0, 0, 0, 9, 0, 0, 0, 1};
  auto r = decode_response(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Status>(*r).code, StatusCode::eof);
}

TEST(SftpCodec, LongNameAndModeStrings) {
  EXPECT_EQ(mode_string(040755), "drwxr-xr-x");
  EXPECT_EQ(mode_string(0104755), "-rwsr-xr-x");
  EXPECT_EQ(mode_string(041777), "drwxrwxrwt");
  EXPECT_EQ(mode_string(0120777), "lrwxrwxrwx");
  EXPECT_EQ(format_long_name("a.txt", 0100644, 1, "alice", "users", 1234, "Jan  2 10:11"),
            "-rw-r--r--    1 alice    users        1234 Jan  2 10:11 a.txt");
  EXPECT_EQ(open_flags_text(kOpenRead | kOpenCreate | kOpenExclusive), "READ,CREATE,EXCL");
}

TEST(SftpFramer, SplitsAStreamFedInAnyPieces) {
  wire::Bytes stream;
  for (const Request& req : all_requests()) append_message(stream, req);
  for (std::size_t piece : {1u, 3u, 7u, 4096u}) {
    MessageFramer f;
    std::size_t count = 0;
    for (std::size_t i = 0; i < stream.size(); i += piece) {
      f.append(wire::ByteView(stream).subspan(i, std::min(piece, stream.size() - i)));
      for (;;) {
        auto m = f.next();
        ASSERT_TRUE(m);
        if (!*m) break;
        ASSERT_TRUE(decode_request(**m));
        ++count;
      }
    }
    EXPECT_EQ(count, all_requests().size()) << "piece " << piece;
    EXPECT_EQ(f.buffered(), 0u);
  }
}

TEST(SftpFramer, RefusesZeroAndOversizedLengths) {
  MessageFramer f;
  const std::uint8_t zero[] = {0, 0, 0, 0};
  f.append(zero);
  EXPECT_EQ(f.next().error().code, Errc::bad_length);
  MessageFramer g;
  const std::uint8_t big[] = {0, 4, 0, 1};  // 256 KiB + 1
  g.append(big);
  EXPECT_EQ(g.next().error().code, Errc::too_large);
  MessageFramer h;
  const std::uint8_t max[] = {0, 4, 0, 0};  // exactly the limit: waits for the bytes
  h.append(max);
  auto m = h.next();
  ASSERT_TRUE(m);
  EXPECT_FALSE(*m);
}
