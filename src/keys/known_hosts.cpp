#include "keys/known_hosts.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>

#include "crypto/hash.hpp"
#include "crypto/secure.hpp"
#include "keys/host_patterns.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"

namespace skiff::keys {

namespace {

constexpr std::string_view kHashMagic = "|1|";
constexpr std::size_t kSaltBytes = 20;  // the SHA-1 size: OpenSSH keys the HMAC with it
// ssh-keygen's limits: an encoded salt of at most 1024 characters, a key type name
// shorter than its 128-byte buffer, a marker shorter than its 32-byte buffer.
constexpr std::size_t kMaxEncodedSalt = 1024;
constexpr std::size_t kMaxTypeName = 128;
constexpr std::size_t kMaxMarker = 32;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view skip_blanks(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  return s.substr(i);
}

std::size_t token_end(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && !is_blank(s[i])) ++i;
  return i;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

// The type names ssh-keygen 9.2 (with security keys, without XMSS) accepts when it checks a
// line without decoding the key: full names, and the short names of plain key types in
// any case.
bool openssh_knows_type(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "ssh-ed25519",
      "ssh-ed25519-cert-v01@openssh.com",
      "sk-ssh-ed25519@openssh.com",
      "sk-ssh-ed25519-cert-v01@openssh.com",
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp384-cert-v01@openssh.com",
      "ecdsa-sha2-nistp521",
      "ecdsa-sha2-nistp521-cert-v01@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com",
      "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
      "ssh-dss",
      "ssh-dss-cert-v01@openssh.com",
      "ssh-rsa",
      "ssh-rsa-cert-v01@openssh.com",
      "rsa-sha2-256",
      "rsa-sha2-512",
      "rsa-sha2-256-cert-v01@openssh.com",
      "rsa-sha2-512-cert-v01@openssh.com",
  };
  static constexpr std::array<std::string_view, 6> kShortNames = {"ED25519", "ED25519-SK", "ECDSA",
                                                                  "ECDSA-SK", "RSA", "DSA"};
  if (std::ranges::find(kNames, name) != std::end(kNames)) return true;
  return std::ranges::any_of(kShortNames, [&](std::string_view s) { return equal_ignoring_case(s, name); });
}

// check_markers(): at most one marker, which ends at the line's first space (or, without
// one, its first tab) — so "@revoked<TAB>host key comment" is an error, as in OpenSSH.
struct MarkerResult {
  bool ok = true;
  KnownHostMarker marker = KnownHostMarker::none;
  std::string_view rest;
};

MarkerResult take_marker(std::string_view s) {
  MarkerResult r;
  bool seen = false;
  while (!s.empty() && s.front() == '@') {
    if (seen) return {false};
    std::size_t end = s.find(' ');
    if (end == std::string_view::npos) end = s.find('\t');
    if (end == std::string_view::npos || end <= 1 || end >= kMaxMarker) return {false};
    std::string_view word = s.substr(0, end);
    if (word == "@cert-authority") {
      r.marker = KnownHostMarker::cert_authority;
    } else if (word == "@revoked") {
      r.marker = KnownHostMarker::revoked;
    } else {
      return {false};
    }
    seen = true;
    s = skip_blanks(s.substr(end));
  }
  r.rest = s;
  return r;
}

// The salt of a "|1|salt|hash" field, or nullopt when the field is not one.
std::optional<wire::Bytes> hashed_salt(std::string_view hosts) {
  if (!hosts.starts_with(kHashMagic)) return std::nullopt;
  std::string_view rest = hosts.substr(kHashMagic.size());
  std::size_t end = rest.find('|');
  // OpenSSH's decoder wants the '=' padding, which wire::base64_decode leaves optional.
  if (end == std::string_view::npos || end == 0 || end > kMaxEncodedSalt || end % 4 != 0) return std::nullopt;
  auto salt = wire::base64_decode(rest.substr(0, end));
  if (!salt || salt->size() != kSaltBytes) return std::nullopt;
  return salt;
}

// match_maybe_hashed(): nullopt for a hashed field whose salt is broken.
std::optional<bool> hosts_match(std::string_view hosts, std::string_view name) {
  if (!hosts.empty() && hosts.front() == '|') {
    auto salt = hashed_salt(hosts);
    if (!salt) return std::nullopt;
    std::string mine = hash_known_host_name(name, *salt);
    return crypto::equal_constant_time(
        crypto::ByteView(reinterpret_cast<const std::uint8_t*>(mine.data()), mine.size()),
        crypto::ByteView(reinterpret_cast<const std::uint8_t*>(hosts.data()), hosts.size()));
  }
  return match_host_pattern_list(name, hosts) == PatternMatch::match;
}

// A line as ssh-keygen's hostkeys_foreach() sees it without decoding the key.
enum class LineKind : std::uint8_t { comment, invalid, skipped, ok };

struct LineView {
  LineKind kind = LineKind::invalid;
  bool matched = false;
  KnownHostMarker marker = KnownHostMarker::none;
  std::string_view hosts;
  std::string_view rawkey;  // from the key type to the end of the line
};

// name: the host looked for (-F, -R), or empty (-H). want_match (-F): lines that do not
// match are skipped before their key is looked at, as are lines with a bad marker.
LineView examine(std::string_view line, std::string_view name, bool want_match) {
  LineView v;
  std::string_view cp = skip_blanks(line);
  if (cp.empty() || cp.front() == '#') {
    v.kind = want_match ? LineKind::skipped : LineKind::comment;
    return v;
  }
  MarkerResult m = take_marker(cp);
  if (!m.ok) {
    v.kind = want_match ? LineKind::skipped : LineKind::invalid;
    return v;
  }
  v.marker = m.marker;
  cp = m.rest;
  std::size_t end = token_end(cp);
  v.hosts = cp.substr(0, end);
  cp = cp.substr(end);
  if (!name.empty()) {
    auto matched = hosts_match(v.hosts, name);
    if (!matched) return v;  // invalid: broken hash
    v.matched = *matched;
    if (want_match && !v.matched) {
      v.kind = LineKind::skipped;
      return v;
    }
  }
  cp = skip_blanks(cp);
  if (cp.empty() || cp.front() == '#') return v;
  v.rawkey = cp;
  std::size_t type_len = token_end(cp);
  if (type_len <= 1 || type_len >= kMaxTypeName || type_len == cp.size()) return v;
  std::string_view after = skip_blanks(cp.substr(type_len));
  if (after.empty() || after.front() == '#') return v;
  if (!openssh_knows_type(cp.substr(0, type_len))) return v;
  v.kind = LineKind::ok;
  return v;
}

// Calls fn(number, line) for each line as ssh-keygen reads it: '\r' kept, cut at a NUL
// byte, no line cap (see kEditsIgnoreLineCap).
template <class Fn>
void for_each_raw_line(std::string_view text, Fn&& fn) {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    line = line.substr(0, line.find('\0'));
    fn(number, line);
  }
}

