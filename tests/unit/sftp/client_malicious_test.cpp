// A client facing a server that lies: replies it never asked for, wrong types, too much
// data, oversized handles and messages, truncation. Each ends the session with an error
// and never a crash; nothing a server sends is trusted beyond the caps.
#include <gtest/gtest.h>

#include "client_pair.hpp"

namespace skiff::sftp::test {
namespace {

wire::Bytes encode(const Response& r) {
  wire::Bytes out;
  append_message(out, r);
  return out;
}

// A client past INIT against a scripted server that offers `extensions`.
Client ready_client(ExtensionPairs extensions = {}) {
  Client c;
  c.start();
  c.consume_output(c.pending_output().size());
  EXPECT_TRUE(c.feed(encode(Version{3, std::move(extensions)})).has_value());
  EXPECT_TRUE(std::holds_alternative<Ready>(*c.poll_event()));
  return c;
}

// The ids of the requests a client has written, in order.
std::vector<std::uint32_t> sent_ids(Client& c) {
  std::vector<std::uint32_t> ids;
  for (const auto& m : split_messages(c.pending_output())) ids.push_back(wire::get_u32(m.data() + 5));
  c.consume_output(c.pending_output().size());
  return ids;
}

TEST(SftpClientMalicious, ReplyToUnknownIdIsFatal) {
  Client c = ready_client();
  ASSERT_TRUE(c.stat("/").has_value());
  EXPECT_FALSE(c.feed(encode(Status{999, StatusCode::ok, "", ""})).has_value());
  ASSERT_TRUE(c.failure().has_value());
  EXPECT_FALSE(c.stat("/").has_value());  // the failure is final
}

TEST(SftpClientMalicious, ReplyOfWrongTypeIsFatal) {
  Client c = ready_client();
  auto id = c.stat("/");
  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(c.feed(encode(HandleReply{*id, "h"})).has_value());
}

TEST(SftpClientMalicious, OversizedHandleIsRefused) {
  Client c = ready_client();
  auto id = c.open("/f", kOpenRead);
  EXPECT_FALSE(c.feed(encode(HandleReply{*id, std::string(limits::kMaxSftpHandleLength + 1, 'h')})).has_value());
}

TEST(SftpClientMalicious, MoreDataThanAskedIsFatal) {
  Client c = ready_client();
  auto t = c.start_download("h", 0, 100);
  ASSERT_TRUE(t.has_value());
  auto ids = sent_ids(c);
  ASSERT_FALSE(ids.empty());
  wire::Bytes too_much(c.read_size() + 1, 0);
  EXPECT_FALSE(c.feed(encode(Data{ids[0], BinaryString{too_much}})).has_value());
}

TEST(SftpClientMalicious, SingleNameRepliesMustHaveOneName) {
  Client c = ready_client();
  auto id = c.realpath(".");
  EXPECT_FALSE(c.feed(encode(Name{*id, {NameEntry{"/a", "", {}}, NameEntry{"/b", "", {}}}})).has_value());
}

TEST(SftpClientMalicious, OversizedMessageLengthIsFatal) {
  Client c = ready_client();
  wire::Bytes huge = {0x7f, 0xff, 0xff, 0xff, 101};
  EXPECT_FALSE(c.feed(huge).has_value());
}

TEST(SftpClientMalicious, TruncatedBodyIsFatal) {
  Client c = ready_client();
  auto id = c.stat("/");
  // A STATUS whose length covers only the id.
  wire::Bytes msg = {0, 0, 0, 5, 101, 0, 0, 0, static_cast<std::uint8_t>(*id)};
  EXPECT_FALSE(c.feed(msg).has_value());
}

TEST(SftpClientMalicious, RepliesBeforeVersionAreFatal) {
  Client c;
  c.start();
  EXPECT_FALSE(c.feed(encode(Status{1, StatusCode::ok, "", ""})).has_value());
  Client d;
  EXPECT_FALSE(d.feed(encode(Version{3, {}})).has_value());  // VERSION without INIT
}

TEST(SftpClientMalicious, OldVersionIsRefused) {
  Client c;
  c.start();
  EXPECT_FALSE(c.feed(encode(Version{2, {}})).has_value());
}

TEST(SftpClientMalicious, BadLimitsReplyIsFatal) {
  Client c;
  c.start();
  c.consume_output(c.pending_output().size());
  ASSERT_TRUE(c.feed(encode(Version{3, {{std::string(kExtLimits), "1"}}})).has_value());
  auto ids = sent_ids(c);
  ASSERT_EQ(ids.size(), 1u);
  wire::Bytes junk = {1, 2, 3};
  EXPECT_FALSE(c.feed(encode(ExtendedReply{ids[0], RawTail{junk}})).has_value());
  EXPECT_FALSE(c.ready());
}

TEST(SftpClientMalicious, HugeLimitsAreClamped) {
  Client c;
  c.start();
  c.consume_output(c.pending_output().size());
  ASSERT_TRUE(c.feed(encode(Version{3, {{std::string(kExtLimits), "1"}}})).has_value());
  auto ids = sent_ids(c);
  auto body = encode_reply_body(LimitsReply{UINT64_MAX, UINT64_MAX, 1, 0});
  ASSERT_TRUE(c.feed(encode(ExtendedReply{ids[0], RawTail{body}})).has_value());
  EXPECT_TRUE(c.ready());
  EXPECT_EQ(c.read_size(), limits::kMaxSftpReadLength);
  EXPECT_EQ(c.write_size(), 64u);
  EXPECT_EQ(c.max_in_flight(), 64u);
}

TEST(SftpClientMalicious, ShortReadsAreReRequestedAndReordered) {
  Client c = ready_client();
  const std::size_t size = 3 * c.read_size();
  auto t = c.start_download("h", 0, size);
  ASSERT_TRUE(t.has_value());
  auto ids = sent_ids(c);
  ASSERT_EQ(ids.size(), 3u);  // no READ past the expected size while others are out
  wire::Bytes data = random_bytes(size, 5);
  wire::Bytes got(size);
  auto take = [&] {
    while (auto e = c.poll_event()) {
      if (auto* ch = std::get_if<DownloadChunk>(&*e)) {
        std::copy(ch->data.begin(), ch->data.end(), got.begin() + static_cast<std::ptrdiff_t>(ch->offset));
      } else if (auto* d = std::get_if<TransferDone>(&*e)) {
        EXPECT_EQ(d->status, StatusCode::ok);
        EXPECT_EQ(d->contiguous_end, size);
        return true;
      }
    }
    return false;
  };
  const std::size_t rs = c.read_size(), half = rs / 2;
  auto piece = [&](std::size_t off, std::size_t len) { return BinaryString{wire::ByteView(data).subspan(off, len)}; };
  // The third first, then the first (short), then the second.
  ASSERT_TRUE(c.feed(encode(Data{ids[2], piece(2 * rs, rs)})).has_value());
  ASSERT_TRUE(c.feed(encode(Data{ids[0], piece(0, half)})).has_value());
  ASSERT_TRUE(c.feed(encode(Data{ids[1], piece(rs, rs)})).has_value());
  EXPECT_FALSE(take());
  auto again = sent_ids(c);
  ASSERT_EQ(again.size(), 1u);  // the rest of the first block
  ASSERT_TRUE(c.feed(encode(Data{again[0], piece(half, rs - half)})).has_value());
  EXPECT_FALSE(take());
  auto eof_probe = sent_ids(c);
  ASSERT_EQ(eof_probe.size(), 1u);  // one READ at the end finds EOF
  ASSERT_TRUE(c.feed(encode(Status{eof_probe[0], StatusCode::eof, "", ""})).has_value());
  EXPECT_TRUE(take());
  EXPECT_EQ(got, data);
}

TEST(SftpClientMalicious, ByteAtATimeInput) {
  Client c;
  c.start();
  auto v = encode(Version{3, {{"x@example.com", "1"}}});
  for (auto b : v) ASSERT_TRUE(c.feed(wire::ByteView(&b, 1)).has_value());
  EXPECT_TRUE(c.ready());
  EXPECT_FALSE(c.supports("x@example.com", "2"));
  EXPECT_TRUE(c.supports("x@example.com"));
}

TEST(SftpClientMalicious, UnofferedExtensionsAreNotSent) {
  Client c = ready_client();
  auto r = c.hardlink("/a", "/b");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "Server does not support hardlink@openssh.com extension");
  EXPECT_TRUE(c.pending_output().empty());
}

TEST(SftpClientMalicious, OutstandingRequestsAreCapped) {
  Client c = ready_client();
  for (std::size_t i = 0; i < limits::kMaxSftpClientOutstanding; ++i) ASSERT_TRUE(c.stat("/").has_value());
  EXPECT_FALSE(c.stat("/").has_value());
  EXPECT_FALSE(c.failure().has_value());  // refused, not broken
}

}  // namespace
}  // namespace skiff::sftp::test
