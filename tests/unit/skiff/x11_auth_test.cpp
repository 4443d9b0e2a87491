// X11 forwarding's pure parts: DISPLAY values, xauth output, and the check and
// substitution of the X11 connection setup (channels.c x11_open_helper).
#include "skiff/x11_auth.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skiff::cli {
namespace {

using Bytes = std::vector<std::uint8_t>;

// An X11 connection setup packet: byte order, version 11.0, name and data padded to 4.
Bytes setup_packet(bool msb, std::string_view name, const Bytes& data, std::size_t name_pad = 0) {
  Bytes b{static_cast<std::uint8_t>(msb ? 0x42 : 0x6c), 0};
  auto u16 = [&](std::uint16_t v) {
    if (msb) {
      b.push_back(static_cast<std::uint8_t>(v >> 8));
      b.push_back(static_cast<std::uint8_t>(v));
    } else {
      b.push_back(static_cast<std::uint8_t>(v));
      b.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  };
  u16(11);
  u16(0);
  u16(static_cast<std::uint16_t>(name.size() + name_pad));
  u16(static_cast<std::uint16_t>(data.size()));
  b.push_back(0);
  b.push_back(0);
  b.insert(b.end(), name.begin(), name.end());
  b.resize(b.size() + name_pad);
  while (b.size() % 4) b.push_back(0);
  b.insert(b.end(), data.begin(), data.end());
  while (b.size() % 4) b.push_back(0);
  return b;
}

const Bytes kReal{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00};
const Bytes kFake{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(X11Setup, ParsesBothByteOrdersWithPadding) {
  for (bool msb : {false, true}) {
    Bytes p = setup_packet(msb, "MIT-MAGIC-COOKIE-1", kFake);
    auto r = parse_x11_setup(p);
    ASSERT_EQ(r.status, X11SetupStatus::complete);
    EXPECT_EQ(r.header.msb_first, msb);
    EXPECT_EQ(r.header.major, 11);
    EXPECT_EQ(r.header.name_length, 18u);
    EXPECT_EQ(r.header.data_offset, 12u + 20u);  // 18 padded to 20
    EXPECT_EQ(r.header.data_length, 16u);
    EXPECT_EQ(r.header.total, p.size());
    // Every proper prefix asks for more.
    for (std::size_t n = 0; n < p.size(); ++n) {
      EXPECT_EQ(parse_x11_setup(std::span(p.data(), n)).status, X11SetupStatus::incomplete) << n;
    }
  }
}

TEST(X11Setup, BadByteOrderIsInvalid) {
  Bytes p = setup_packet(false, "MIT-MAGIC-COOKIE-1", kFake);
  p[0] = 0x07;
  auto r = parse_x11_setup(p);
  EXPECT_EQ(r.status, X11SetupStatus::invalid);
  EXPECT_EQ(r.reason, "Initial X11 packet contains bad byte order byte: 0x7");
  // Decided on the first 12 bytes: no need to wait for the rest.
  EXPECT_EQ(parse_x11_setup(std::span(p.data(), 12)).status, X11SetupStatus::invalid);
}

TEST(X11Setup, LargestLengthsStayWithinTheCap) {
  Bytes head{0x42, 0, 0, 11, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0};
  auto r = parse_x11_setup(head);
  EXPECT_EQ(r.status, X11SetupStatus::incomplete);
  head.resize(kMaxX11SetupBytes);
  r = parse_x11_setup(head);
  ASSERT_EQ(r.status, X11SetupStatus::complete);
  EXPECT_EQ(r.header.total, kMaxX11SetupBytes);
}

TEST(X11Spoofer, SubstitutesTheRealCookieAndLeavesTheRest) {
  X11Spoofer s("MIT-MAGIC-COOKIE-1", kReal, kFake);
  EXPECT_EQ(s.fake_hex(), "0102030405060708090a0b0c0d0e0f10");
  for (bool msb : {false, true}) {
    Bytes p = setup_packet(msb, "MIT-MAGIC-COOKIE-1", kFake);
    const std::size_t setup_size = p.size();
    p.push_back(0x99);  // a request pipelined after the setup
    Bytes partial(p.begin(), p.begin() + 20);
    EXPECT_EQ(s.check(partial), X11Spoofer::Verdict::need_more);
    ASSERT_EQ(s.check(p), X11Spoofer::Verdict::accepted);
    Bytes want = setup_packet(msb, "MIT-MAGIC-COOKIE-1", kReal);
    want.push_back(0x99);
    EXPECT_EQ(p, want);
    EXPECT_EQ(p.size(), setup_size + 1);
  }
}

TEST(X11Spoofer, RejectsOtherProtocolsAndCookies) {
  X11Spoofer s("MIT-MAGIC-COOKIE-1", kReal, kFake);
  std::string why;
  Bytes other = setup_packet(false, "XDM-AUTHORIZATION-1", kFake);
  EXPECT_EQ(s.check(other, &why), X11Spoofer::Verdict::rejected);
  EXPECT_EQ(why, "X11 connection uses different authentication protocol.");
  // The same name padded with a NUL is not the same name.
  Bytes padded = setup_packet(false, "MIT-MAGIC-COOKIE-1", kFake, 1);
  EXPECT_EQ(s.check(padded, &why), X11Spoofer::Verdict::rejected);
  Bytes real = setup_packet(false, "MIT-MAGIC-COOKIE-1", kReal);  // the real one is not accepted either
  EXPECT_EQ(s.check(real, &why), X11Spoofer::Verdict::rejected);
  EXPECT_EQ(why, "X11 auth data does not match fake data.");
  Bytes shorter = setup_packet(false, "MIT-MAGIC-COOKIE-1", Bytes(kFake.begin(), kFake.end() - 1));
  EXPECT_EQ(s.check(shorter, &why), X11Spoofer::Verdict::rejected);
  Bytes none = setup_packet(false, "", {});
  EXPECT_EQ(s.check(none, &why), X11Spoofer::Verdict::rejected);
  Bytes bad = setup_packet(false, "MIT-MAGIC-COOKIE-1", kFake);
  bad[0] = 0;
  EXPECT_EQ(s.check(bad, &why), X11Spoofer::Verdict::rejected);
  EXPECT_EQ(why, "Initial X11 packet contains bad byte order byte: 0x0");
}

TEST(X11Spoofer, RandomFakeHasTheRealLength) {
  auto a = X11Spoofer::with_random_fake("MIT-MAGIC-COOKIE-1", kReal);
  auto b = X11Spoofer::with_random_fake("MIT-MAGIC-COOKIE-1", kReal);
  EXPECT_EQ(a.fake_hex().size(), 32u);
  EXPECT_NE(a.fake_hex(), b.fake_hex());
  EXPECT_NE(a.fake_hex(), to_hex(kReal));
}

TEST(X11Display, ValidCharacters) {
  EXPECT_TRUE(x11_display_valid(":0"));
  EXPECT_TRUE(x11_display_valid("localhost:10.0"));
  EXPECT_TRUE(x11_display_valid("/private/tmp/com.apple.launchd.x/org.xquartz:0"));
  EXPECT_FALSE(x11_display_valid(":0; rm -rf ~"));
  EXPECT_FALSE(x11_display_valid("host name:0"));
}

TEST(X11Display, WhereItLeads) {
  auto a = parse_x11_display(":12.3");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->unix_socket);
  EXPECT_EQ(a->number, 12u);
  EXPECT_EQ(x11_socket_path(a->number), "/tmp/.X11-unix/X12");
  auto b = parse_x11_display("unix:4");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->unix_socket);
  EXPECT_EQ(b->number, 4u);
  auto c = parse_x11_display("localhost:10.0");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->unix_socket);
  EXPECT_EQ(c->host, "localhost");
  EXPECT_EQ(c->number, 10u);
  auto bad = parse_x11_display("localhost");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Could not find ':' in DISPLAY: localhost");
  auto nonum = parse_x11_display(":x");
  ASSERT_FALSE(nonum);
  EXPECT_EQ(nonum.error().message, "Could not parse display number from DISPLAY: :x");
  EXPECT_FALSE(parse_x11_display("host:59536"));  // beyond port 65535
}