std::string warning(std::string_view file_name, std::size_t number, std::string_view what) {
  return make_problem(file_name, number, what).message;
}

// known_hosts_hash(): writes the line hashed (one line per name) or as it is; true when
// it hashed at least one name.
bool hash_line(const LineView& v, std::string_view line, std::string& out, bool finding, std::string_view file_name,
               std::size_t number, std::vector<std::string>& warnings) {
  bool wild = v.hosts.find_first_of("*?!") != std::string_view::npos;
  bool was_hashed = !v.hosts.empty() && v.hosts.front() == '|';
  if (was_hashed || wild || v.marker != KnownHostMarker::none) {
    out.append(line).push_back('\n');
    if (wild && !finding) {
      std::string what = "ignoring host name with wildcard: ";
      what += v.hosts.substr(0, 64);
      warnings.push_back(warning(file_name, number, what));
    }
    return false;
  }
  bool hashed_any = false;
  std::string_view hosts = v.hosts;
  while (true) {
    std::size_t comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    if (host.empty()) break;
    out += hash_known_host_name(lowered(host));
    out += ' ';
    out.append(v.rawkey).push_back('\n');
    hashed_any = true;
    if (comma == std::string_view::npos) break;
    hosts = hosts.substr(comma + 1);
  }
  return hashed_any;
}

std::string key_text(const crypto::PublicKey& key) {
  std::string out(key_type_name(key.type()));
  out += ' ';
  out += wire::base64_encode(encode_public_blob(key));
  return out;
}

// One line of the parsed view: nullopt with a problem message for a bad line, or
// nothing at all for a comment.
struct ParsedLine {
  std::optional<KnownHostEntry> entry;
  std::string problem;
};

