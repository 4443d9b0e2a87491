#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "transport/compression.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::transport;

namespace {

wire::Bytes bytes(std::string_view s) { return wire::Bytes(s.begin(), s.end()); }

// Three SSH payloads and what Python's zlib.compressobj(6) (zlib 1.2.13, the same
// deflateInit() settings as OpenSSH's packet.c) produced for them, each followed by
// flush(Z_PARTIAL_FLUSH). The third packet is a repeat of the second and compresses
// to a back-reference into the previous packet: one stream spans all packets.
const std::string kPlain1("\x05\x00\x00\x00\x0cssh-userauth", 17);
const std::string kPlain2("\x32\x00\x00\x00\x04user\x00\x00\x00\x0essh-connection\x00\x00\x00\x04none", 35);
const wire::Bytes kDeflated1{0x78, 0x9c, 0x62, 0x65, 0x60, 0x60, 0xe0, 0x29, 0x2e, 0xce, 0xd0,
                             0x2d, 0x2d, 0x4e, 0x2d, 0x4a, 0x2c, 0x2d, 0xc9, 0x00, 0x08};
const wire::Bytes kDeflated2{0x20, 0x23, 0xa0, 0x00, 0x0b, 0x88, 0x03, 0xa4, 0xf9, 0x40,
                             0x12, 0xc9, 0xf9, 0x79, 0x79, 0xa9, 0xc9, 0x25, 0x99, 0xf9,
                             0x79, 0x20, 0x99, 0xbc, 0xfc, 0xbc, 0x54, 0x80, 0x00};
const wire::Bytes kDeflated3{0x22, 0x42, 0x09, 0x40};

constexpr std::size_t kCap = 256 * 1024;

}  // namespace

TEST(Compression, InflatesZlibPartialFlushStream) {
  Decompressor d;
  wire::Bytes out;
  ASSERT_TRUE(d.decompress(kDeflated1, out, kCap));
  EXPECT_EQ(out, bytes(kPlain1));
  ASSERT_TRUE(d.decompress(kDeflated2, out, kCap));
  EXPECT_EQ(out, bytes(kPlain2));
  ASSERT_TRUE(d.decompress(kDeflated3, out, kCap));
  EXPECT_EQ(out, bytes(kPlain2));
}

TEST(Compression, DeflatesLikeZlibLevel6) {
  // Byte-identical output is not required for interoperability, but with the same zlib
  // it shows that the stream parameters and flush mode are OpenSSH's.
  Compressor c;
  wire::Bytes p = bytes(kPlain1);
  ASSERT_TRUE(c.compress(p));
  EXPECT_EQ(p, kDeflated1);
  p = bytes(kPlain2);
  ASSERT_TRUE(c.compress(p));
  EXPECT_EQ(p, kDeflated2);
  p = bytes(kPlain2);
  ASSERT_TRUE(c.compress(p));
  EXPECT_EQ(p, kDeflated3);
}

TEST(Compression, RoundTripsManyPacketsThroughOneStream) {
  Compressor c;
  Decompressor d;
  std::uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 16;
  };
  wire::Bytes out;
  for (int i = 0; i < 2000; ++i) {
    // Mixed sizes and entropy: text-like, random, long runs, and one up to the cap.
    std::size_t size = i == 1000 ? limits::kMaxPayload : 1 + next() % (i % 7 == 0 ? 40000 : 600);
    wire::Bytes plain(size);
    for (auto& b : plain) {
      b = static_cast<std::uint8_t>(i % 3 == 0 ? next() : i % 3 == 1 ? 'a' + next() % 4 : 0);
    }
    wire::Bytes packet = plain;
    ASSERT_TRUE(c.compress(packet));
    ASSERT_TRUE(d.decompress(packet, out, limits::kMaxInflatedPayload)) << i;
    ASSERT_EQ(out, plain) << i;
  }
}

TEST(Compression, ZipBombStopsAtTheCap) {
  Compressor c;
  wire::Bytes bomb(10 * 1024 * 1024, 0);
  ASSERT_TRUE(c.compress(bomb));
  EXPECT_LT(bomb.size(), 32u * 1024);
  Decompressor d;
  wire::Bytes out;
  auto r = d.decompress(bomb, out, kCap);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_LE(out.capacity(), kCap);
  // The stream is unusable afterwards.
  EXPECT_FALSE(d.decompress(kDeflated1, out, kCap));
}

TEST(Compression, ExactlyAtTheCapIsAccepted) {
  Compressor c;
  Decompressor d;
  wire::Bytes plain(1000, 'x');
  wire::Bytes packet = plain;
  ASSERT_TRUE(c.compress(packet));
  wire::Bytes out;
  ASSERT_TRUE(d.decompress(packet, out, 1000));
  EXPECT_EQ(out, plain);
  packet = plain;
  ASSERT_TRUE(c.compress(packet));
  auto r = d.decompress(packet, out, 999);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST(Compression, GarbageFails) {
  {
    Decompressor d;
    wire::Bytes out;
    auto r = d.decompress(bytes("this is not a zlib stream"), out, kCap);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_format);
  }
  {
    // A valid header followed by an invalid block type.
    Decompressor d;
    wire::Bytes out;
    auto r = d.decompress(wire::Bytes{0x78, 0x9c, 0xff, 0xff, 0xff}, out, kCap);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_format);
  }
  {
    // A stream the peer finished (Z_FINISH) cannot carry later packets.
    Decompressor d;
    wire::Bytes out;
    auto r = d.decompress(wire::Bytes{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, out, kCap);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_format);
  }
}

TEST(Compression, TruncatedPacketYieldsPartialOutput) {
  // zlib streams are byte-oriented: a packet cut short inflates to what it holds, and
  // the rest arrives with the next call. (The packet layer never cuts packets; this
  // only checks that a short input is not mistaken for corruption.)
  Decompressor d;
  wire::Bytes out;
  wire::Bytes first(kDeflated1.begin(), kDeflated1.begin() + 10);
  wire::Bytes rest(kDeflated1.begin() + 10, kDeflated1.end());
  ASSERT_TRUE(d.decompress(first, out, kCap));
  wire::Bytes all = out;
  ASSERT_TRUE(d.decompress(rest, out, kCap));
  all.insert(all.end(), out.begin(), out.end());
  EXPECT_EQ(all, bytes(kPlain1));
}

TEST(Compression, MovedObjectsKeepTheirStream) {
  Compressor c;
  Decompressor d;
  wire::Bytes p = bytes(kPlain1);
  ASSERT_TRUE(c.compress(p));
  wire::Bytes out;
  ASSERT_TRUE(d.decompress(p, out, kCap));
  Compressor c2 = std::move(c);
  Decompressor d2 = std::move(d);
  p = bytes(kPlain2);
  ASSERT_TRUE(c2.compress(p));
  ASSERT_TRUE(d2.decompress(p, out, kCap));
  EXPECT_EQ(out, bytes(kPlain2));
}
