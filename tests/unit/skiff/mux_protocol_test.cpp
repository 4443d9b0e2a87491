// The connection-sharing protocol's codec: every message round-trips, the bytes of
// NEW_SESSION are what ssh 9.2's mux.c writes (uint32 flags), the framer splits and
// refuses, and malformed bodies are errors, never crashes.
#include <gtest/gtest.h>

#include "skiff/mux_protocol.hpp"

using namespace skiff;
using namespace skiff::cli::mux;

namespace {

std::vector<Message> samples() {
  return {
      Hello{},
      Hello{4, {{"info", ""}}},
      NewSession{7, true, false, true, false, '~', "xterm-256color", "uname -a", {"LANG=C", "A=b c"}},
      NewSession{8, false, false, false, true, kNoEscapeChar, "", "sftp", {}},
      AliveCheck{1},
      Terminate{2},
      StopListening{3},
      ProxyRequest{4},
      OpenForward{5, Forward{ForwardKind::local, "localhost", 8080, "example.org", 80}},
      OpenForward{6, Forward{ForwardKind::remote, "/tmp/remote.sock", kStreamlocalPort, "/tmp/local.sock",
                             kStreamlocalPort}},
      CloseForward{7, Forward{ForwardKind::dynamic, "*", 1080, "", 0}},
      NewStdioForward{9, "target.example", 22},
      Ok{1},
      PermissionDenied{2, "Permission denied"},
      Failure{3, "Multiple sessions not supported"},
      ExitMessage{1, 42},
      Alive{1, 12345},
      SessionOpened{7, 3},
      RemotePort{5, 40000},
      TtyAllocFail{3},
      ProxyReply{4},
  };
}

Result<Message> decode_packet(const std::vector<std::uint8_t>& packet) {
  Framer f;
  f.feed(packet);
  auto body = f.next();
  if (!body) return std::unexpected(body.error());
  if (!*body) return fail(Errc::truncated, "no packet");
  return decode(**body);
}

TEST(MuxProtocol, EveryMessageRoundTrips) {
  for (const auto& m : samples()) {
    auto packet = encode(m);
    auto back = decode_packet(packet);
    ASSERT_TRUE(back.has_value()) << back.error().message << " index " << m.index();
    EXPECT_EQ(*back, m) << "index " << m.index();
  }
}

TEST(MuxProtocol, NewSessionHasMuxCsLayout) {
  // mux.c: type, request id, reserved string, four uint32 flags, escape char, term, command.
  auto p = encode(NewSession{1, true, false, false, false, '~', "vt100", "id", {}});
  const std::vector<std::uint8_t> want = {
      0, 0, 0, 47,                                  // length
      0x10, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,        // type, rid, reserved ""
      0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // tty, x11, agent, subsystem
      0, 0, 0, '~',                                 // escape char
      0, 0, 0, 5, 'v', 't', '1', '0', '0',          // term
      0, 0, 0, 2, 'i', 'd'};                        // command
  EXPECT_EQ(p, want);
}

TEST(MuxProtocol, EveryCutAndExtraByteIsRefused) {
  for (const auto& m : samples()) {
    auto packet = encode(m);
    std::vector<std::uint8_t> body(packet.begin() + 4, packet.end());
    const bool open_ended = std::holds_alternative<Hello>(m) || std::holds_alternative<NewSession>(m);
    for (std::size_t cut = 0; cut < body.size(); ++cut) {
      auto r = decode(std::span(body.data(), cut));
      // Messages ending in a list of strings stay valid when cut at a string boundary.
      if (r && open_ended) continue;
      EXPECT_FALSE(r.has_value()) << "index " << m.index() << " cut " << cut;
    }
    body.push_back(0);
    if (!open_ended) {
      EXPECT_FALSE(decode(body).has_value()) << "index " << m.index();
    }
  }
}

TEST(MuxProtocol, UnknownTypesAndForwardKindsAreErrors) {
  EXPECT_EQ(decode(std::vector<std::uint8_t>{0x12, 0x34, 0x56, 0x78}).error().code, Errc::unsupported);
  auto p = encode(OpenForward{1, Forward{static_cast<ForwardKind>(9), "a", 1, "b", 2}});
  EXPECT_EQ(decode_packet(p).error().code, Errc::bad_format);
}

TEST(MuxProtocol, FramerSplitsAcrossReadsAndRefusesHugeLengths) {
  auto a = encode(AliveCheck{1});
  auto b = encode(ExitMessage{2, 3});
  std::vector<std::uint8_t> stream(a);
  stream.insert(stream.end(), b.begin(), b.end());
  Framer f;
  std::vector<Message> got;
  for (std::uint8_t byte : stream) {
    f.feed(std::span(&byte, 1));
    while (true) {
      auto body = f.next();
      ASSERT_TRUE(body.has_value());
      if (!*body) break;
      got.push_back(decode(**body).value());
    }
  }
  EXPECT_EQ(got, (std::vector<Message>{AliveCheck{1}, ExitMessage{2, 3}}));
  EXPECT_EQ(f.buffered(), 0u);

  Framer big;
  const std::vector<std::uint8_t> huge = {0x00, 0x04, 0x00, 0x01};  // 256 KiB + 1
  big.feed(huge);
  EXPECT_EQ(big.next().error().code, Errc::too_large);
  EXPECT_FALSE(big.next().has_value());  // unusable afterwards
}

}  // namespace