ParsedLine parse_line(std::size_t number, std::string_view line) {
  line = line.substr(0, line.find('\0'));
  std::string_view cp = skip_blanks(line);
  if (cp.empty() || cp.front() == '#') return {};
  MarkerResult m = take_marker(cp);
  if (!m.ok) return {std::nullopt, "bad marker"};
  cp = m.rest;
  std::size_t end = token_end(cp);
  std::string_view hosts = cp.substr(0, end);
  bool hashed = !hosts.empty() && hosts.front() == '|';
  if (hashed) {
    // hashed_salt() found the salt's closing '|'; what follows must be the 20-byte HMAC.
    std::optional<wire::Bytes> digest;
    if (hashed_salt(hosts)) digest = wire::base64_decode(hosts.substr(hosts.find('|', kHashMagic.size()) + 1));
    if (!digest || digest->size() != kSaltBytes) return {std::nullopt, "broken hashed host name"};
  }
  cp = skip_blanks(cp.substr(end));
  if (cp.empty() || cp.front() == '#') return {std::nullopt, "missing key"};
  end = token_end(cp);
  std::string_view type = cp.substr(0, end);
  cp = skip_blanks(cp.substr(end));
  end = token_end(cp);
  std::string_view b64 = cp.substr(0, end);
  std::string_view comment = skip_blanks(cp.substr(end));
  if (b64.empty() || b64.front() == '#') return {std::nullopt, "missing key after type"};
  auto blob = wire::base64_decode(b64);
  if (!blob) return {std::nullopt, "bad base64 in key"};
  auto key = decode_public_blob(*blob);
  if (!key) {
    bool supported = std::ranges::any_of(
        std::array{crypto::KeyType::ed25519, crypto::KeyType::ecdsa_p256, crypto::KeyType::ecdsa_p384,
                   crypto::KeyType::ecdsa_p521, crypto::KeyType::rsa},
        [&](crypto::KeyType t) { return key_type_name(t) == type; });
    if (!supported) return {std::nullopt, "unsupported key type " + std::string(type.substr(0, 64))};
    return {std::nullopt, "bad key: " + key.error().message};
  }
  if (key_type_name(key->type()) != type) return {std::nullopt, "key type does not match the key"};
  return {KnownHostEntry{number, m.marker, std::string(hosts), hashed, std::move(*key), std::string(comment)}, {}};
}

}  // namespace

KnownHostsFile parse_known_hosts(std::string_view text, std::string_view file_name) {
  KnownHostsFile file;
  for_each_line(
      text,
      [&](std::size_t number, std::string_view line) {
        ParsedLine p = parse_line(number, line);
        if (p.entry) {
          file.entries.push_back(std::move(*p.entry));
        } else if (!p.problem.empty()) {
          file.problems.push_back(make_problem(file_name, number, p.problem));
        }
      },
      [&](std::size_t number) { file.problems.push_back(make_problem(file_name, number, "line too long")); });
  return file;
}

std::string known_hosts_name(std::string_view host, std::uint16_t port) {
  if (port == 0 || port == 22) return lowered(host);
  return "[" + lowered(host) + "]:" + std::to_string(port);
}

bool known_host_entry_matches(const KnownHostEntry& entry, std::string_view name) {
  if (!entry.hashed) return match_host_pattern_list(name, entry.hosts) == PatternMatch::match;
  return hosts_match(entry.hosts, name).value_or(false);
}

HostKeyCheck check_host_key(const KnownHostsFile& file, std::span<const std::string> names,
                            const crypto::PublicKey& key) {
  const wire::Bytes wanted = encode_public_blob(key);
  auto covers = [&](const KnownHostEntry& e) {
    return std::ranges::any_of(names, [&](const std::string& n) { return known_host_entry_matches(e, n); });
  };
  for (const auto& e : file.entries) {
    if (e.marker == KnownHostMarker::revoked && e.key.type() == key.type() && covers(e) &&
        encode_public_blob(e.key) == wanted) {
      return {HostKeyStatus::revoked, e.line_number, std::nullopt, false};
    }
  }
  const KnownHostEntry* other = nullptr;
  bool other_types = false;
  for (const auto& e : file.entries) {
    if (e.marker != KnownHostMarker::none || !covers(e)) continue;
    if (e.key.type() != key.type()) {
      other_types = true;
      continue;
    }
    if (encode_public_blob(e.key) == wanted) return {HostKeyStatus::match, e.line_number, std::nullopt, false};
    other = &e;  // like OpenSSH, the last differing key is the one reported
  }
  if (other) return {HostKeyStatus::mismatch, other->line_number, other->key, false};
  return {HostKeyStatus::unknown, 0, std::nullopt, other_types};
}

