#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connection/messages.hpp"
#include "wire/writer.hpp"

using namespace skiff;
using namespace skiff::connection;

namespace {

Bytes B(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

// Messages whose every field is typed: any cut or extra byte must be refused.
std::vector<Message> typed_samples() {
  PtyReq pty{"xterm-256color", 80, 24, 640, 480, {{1, 3}, {53, 1}, {128, 38400}}};
  return {
      GlobalRequest{true, TcpipForward{"localhost", 8080}},
      GlobalRequest{false, CancelTcpipForward{"", 0}},
      GlobalRequest{true, StreamlocalForward{"/tmp/remote.sock"}},
      GlobalRequest{true, CancelStreamlocalForward{"/tmp/remote.sock"}},
      GlobalRequest{true, GlobalKeepalive{}},
      GlobalRequest{false, NoMoreSessions{}},
      RequestFailure{},
      ChannelOpen{7, 2097152, 32768, SessionOpen{}},
      ChannelOpen{1, 100, 10, DirectTcpipOpen{"example.org", 22, "10.0.0.1", 50000}},
      ChannelOpen{2, 100, 10, ForwardedTcpipOpen{"0.0.0.0", 8022, "192.0.2.7", 41000}},
      ChannelOpen{3, 100, 10, X11Open{"127.0.0.1", 6010}},
      ChannelOpen{4, 100, 10, DirectStreamlocalOpen{"/run/sock", "", 0}},
      ChannelOpen{5, 100, 10, ForwardedStreamlocalOpen{"/tmp/s", ""}},
      ChannelOpen{6, 100, 10, AuthAgentOpen{}},
      OpenFailure{9, open_failure::kConnectFailed, "refused", "en"},
      WindowAdjust{3, 65536},
      ChannelEof{1},
      ChannelClose{2},
      ChannelRequest{1, true, pty},
      ChannelRequest{1, false, X11Req{true, "MIT-MAGIC-COOKIE-1", "0123abcd", 0}},
      ChannelRequest{1, true, EnvReq{"LANG", "C.UTF-8"}},
      ChannelRequest{1, true, ShellReq{}},
      ChannelRequest{1, true, ExecReq{"ls -l\n\x01"}},
      ChannelRequest{1, true, SubsystemReq{"sftp"}},
      ChannelRequest{1, false, WindowChangeReq{100, 40, 0, 0}},
      ChannelRequest{1, false, XonXoffReq{true}},
      ChannelRequest{1, false, SignalReq{"INT"}},
      ChannelRequest{1, false, ExitStatusReq{255}},
      ChannelRequest{1, false, ExitSignalReq{"SEGV", true, "boom", ""}},
      ChannelRequest{1, true, BreakReq{500}},
      ChannelRequest{1, false, AuthAgentReq{}},
      ChannelRequest{1, true, ChannelKeepalive{}},
      ChannelRequest{1, false, EowReq{}},
      ChannelSuccess{4},
      ChannelFailure{5},
  };
}

template <class T>
const T& as(const Result<Message>& r) {
  EXPECT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(std::holds_alternative<T>(*r));
  return std::get<T>(*r);
}

}  // namespace

TEST(ConnectionMessages, RoundTripEveryTypedMessage) {
  for (const auto& m : typed_samples()) {
    Bytes enc = encode(m);
    auto d = decode(enc);
    ASSERT_TRUE(d) << int(enc[0]) << ": " << d.error().to_string();
    EXPECT_EQ(d->index(), m.index());
    EXPECT_EQ(encode(*d), enc) << int(enc[0]);
  }
}

TEST(ConnectionMessages, EveryTruncationAndTrailingByteRefused) {
  for (const auto& m : typed_samples()) {
    Bytes enc = encode(m);
    for (std::size_t n = 0; n < enc.size(); ++n) {
      auto d = decode(ByteView(enc.data(), n));
      ASSERT_FALSE(d) << "message " << int(enc[0]) << " cut at " << n;
      EXPECT_TRUE(d.error().code == Errc::truncated) << d.error().to_string();
    }
    enc.push_back(0);
    auto d = decode(enc);
    ASSERT_FALSE(d) << int(enc[0]);
    EXPECT_EQ(d.error().code, Errc::trailing_data);
  }
}

TEST(ConnectionMessages, ExactBytesFromTheRfcLayout) {
  // RFC 4254 5.2: byte 94, uint32 recipient, string data.
  EXPECT_EQ(encode(ChannelData{5, ByteView(B({'h', 'i'}))}), B({94, 0, 0, 0, 5, 0, 0, 0, 2, 'h', 'i'}));
  // RFC 4254 6.10 exit-status with want reply FALSE.
  Bytes exit = B({98, 0, 0, 0, 1, 0, 0, 0, 11});
  for (char c : std::string("exit-status")) exit.push_back(static_cast<std::uint8_t>(c));
  for (int x : {0, 0, 0, 0, 3}) exit.push_back(static_cast<std::uint8_t>(x));
  EXPECT_EQ(as<ChannelRequest>(decode(exit)), (ChannelRequest{1, false, ExitStatusReq{3}}));
  auto ext = as<ExtendedData>(decode(B({95, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 'e'})));
  EXPECT_EQ(ext.recipient, 2u);
  EXPECT_EQ(ext.type, kExtendedDataStderr);
  EXPECT_EQ(ext.data.size(), 1u);
}

TEST(ConnectionMessages, UnknownNamesKeptRaw) {
  Bytes g;
  wire::Writer(g).byte(80).string("hostkeys-00@openssh.com").boolean(false).string("blob");
  auto gr = as<GlobalRequest>(decode(g));
  ASSERT_TRUE(std::holds_alternative<RawGlobalRequest>(gr.body));
  EXPECT_EQ(std::get<RawGlobalRequest>(gr.body).name, "hostkeys-00@openssh.com");
  EXPECT_EQ(std::get<RawGlobalRequest>(gr.body).data.size(), 8u);
  EXPECT_EQ(encode(gr), g);

  Bytes o;
  wire::Writer(o).byte(90).string("tun@openssh.com").u32(1).u32(2).u32(3).u32(1).u32(0);
  auto op = as<ChannelOpen>(decode(o));
  EXPECT_EQ(open_type_name(op.body), "tun@openssh.com");
  EXPECT_EQ(encode(op), o);

  Bytes r;
  wire::Writer(r).byte(98).u32(0).string("eow@openssh.com").boolean(false);
  auto rq = as<ChannelRequest>(decode(r));
  EXPECT_EQ(request_name(rq.body), "eow@openssh.com");
  EXPECT_EQ(encode(rq), r);

  auto s = as<RequestSuccess>(decode(B({81, 0, 0, 0x1f, 0x90})));
  EXPECT_EQ(s.data, B({0, 0, 0x1f, 0x90}));
}

TEST(ConnectionMessages, TerminalModes) {
  auto pty_with_modes = [](const Bytes& modes) {
    Bytes p;
    wire::Writer(p).byte(98).u32(0).string("pty-req").boolean(true).string("vt100").u32(80).u32(24).u32(0).u32(0).string(
        ByteView(modes));
    return p;
  };
  // OpenSSH accepts a modes string without TTY_OP_END.
  auto ok = as<ChannelRequest>(decode(pty_with_modes(B({1, 0, 0, 0, 3, 53, 0, 0, 0, 1}))));
  EXPECT_EQ(std::get<PtyReq>(ok.body).modes, (std::vector<TerminalMode>{{1, 3}, {53, 1}}));
  // Empty modes.
  EXPECT_TRUE(std::get<PtyReq>(as<ChannelRequest>(decode(pty_with_modes({}))).body).modes.empty());
  // Opcodes 160..255 stop parsing (RFC 4254 8); so does TTY_OP_END.
  auto stop = as<ChannelRequest>(decode(pty_with_modes(B({1, 0, 0, 0, 3, 160, 1, 2, 0, 0, 0, 0, 0}))));
  EXPECT_EQ(std::get<PtyReq>(stop.body).modes.size(), 1u);
  auto end = as<ChannelRequest>(decode(pty_with_modes(B({0, 1, 0, 0, 0, 3}))));
  EXPECT_TRUE(std::get<PtyReq>(end.body).modes.empty());
  // A value cut short is refused.
  for (std::size_t cut = 1; cut < 5; ++cut) {
    Bytes modes = B({53, 0, 0, 0, 1});
    modes.resize(cut);
    auto bad = decode(pty_with_modes(modes));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::bad_format);
  }
  // The modes string is capped.
  auto big = decode(pty_with_modes(Bytes(limits::kMaxTerminalModes + 1, 0)));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::too_large);
}

TEST(ConnectionMessages, MalformedInputs) {
  EXPECT_EQ(decode({}).error().code, Errc::truncated);
  EXPECT_EQ(decode(B({79})).error().code, Errc::bad_format);
  EXPECT_EQ(decode(B({101})).error().code, Errc::bad_format);
  Bytes longname;
  wire::Writer(longname).byte(80).string(std::string(limits::kMaxRequestName + 1, 'a')).boolean(false);
  EXPECT_EQ(decode(longname).error().code, Errc::too_large);
  // A string longer than the message.
  EXPECT_EQ(decode(B({94, 0, 0, 0, 1, 0, 0, 0x10, 0})).error().code, Errc::truncated);
  EXPECT_EQ(decode(B({94, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})).error().code, Errc::too_large);
}
