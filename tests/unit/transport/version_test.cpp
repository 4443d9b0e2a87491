#include <gtest/gtest.h>

#include <string>

#include "transport/version.hpp"

using namespace skiff;
using namespace skiff::transport;

namespace {

Result<std::string> read_version(std::string_view text, bool client = true) {
  VersionReader r(client);
  auto used = r.consume(wire::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (!used) return std::unexpected(used.error());
  if (!r.done()) return fail(Errc::truncated, "no version line");
  return r.version().line;
}

}  // namespace

TEST(Version, CarriageReturnsOnlyBeforeTheLineFeed) {
  // OpenSSH drops every CR before the LF; the line without them enters the exchange hash.
  EXPECT_EQ(*read_version("SSH-2.0-x\r\n"), "SSH-2.0-x");
  EXPECT_EQ(*read_version("SSH-2.0-x\n"), "SSH-2.0-x");
  EXPECT_EQ(*read_version("SSH-2.0-x\r\r\n"), "SSH-2.0-x");
  EXPECT_FALSE(read_version("SSH-2.0-x\ry\r\n"));
  EXPECT_FALSE(read_version(std::string("SSH-2.0-x\0y\r\n", 14)));
}

TEST(Version, ParsesSoftwareAndComments) {
  VersionReader r(true);
  std::string text = "banner line\r\nSSH-2.0-OpenSSH_9.2p1 Debian-2\r\nrest";
  auto used = r.consume(wire::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, text.size() - 4);  // "rest" is left for the packet layer
  EXPECT_EQ(r.version().software, "OpenSSH_9.2p1");
  EXPECT_EQ(r.version().comments, "Debian-2");
  ASSERT_EQ(r.pre_banner_lines().size(), 1u);
  EXPECT_EQ(make_version_line("skiff_1", ""), "SSH-2.0-skiff_1\r\n");
}

TEST(Version, ServerRejectsLinesBeforeTheVersion) {
  EXPECT_FALSE(read_version("hello\r\nSSH-2.0-x\r\n", false));
  EXPECT_TRUE(read_version("SSH-1.99-x\r\n", false));
  EXPECT_FALSE(read_version("SSH-1.5-x\r\n", false));
}