std::string hash_known_host_name(std::string_view name, std::span<const std::uint8_t> salt) {
  crypto::Bytes fresh;
  if (salt.empty()) {
    fresh = crypto::random_bytes(kSaltBytes);
    salt = fresh;
  }
  crypto::Hmac mac(crypto::HashAlg::sha1, salt);
  crypto::Bytes digest =
      mac.compute(crypto::ByteView(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
  std::string out(kHashMagic);
  out += wire::base64_encode(salt);
  out += '|';
  out += wire::base64_encode(digest);
  return out;
}

std::string add_known_host(std::string_view text, std::string_view hosts, const crypto::PublicKey& key, bool hash,
                           std::string_view comment) {
  std::string out(text);
  if (!out.empty() && out.back() != '\n') out += '\n';
  std::string tail = " " + key_text(key);
  if (!comment.empty()) {
    tail += ' ';
    tail += comment;
  }
  tail += '\n';
  if (!hash) {
    out += lowered(hosts);
    out += tail;
    return out;
  }
  while (!hosts.empty()) {
    std::size_t comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    if (!host.empty()) {
      out += hash_known_host_name(lowered(host));
      out += tail;
    }
    hosts = comma == std::string_view::npos ? std::string_view{} : hosts.substr(comma + 1);
  }
  return out;
}

// kEditsIgnoreLineCap: the -F/-R/-H edits look at every line whatever its length, as
// ssh-keygen does (a line listing thousands of hosts is legitimate, and refusing to
// rewrite such a file would leave a stale key in place). Memory stays bounded by the
// caller's file cap and examining a line is linear in its length. Client look-ups
// (parse_known_hosts) keep the line cap and report such lines.
KnownHostsEdit remove_known_host(std::string_view text, std::string_view name, std::string_view file_name) {
  KnownHostsEdit edit;
  for_each_raw_line(text, [&](std::size_t number, std::string_view line) {
    LineView v = examine(line, name, false);
    if (v.kind == LineKind::ok && v.matched && v.marker == KnownHostMarker::none) {
      ++edit.changed;
      edit.report += "# Host " + std::string(name) + " found: line " + std::to_string(number) + "\n";
      return;
    }
    if (v.kind == LineKind::invalid) {
      edit.invalid = true;
      edit.warnings.push_back(warning(file_name, number, "invalid line"));
    }
    edit.text.append(line).push_back('\n');
  });
  return edit;
}

KnownHostsEdit hash_known_hosts(std::string_view text, std::string_view file_name) {
  KnownHostsEdit edit;
  for_each_raw_line(text, [&](std::size_t number, std::string_view line) {
    LineView v = examine(line, {}, false);
    if (v.kind == LineKind::ok) {
      if (hash_line(v, line, edit.text, false, file_name, number, edit.warnings)) ++edit.changed;
      return;
    }
    if (v.kind == LineKind::invalid) {
      edit.invalid = true;
      edit.warnings.push_back(warning(file_name, number, "invalid line"));
    }
    edit.text.append(line).push_back('\n');
  });
  return edit;
}

KnownHostsEdit find_known_host(std::string_view text, std::string_view name, bool hash_output, bool quiet) {
  KnownHostsEdit edit;
  std::vector<std::string> unused;  // ssh-keygen -F warns about nothing
  for_each_raw_line(text, [&](std::size_t number, std::string_view line) {
    LineView v = examine(line, name, true);
    if (v.kind != LineKind::ok || !v.matched) return;
    ++edit.changed;
    if (!quiet) {
      edit.report += "# Host " + std::string(name) + " found: line " + std::to_string(number) + " ";
      if (v.marker == KnownHostMarker::cert_authority) edit.report += "CA";
      if (v.marker == KnownHostMarker::revoked) edit.report += "REVOKED";
      edit.report += '\n';
    }
    if (hash_output) {
      hash_line(v, line, edit.report, true, {}, number, unused);
    } else {
      edit.report.append(line).push_back('\n');
    }
  });
  return edit;
}

}  // namespace skiff::keys
