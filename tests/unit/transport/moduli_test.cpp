#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <skiff/transport.hpp>

#include "crypto/kex_math.hpp"

using namespace skiff;

namespace {

std::string hex(const Bytes& b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

// A moduli(5) line for RFC 3526 group 14 (a safe prime with generator 2).
std::string group14_line(const char* type = "2", const char* tests = "6", const char* size = "2047") {
  const auto& g = crypto::modp_group(14);
  return std::string("20240101000000 ") + type + " " + tests + " 100 " + size + " 2 " + hex(g.p);
}

}  // namespace

TEST(Moduli, ParsesSafePrimeLines) {
  std::string text = "# comment\n\n" + group14_line() + "\n";
  auto groups = parse_moduli(text);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].bits, 2048u);
  EXPECT_EQ(groups[0].p, crypto::modp_group(14).p);
  EXPECT_EQ(groups[0].g, Bytes{2});
}

TEST(Moduli, SkipsBadLines) {
  std::string text = group14_line("1") + "\n" +          // not a safe prime
                     group14_line("2", "1") + "\n" +     // marked composite
                     group14_line("2", "0") + "\n" +     // never tested
                     group14_line("2", "6", "2048") + "\n" +  // size off by one
                     "20240101000000 2 6 100 2047 2 XYZ\n" + "short line\n" + group14_line();  // last one good
  auto groups = parse_moduli(text);
  ASSERT_EQ(groups.size(), 1u);
}

TEST(Moduli, ReadsTheSystemFileWhenPresent) {
  std::ifstream f("/etc/ssh/moduli");
  if (!f) GTEST_SKIP() << "/etc/ssh/moduli not installed";
  std::stringstream ss;
  ss << f.rdbuf();
  auto groups = parse_moduli(ss.str());
  EXPECT_GT(groups.size(), 10u);
  for (const auto& g : groups) {
    EXPECT_GE(g.bits, 2048u);
    EXPECT_TRUE(crypto::validate_dh_group(crypto::DhGroup{g.p, g.g}, 2048, false));
  }
}
