// OpenSSH pattern lists (match.c, addrmatch.c). The address and host tables were checked
// against OpenSSH 9.2p1's sshd: `sshd -T -C addr=...,host=...` with a "Match Address
// <list>" (or "Match Host <list>") block, and again with ",*" appended to the list to
// tell a negated hit from no hit; "error" is sshd refusing the list. The exception: for
// an address that is not an address sshd matches nothing at all, which the ",*" trick
// cannot show, so those rows say none as addrmatch.c does.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "keys/host_patterns.hpp"

using skiff::Errc;
using skiff::keys::match_address_list;
using skiff::keys::match_host_and_address;
using skiff::keys::match_host_pattern_list;
using skiff::keys::match_pattern_list;
using skiff::keys::PatternMatch;

namespace {

enum Expect { kNone, kMatch, kNeg, kError };

struct Row {
  std::string_view list;
  std::string_view subject;
  Expect expect;
};

constexpr Row kAddressRows[] = {
    {"10.0.0.0/8", "10.1.2.3", kMatch},
    {"10.0.0.0/8", "11.1.2.3", kNone},
    {"10.0.0.0/8,!10.1.0.0/16", "10.1.2.3", kNeg},
    {"10.0.0.0/8,!10.1.0.0/16", "10.2.2.3", kMatch},
    {"!10.1.0.0/16,10.0.0.0/8", "10.1.2.3", kNeg},
    {"10.0.0.1/8", "10.0.0.1", kError},
    {"10.0.0.0/33", "10.0.0.1", kError},
    {"10.0.0.0/129", "10.0.0.1", kNone},
    {"10.0.0.0/", "10.0.0.1", kNone},
    {"10.0.0.0/x", "10.0.0.1", kNone},
    {"10.0.0.0/-1", "10.0.0.1", kNone},
    {"10.0.0.0/+8", "10.0.0.1", kNone},
    {"0.0.0.0/0", "203.0.113.9", kMatch},
    {"0.0.0.0/0", "::1", kNone},
    {"192.0.2.7", "192.0.2.7", kMatch},
    {"192.0.2.7", "192.0.2.8", kNone},
    {"192.0.2.7/32", "192.0.2.7", kMatch},
    {"192.0.2.128/25", "192.0.2.200", kMatch},
    {"192.0.2.128/25", "192.0.2.100", kNone},
    {"192.0.2.128/24", "192.0.2.100", kError},
    {"10.0.0.*", "10.0.0.42", kMatch},
    {"10.0.0.?", "10.0.0.42", kNone},
    {"!10.0.0.*,10.0.0.0/8", "10.0.0.42", kNeg},
    {"10.0.*.1/8", "10.0.0.1", kNone},
    {"::1", "::1", kMatch},
    {"::1/128", "::1", kMatch},
    {"::1/127", "::1", kError},
    {"::/0", "2001:db8::1", kMatch},
    {"::/0", "10.0.0.1", kNone},
    {"2001:db8::/32", "2001:db8:ffff::1", kMatch},
    {"2001:db8::/32", "2001:db9::1", kNone},
    {"2001:db8::1/32", "2001:db8::1", kError},
    {"2001:db8::/129", "2001:db8::1", kNone},
    {"2001:db8:8000::/33", "2001:db8:8000::5", kMatch},
    {"2001:db8:8000::/33", "2001:db8:7fff::5", kNone},
    {"2001:db8::/31", "2001:db8::1", kMatch},
    {"!2001:db8::/32", "2001:db8::1", kNeg},
    {"10.0.0.1,", "10.0.0.1", kError},
    {",10.0.0.1", "10.0.0.1", kError},
    {"10.0.0.1,,10.0.0.2", "10.0.0.2", kError},
    {"!", "10.0.0.1", kError},
    {"", "10.0.0.1", kError},
    {"10.0.0.0/8", "not-an-address", kNone},
    {"*", "not-an-address", kNone},
    {"10.0.0.1/0", "10.0.0.1", kError},
    {"0.0.0.0/00008", "10.0.0.1", kNone},
    {"10.0.0.0/0000000000000000000000000000008", "10.0.0.1", kMatch},
    {"10.0.0.0/99999999999999999999999", "10.0.0.1", kNone},
    {"::ffff:10.0.0.1", "10.0.0.1", kNone},
    {"10.0.0.0/8", "::ffff:10.0.0.1", kNone},
    {"fe80::/10", "FE80::1", kMatch},
    {"FE80::/10", "fe80::1", kMatch},
    {"*:*", "fe80::1", kMatch},
    {"010.0.0.1", "10.0.0.1", kNone},
};

constexpr Row kHostRows[] = {
    {"*.example.com", "a.example.com", kMatch},
    {"*.example.com", "A.EXAMPLE.COM", kMatch},
    {"*.EXAMPLE.COM", "a.example.com", kMatch},
    {"*.example.com,!bad.example.com", "bad.example.com", kNeg},
    {"!bad.example.com,*.example.com", "good.example.com", kMatch},
    {"*.example.com", "example.com", kNone},
    {"a?c", "abc", kMatch},
    {"a?c", "ac", kNone},
    {"foo,,bar", "baz", kNone},
    {"foo,", "foo", kMatch},
};

Expect outcome(const skiff::Result<PatternMatch>& r) {
  if (!r) {
    EXPECT_EQ(r.error().code, Errc::bad_format);
    return kError;
  }
  switch (*r) {
    case PatternMatch::none: return kNone;
    case PatternMatch::match: return kMatch;
    case PatternMatch::negated: return kNeg;
  }
  return kError;
}

Expect outcome(PatternMatch m) { return outcome(skiff::Result<PatternMatch>(m)); }

}  // namespace

