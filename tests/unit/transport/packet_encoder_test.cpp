// PacketEncoder's framing and padding (RFC 4253 6), before any cipher is set: lengths,
// the padding rules, and padding bytes that come from the random pool without reuse.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "transport/packet_codec.hpp"
#include "wire/writer.hpp"

using namespace skiff;

TEST(PacketEncoder, FramingAndPaddingRules) {
  transport::PacketEncoder enc;
  for (std::size_t n = 1; n < 300; n += 7) {
    wire::Bytes out;
    const wire::Bytes payload(n, 0x5a);
    ASSERT_TRUE(enc.encode(payload, out));
    ASSERT_GE(out.size(), 16u);
    const std::uint32_t length = wire::get_u32(out.data());
    const std::size_t padding = out[4];
    EXPECT_EQ(length + 4, out.size());
    EXPECT_EQ(out.size() % 8, 0u);  // the plain "cipher" has 8-byte blocks
    EXPECT_GE(padding, 4u);
    EXPECT_EQ(length, 1 + n + padding);
  }
  EXPECT_EQ(enc.sequence(), 43u);
}

// Padding from a pool refilled by the CSPRNG: across many refills no stretch of it comes
// back (a pool handed out twice, or not refilled, would repeat).
TEST(PacketEncoder, PaddingIsNeverReused) {
  transport::PacketEncoder enc;
  std::string all;
  for (int i = 0; i < 2000; ++i) {
    wire::Bytes out;
    const wire::Bytes payload(3 + i % 13, 0);
    ASSERT_TRUE(enc.encode(payload, out));
    const std::size_t padding = out[4];
    all.append(out.end() - static_cast<std::ptrdiff_t>(padding), out.end());
  }
  ASSERT_GT(all.size(), 8u * 1024u);  // several refills of the pool
  std::set<std::string> windows;
  for (std::size_t i = 0; i + 12 <= all.size(); i += 12) {
    EXPECT_TRUE(windows.insert(all.substr(i, 12)).second) << "padding repeats at " << i;
  }
}