TEST(X11Display, XauthNameAndScreen) {
  EXPECT_EQ(xauth_display_name("localhost:10.0"), "unix:10.0");
  EXPECT_EQ(xauth_display_name(":0"), ":0");
  EXPECT_EQ(x11_screen_number(":0"), 0u);
  EXPECT_EQ(x11_screen_number("localhost:10.2"), 2u);
  EXPECT_EQ(x11_screen_number(":0.400"), 400u);
  EXPECT_EQ(x11_screen_number(":0.401"), 0u);
  EXPECT_EQ(x11_screen_number(":0.1x"), 0u);
}

TEST(X11Display, XauthListLineAndHex) {
  auto l = parse_xauth_list_line("host/unix:0  MIT-MAGIC-COOKIE-1  0a0B");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->first, "MIT-MAGIC-COOKIE-1");
  EXPECT_EQ(l->second, "0a0B");
  EXPECT_FALSE(parse_xauth_list_line("host/unix:0 MIT-MAGIC-COOKIE-1"));
  EXPECT_FALSE(parse_xauth_list_line(""));
  EXPECT_EQ(from_hex("0a0B"), (Bytes{0x0a, 0x0b}));
  EXPECT_FALSE(from_hex("0a0"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_EQ(to_hex(Bytes{0, 0xff}), "00ff");
}

}  // namespace
}  // namespace skiff::cli
