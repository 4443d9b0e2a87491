// OpenSSH wildcard matching (moved from the transport's algorithm lists to wire, where
// host and user patterns can use it too).
#include <gtest/gtest.h>

#include <string>

#include "wire/glob.hpp"

using skiff::wire::match_glob;

TEST(MatchGlob, Basics) {
  EXPECT_TRUE(match_glob("", ""));
  EXPECT_TRUE(match_glob("", "*"));
  EXPECT_TRUE(match_glob("", "**"));
  EXPECT_FALSE(match_glob("", "?"));
  EXPECT_FALSE(match_glob("a", ""));
  EXPECT_TRUE(match_glob("abc", "abc"));
  EXPECT_FALSE(match_glob("abc", "abd"));
  EXPECT_FALSE(match_glob("abc", "ab"));
  EXPECT_FALSE(match_glob("ab", "abc"));
  EXPECT_TRUE(match_glob("abc", "a?c"));
  EXPECT_FALSE(match_glob("ac", "a?c"));
  EXPECT_TRUE(match_glob("abc", "*"));
  EXPECT_TRUE(match_glob("abc", "a*"));
  EXPECT_TRUE(match_glob("abc", "*c"));
  EXPECT_TRUE(match_glob("abc", "*b*"));
  EXPECT_TRUE(match_glob("abc", "a*b*c"));
  EXPECT_TRUE(match_glob("abc", "a*b*c*"));
  EXPECT_TRUE(match_glob("abc", "a**c"));
  EXPECT_TRUE(match_glob("abc", "???"));
  EXPECT_FALSE(match_glob("abc", "????"));
  EXPECT_TRUE(match_glob("abc", "?*?"));
  EXPECT_FALSE(match_glob("abc", "*d*"));
  // Case-sensitive, like OpenSSH for algorithm names.
  EXPECT_FALSE(match_glob("ABC", "abc"));
  // Backtracking: the first 'b' is not the one the pattern's "bc" needs.
  EXPECT_TRUE(match_glob("abbbc", "a*bc"));
  EXPECT_TRUE(match_glob("aXbXbXc", "a*b*c"));
  EXPECT_FALSE(match_glob("abcab", "*abc"));
  EXPECT_TRUE(match_glob("hmac-sha2-256-etm@openssh.com", "*-etm@openssh.com"));
  EXPECT_FALSE(match_glob("hmac-sha2-256", "*-etm@openssh.com"));
  EXPECT_TRUE(match_glob("diffie-hellman-group14-sha1", "*-sha1"));
  EXPECT_FALSE(match_glob("hmac-sha1-etm@openssh.com", "*-sha1"));
  // No negation or character classes at this level: '!' and '[' are literal.
  EXPECT_TRUE(match_glob("!a", "!a"));
  EXPECT_FALSE(match_glob("a", "!a"));
  EXPECT_TRUE(match_glob("[a]", "[a]"));
}

// Exponential backtracking would make this test run for hours (ctest's timeout catches it).
TEST(MatchGlob, PathologicalPatternIsLinear) {
  std::string text(100000, 'a');
  EXPECT_FALSE(match_glob(text, "*a*a*a*a*a*a*a*b"));
  EXPECT_FALSE(match_glob(text, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*?b"));
  EXPECT_TRUE(match_glob(text + "b", "*a*a*a*a*a*a*a*b"));
  std::string stars;
  for (int i = 0; i < 500; ++i) stars += "*a";
  EXPECT_FALSE(match_glob(text, stars + "b"));
}
