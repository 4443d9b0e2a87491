// OpenSSH's pattern lists (match.c semantics): comma-separated wildcard patterns, each
// possibly negated with '!'; a negated match overrides any positive one. Host names are
// compared case-insensitively; addresses also match CIDR blocks (addr/masklen, IPv4 and
// IPv6) where OpenSSH allows them (from=, Match Address).
#pragma once

#include <string_view>

#include <skiff/error.hpp>

namespace skiff::keys {

enum class PatternMatch : std::uint8_t {
  none,     // no pattern matched
  match,    // a positive pattern matched and no negated one did
  negated,  // a negated pattern matched (the caller must refuse)
};

// match_pattern_list(): patterns are wire::match_glob wildcards; with
// case_insensitive both the text and the patterns are lowered before matching (OpenSSH
// lowers the patterns and has its callers lower the text).
PatternMatch match_pattern_list(std::string_view text, std::string_view list, bool case_insensitive);

// match_hostname(): a host name against a known_hosts / Host pattern list, case-
// insensitively (both sides lowered).
PatternMatch match_host_pattern_list(std::string_view host, std::string_view list);

// Whether address (textual IPv4 or IPv6) lies in the CIDR list ("10.0.0.0/8,::1/128",
// entries may be negated with '!'; a plain address is a /32 or /128). Errc::bad_format
// for a malformed entry, so that a broken from=/source-address never matches.
Result<PatternMatch> match_address_list(std::string_view address, std::string_view list);

// match_host_and_ip(): authorized_keys from="...": each entry is matched against the
// client's host name (wildcards, case-insensitive) and against its address (wildcards
// or CIDR). Errc::bad_format for a malformed CIDR entry.
Result<PatternMatch> match_host_and_address(std::string_view host, std::string_view address, std::string_view list);

}  // namespace skiff::keys