TEST(HostPatterns, AddressListAgreesWithSshd) {
  for (const auto& row : kAddressRows) {
    EXPECT_EQ(outcome(match_address_list(row.subject, row.list)), row.expect)
        << "list \"" << row.list << "\" address " << row.subject;
  }
}

TEST(HostPatterns, HostListAgreesWithSshd) {
  for (const auto& row : kHostRows) {
    EXPECT_EQ(outcome(match_host_pattern_list(row.subject, row.list)), row.expect)
        << "list \"" << row.list << "\" host " << row.subject;
  }
}

TEST(HostPatterns, PatternListCase) {
  EXPECT_EQ(match_pattern_list("Alice", "alice", false), PatternMatch::none);
  EXPECT_EQ(match_pattern_list("alice", "alice", false), PatternMatch::match);
  EXPECT_EQ(match_pattern_list("Alice", "ALICE", true), PatternMatch::match);
  EXPECT_EQ(match_pattern_list("Alice", "a*,!AL*", true), PatternMatch::negated);
  EXPECT_EQ(match_pattern_list("Alice", "a*,!AL*", false), PatternMatch::none);
}

TEST(HostPatterns, PatternListShape) {
  EXPECT_EQ(match_pattern_list("x", "", false), PatternMatch::none);
  // A trailing comma adds no pattern; ",," and a leading comma add an empty one.
  EXPECT_EQ(match_pattern_list("", "a,", false), PatternMatch::none);
  EXPECT_EQ(match_pattern_list("", "a,,b", false), PatternMatch::match);
  EXPECT_EQ(match_pattern_list("", ",a", false), PatternMatch::match);
  EXPECT_EQ(match_pattern_list("", "a,!", false), PatternMatch::negated);
  EXPECT_EQ(match_pattern_list("x", "!", false), PatternMatch::none);
  // The negated hit wins wherever it is in the list.
  EXPECT_EQ(match_pattern_list("abc", "!a*,*", false), PatternMatch::negated);
  EXPECT_EQ(match_pattern_list("abc", "*,!a*", false), PatternMatch::negated);
  EXPECT_EQ(match_pattern_list("abc", "x*,!y*,a?c", false), PatternMatch::match);
  // "!!x" is a negated pattern "!x", matched literally.
  EXPECT_EQ(match_pattern_list("!x", "!!x", false), PatternMatch::negated);
}

TEST(HostPatterns, OverlongSubpatternMatchesNothing) {
  // match.c gives up on a subpattern of 1023 characters or more: the list matches nothing,
  // even after a positive hit (a negated hit before it has already decided).
  const std::string long_pattern(1023, '*');
  EXPECT_EQ(match_pattern_list("abc", "abc," + long_pattern, false), PatternMatch::none);
  EXPECT_EQ(match_pattern_list("abc", "!abc," + long_pattern, false), PatternMatch::negated);
  EXPECT_EQ(match_pattern_list("abc", "abc," + std::string(1022, '*'), false), PatternMatch::match);
}

TEST(HostPatterns, WildcardsAreNotExponential) {
  const std::string text(4000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  pattern += "*b";
  EXPECT_EQ(match_host_pattern_list(text, pattern.substr(0, 1000)), PatternMatch::none);
}

TEST(HostPatterns, HostAndAddress) {
  using R = skiff::Result<PatternMatch>;
  auto m = [](std::string_view h, std::string_view a, std::string_view l) -> R {
    return match_host_and_address(h, a, l);
  };
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "*.example.com")), kMatch);
  EXPECT_EQ(outcome(m("Client.Example.COM", "192.0.2.5", "*.example.com")), kMatch);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "192.0.2.0/24")), kMatch);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "192.0.2.*")), kMatch);
  EXPECT_EQ(outcome(m("client.example.com", "198.51.100.1", "192.0.2.0/24")), kNone);
  // A negated hit on either the name or the address refuses, whatever else matched.
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "192.0.2.0/24,!client.*")), kNeg);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "*.example.com,!192.0.2.5")), kNeg);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "*.example.com,!192.0.2.0/24")), kNeg);
  // A malformed CIDR entry is an error even when another entry matches.
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "*.example.com,192.0.2.1/24")), kError);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "*.example.com,,x")), kError);
  EXPECT_EQ(outcome(m("client.example.com", "192.0.2.5", "")), kError);
  // An unparsable address matches no address entry but the name still counts.
  EXPECT_EQ(outcome(m("client.example.com", "garbage", "*.example.com")), kMatch);
  EXPECT_EQ(outcome(m("client.example.com", "2001:db8::7", "2001:db8::/64")), kMatch);
  EXPECT_EQ(outcome(m("client.example.com", "2001:db8::7", "2001:db8::/64,!2001:db8::7")), kNeg);
}

TEST(HostPatterns, LongEntriesAreWildcards) {
  // addrmatch.c reads at most 63 characters as an address: longer entries are wildcards.
  const std::string padded = "0000:0000:0000:0000:0000:0000:0000:0001/128" + std::string(30, '0');
  EXPECT_EQ(outcome(match_address_list("::1", padded)), kNone);
  EXPECT_EQ(outcome(match_address_list("::1", "0000:0000:0000:0000:0000:0000:0000:0001/128")), kMatch);
}
