// Pattern lists as OpenSSH's match.c and addrmatch.c read them. The quirks kept on
// purpose (each is what sshd does, and a list that means one thing to sshd must not mean
// another here): a trailing comma adds no pattern but ",," adds an empty one; a pattern
// of 1023 characters or more makes the whole list match nothing; in address lists an
// entry that does not parse as an address or CIDR block is a wildcard matched against the
// address text, while one that parses but is inconsistent (host bits set, mask too long
// for the family) is an error.
#include "keys/host_patterns.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "wire/glob.hpp"

namespace skiff::keys {
namespace {

// OpenSSH copies each subpattern into a 1024-byte buffer and gives up on longer ones.
constexpr std::size_t kMaxSubpattern = 1023;
// addr_pton_cidr() copies the entry into a 64-byte buffer: longer entries are not CIDR.
constexpr std::size_t kMaxCidrEntry = 63;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

struct IpAddress {
  int family = 0;                     // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // network order; 4 used for IPv4
  unsigned max_bits() const { return family == AF_INET ? 32 : 128; }
};

std::optional<IpAddress> parse_ip(std::string_view text) {
  // inet_pton wants a NUL-terminated string; anything longer than an IPv6 address is no
  // address at all.
  if (text.size() >= 64) return std::nullopt;
  char buf[64];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

// Whether the first `bits` bits of a and b agree.
bool prefix_equal(const IpAddress& a, const IpAddress& b, unsigned bits) {
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (b.bytes[i] & mask)) return false;
  }
  return true;
}

bool host_bits_zero(const IpAddress& a, unsigned masklen) {
  const std::size_t n = a.max_bits() / 8;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned start = static_cast<unsigned>(i) * 8;
    std::uint8_t host_mask = 0xff;
    if (masklen >= start + 8) {
      host_mask = 0;
    } else if (masklen > start) {
      host_mask = static_cast<std::uint8_t>(0xff >> (masklen - start));
    }
    if (a.bytes[i] & host_mask) return false;
  }
  return true;
}

struct Cidr {
  IpAddress net;
  unsigned masklen = 0;
};

enum class CidrParse : std::uint8_t { ok, not_cidr, inconsistent };

CidrParse parse_cidr(std::string_view entry, Cidr& out) {
  if (entry.size() > kMaxCidrEntry) return CidrParse::not_cidr;
  std::string_view addr = entry;
  std::optional<unsigned> masklen;
  if (std::size_t slash = entry.find('/'); slash != std::string_view::npos) {
    addr = entry.substr(0, slash);
    std::string_view m = entry.substr(slash + 1);
    if (m.empty()) return CidrParse::not_cidr;
    unsigned value = 0;
    for (char c : m) {
      if (c < '0' || c > '9') return CidrParse::not_cidr;
      // Saturate: any value over 128 is refused the same way.
      value = value > 128 ? value : value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 128) return CidrParse::not_cidr;
    masklen = value;
  }
  auto ip = parse_ip(addr);
  if (!ip) return CidrParse::not_cidr;
  out.net = *ip;
  out.masklen = masklen.value_or(ip->max_bits());
  if (out.masklen > ip->max_bits() || !host_bits_zero(*ip, out.masklen)) return CidrParse::inconsistent;
  return CidrParse::ok;
}

// Splits on every comma as strsep() does: "a," has an empty last entry, "" one empty entry.
template <class Fn>
bool for_each_entry(std::string_view list, Fn&& fn) {
  for (;;) {
    std::size_t comma = list.find(',');
    if (!fn(list.substr(0, comma))) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

Result<void> check_address_list(std::string_view list) {
  std::optional<Error> error;
  for_each_entry(list, [&](std::string_view entry) {
    if (!entry.empty() && entry.front() == '!') entry.remove_prefix(1);
    if (entry.empty()) {
      error = Error{Errc::bad_format, "empty entry in address list"};
      return false;
    }
    Cidr cidr;
    if (parse_cidr(entry, cidr) == CidrParse::inconsistent) {
      error = Error{Errc::bad_format, "inconsistent mask length for network \"" + std::string(entry) + "\""};
      return false;
    }
    return true;
  });
  if (error) return std::unexpected(std::move(*error));
  return {};
}

}  // namespace

PatternMatch match_pattern_list(std::string_view text, std::string_view list, bool case_insensitive) {
  const std::string subject = case_insensitive ? lowered(text) : std::string(text);
  bool positive = false;
  std::size_t i = 0;
  while (i < list.size()) {
    const bool negated = list[i] == '!';
    if (negated) ++i;
    std::size_t end = list.find(',', i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view sub = list.substr(i, end - i);
    if (sub.size() >= kMaxSubpattern) return PatternMatch::none;
    i = end < list.size() ? end + 1 : end;
    const bool hit = case_insensitive ? wire::match_glob(subject, lowered(sub)) : wire::match_glob(subject, sub);
    if (hit) {
      if (negated) return PatternMatch::negated;
      positive = true;
    }
  }
  return positive ? PatternMatch::match : PatternMatch::none;
}

PatternMatch match_host_pattern_list(std::string_view host, std::string_view list) {
  return match_pattern_list(host, list, true);
}

Result<PatternMatch> match_address_list(std::string_view address, std::string_view list) {
  // The list is checked whole before matching, so that a broken list fails whatever the
  // address is (sshd only notices errors before the first negated hit).
  if (auto ok = check_address_list(list); !ok) return std::unexpected(std::move(ok.error()));
  const auto ip = parse_ip(address);
  if (!ip) return PatternMatch::none;  // sshd matches nothing, not even wildcards
  PatternMatch result = PatternMatch::none;
  for_each_entry(list, [&](std::string_view entry) {
    const bool negated = entry.front() == '!';
    if (negated) entry.remove_prefix(1);
    Cidr cidr;
    const bool hit = parse_cidr(entry, cidr) == CidrParse::ok
                         ? cidr.net.family == ip->family && prefix_equal(*ip, cidr.net, cidr.masklen)
                         : wire::match_glob(address, entry);
    if (!hit) return true;
    if (negated) {
      result = PatternMatch::negated;
      return false;
    }
    result = PatternMatch::match;
    return true;
  });
  return result;
}

Result<PatternMatch> match_host_and_address(std::string_view host, std::string_view address,
                                            std::string_view list) {
  auto by_address = match_address_list(address, list);
  if (!by_address) return by_address;
  if (*by_address == PatternMatch::negated) return PatternMatch::negated;
  const PatternMatch by_host = match_host_pattern_list(host, list);
  if (by_host == PatternMatch::negated) return PatternMatch::negated;
  if (by_host == PatternMatch::none && *by_address == PatternMatch::none) return PatternMatch::none;
  return PatternMatch::match;
}

}  // namespace skiff::keys
