#include "transport/algorithms.hpp"
#include "wire/glob.hpp"

#include <algorithm>

namespace skiff::transport {

namespace {

// The tables are built on first use (function-local statics are immutable after
// construction, so they are constants, not shared mutable state).
struct Table {
  std::vector<std::string> supported;
  std::vector<std::string> defaults;
};

const Table& table(AlgorithmKind kind) {
  static const Table kKex{
      {"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
       "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
       "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1",
       "diffie-hellman-group1-sha1"},
      // OpenSSH 9.2's order without sntrup761x25519-sha512@openssh.com; the SHA-1 groups
      // are opt-in only, as in OpenSSH.
      {"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
       "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
       "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"}};
  static const Table kHostKey{
      {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
       "rsa-sha2-256", "ssh-rsa"},
      // ssh-rsa means RSA with SHA-1 signatures: off by default since OpenSSH 8.8.
      {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
       "rsa-sha2-256"}};
  static const Table kCipher{
      {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com",
       "aes256-gcm@openssh.com"},
      {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com",
       "aes256-gcm@openssh.com"}};
  // umac-64/128 are not implemented: libcrypto has no UMAC.
  static const Table kMac{
      {"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
       "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"},
      {"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"}};
  // Whether compression is offered at all is the transport's decision (config); this is
  // only the list it starts from.
  static const Table kCompression{{"none", "zlib@openssh.com", "zlib"}, {"none", "zlib@openssh.com"}};
  switch (kind) {
    case AlgorithmKind::kex:
      return kKex;
    case AlgorithmKind::host_key:
      return kHostKey;
    case AlgorithmKind::cipher:
      return kCipher;
    case AlgorithmKind::mac:
      return kMac;
    case AlgorithmKind::compression:
      return kCompression;
  }
  return kKex;  // unreachable: every enumerator is handled above
}

// How OpenSSH names each kind in its "Bad ... spec" messages, so that errors read the same.
const char* spec_label(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex:
      return "Bad SSH2 KexAlgorithms";
    case AlgorithmKind::host_key:
      return "Bad key types";
    case AlgorithmKind::cipher:
      return "Bad SSH2 cipher spec";
    case AlgorithmKind::mac:
      return "Bad SSH2 MAC spec";
    case AlgorithmKind::compression:
      return "Bad compression spec";
  }
  return "Bad algorithm spec";
}

bool contains(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?") != std::string_view::npos; }

// Splits on commas, keeping empty elements so that "a,,b" can be reported.
std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

struct Pattern {
  std::string_view text;
  bool negated;
};

// OpenSSH's match_pattern_list() for one name: 1 if a positive pattern matches and no
// negated one does, -1 if a negated pattern matches, 0 otherwise.
int match_pattern_list(std::string_view name, const std::vector<Pattern>& patterns) {
  int result = 0;
  for (const auto& p : patterns) {
    if (!wire::match_glob(name, p.text)) continue;
    if (p.negated) return -1;
    result = 1;
  }
  return result;
}

Result<std::vector<Pattern>> parse_patterns(AlgorithmKind kind, std::string_view spec, std::string_view list,
                                            bool allow_negation) {
  auto bad = [&](std::string why) {
    return fail(Errc::invalid_argument, std::string(spec_label(kind)) + " '" + std::string(spec) + "': " + why);
  };
  if (list.empty()) return bad("empty list");
  std::vector<Pattern> patterns;
  for (std::string_view part : split_commas(list)) {
    bool negated = !part.empty() && part.front() == '!';
    if (negated) {
      if (!allow_negation) return bad("negation is not allowed here");
      part.remove_prefix(1);
    }
    if (part.empty()) return bad("empty algorithm name");
    patterns.push_back({part, negated});
  }
  return patterns;
}

// Names the user must have meant literally are checked against what skiff implements,
// as OpenSSH's ciphers_valid()/kex_names_valid() do. A negated or wildcard pattern that
// matches nothing is harmless and allowed.
Result<void> check_known(AlgorithmKind kind, std::string_view spec, const std::vector<Pattern>& patterns) {
  for (const auto& p : patterns) {
    if (p.negated || has_wildcard(p.text) || is_supported(kind, p.text)) continue;
    return fail(Errc::unsupported, std::string(spec_label(kind)) + " '" + std::string(spec) +
                                       "': unsupported algorithm '" + std::string(p.text) + "'");
  }
  return {};
}

// Appends, for each positive pattern in order, the supported names it matches (in
// supported-list order), skipping names already present: OpenSSH's kex_assemble_names()
// loop of match_filter_allowlist() and kex_names_cat().
void append_matches(AlgorithmKind kind, const std::vector<Pattern>& patterns, std::vector<std::string>& out) {
  for (const auto& p : patterns) {
    if (p.negated) continue;
    for (const auto& name : table(kind).supported) {
      if (wire::match_glob(name, p.text) && !contains(out, name)) out.push_back(name);
    }
  }
}

}  // namespace

const std::vector<std::string>& supported_algorithms(AlgorithmKind kind) { return table(kind).supported; }

const std::vector<std::string>& default_algorithms(AlgorithmKind kind) { return table(kind).defaults; }

bool is_supported(AlgorithmKind kind, std::string_view name) { return contains(table(kind).supported, name); }

Result<std::vector<std::string>> apply_algorithm_spec(AlgorithmKind kind, std::string_view spec) {
  const auto& defaults = table(kind).defaults;
  std::vector<std::string> result;
  const char op = spec.empty() ? '\0' : spec.front();

  if (op == '-') {
    // OpenSSH's match_filter_denylist(): a default survives unless the pattern list
    // matches it positively, so "-*,!aes128-ctr" keeps only aes128-ctr. Names here are
    // not validated (OpenSSH does not either): removing what is absent is harmless.
    auto patterns = parse_patterns(kind, spec, spec.substr(1), /*allow_negation=*/true);
    if (!patterns) return std::unexpected(patterns.error());
    for (const auto& name : defaults) {
      if (match_pattern_list(name, *patterns) != 1) result.push_back(name);
    }
  } else if (op == '+' || op == '^') {
    // OpenSSH rejects '!' in these lists (kex_assemble_names); so do we.
    auto patterns = parse_patterns(kind, spec, spec.substr(1), /*allow_negation=*/false);
    if (!patterns) return std::unexpected(patterns.error());
    if (auto ok = check_known(kind, spec, *patterns); !ok) return std::unexpected(ok.error());
    if (op == '+') {
      result = defaults;
      append_matches(kind, *patterns, result);
    } else {
      append_matches(kind, *patterns, result);
      for (const auto& name : defaults) {
        if (!contains(result, name)) result.push_back(name);
      }
    }
  } else {
    // A plain list replaces the defaults. Extension over OpenSSH (which rejects '!'
    // here): negated patterns filter the result, so "aes*,!aes192*" is accepted.
    auto patterns = parse_patterns(kind, spec, spec, /*allow_negation=*/true);
    if (!patterns) return std::unexpected(patterns.error());
    if (auto ok = check_known(kind, spec, *patterns); !ok) return std::unexpected(ok.error());
    append_matches(kind, *patterns, result);
    std::erase_if(result, [&](const std::string& name) { return match_pattern_list(name, *patterns) == -1; });
  }

  if (result.empty()) {
    return fail(Errc::invalid_argument, std::string(spec_label(kind)) + " '" + std::string(spec) +
                                            "': no algorithm left in the list");
  }
  return result;
}

}  // namespace skiff::transport
