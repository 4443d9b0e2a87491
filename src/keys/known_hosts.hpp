// known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host patterns or hashed names
// (|1|base64 salt|base64 HMAC-SHA1(salt, name)), an optional @cert-authority or @revoked
// marker, a public key and a comment. Look-ups for the client, and the edits that
// ssh-keygen -F / -R / -H make, as pure text-in, text-out functions (writing the file
// atomically is io/file_io.hpp's job).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "keys/text_lines.hpp"

namespace skiff::keys {

enum class KnownHostMarker : std::uint8_t { none, cert_authority, revoked };

struct KnownHostEntry {
  std::size_t line_number = 0;
  KnownHostMarker marker = KnownHostMarker::none;
  std::string hosts;  // the host field as written: pattern list or |1|salt|hash
  bool hashed = false;
  crypto::PublicKey key;
  std::string comment;
};

struct KnownHostsFile {
  std::vector<KnownHostEntry> entries;
  std::vector<KeyFileProblem> problems;  // bad lines, reported "<file>:<line>: ..." and skipped
};

// Lines whose key skiff cannot hold (ssh-dss, security keys, certificates) are problems
// too ("unsupported key type ..."), as are bad markers, broken "|1|" fields, bad base64,
// missing keys and lines over limits::kMaxKeyFileLine.
KnownHostsFile parse_known_hosts(std::string_view text, std::string_view file_name);

// The name a host is filed under: "host" for port 22, "[host]:port" otherwise
// (OpenSSH's put_host_port); the host is lowered.
std::string known_hosts_name(std::string_view host, std::uint16_t port);

// Whether an entry's host field covers name: hashed entries by HMAC-SHA1 (constant-time
// compare; name is hashed as given, so pass it lowered as ssh does), plain ones by
// match_host_pattern_list (a negated match is false).
bool known_host_entry_matches(const KnownHostEntry& entry, std::string_view name);

enum class HostKeyStatus : std::uint8_t {
  match,     // an entry for one of the names holds this key
  mismatch,  // no entry holds it, but one holds another key of the same type
  revoked,   // an @revoked entry holds this key (checked first; wins over match)
  unknown,   // no entry of this key type for these names
};

struct HostKeyCheck {
  HostKeyStatus status = HostKeyStatus::unknown;
  // match: the matching line; mismatch: the line with the other key (the last one, as
  // OpenSSH reports it); revoked: the @revoked line; 0 for unknown.
  std::size_t line_number = 0;
  std::optional<crypto::PublicKey> other_key;  // mismatch: the key on that line
  bool other_types_known = false;              // unknown: keys of other types exist
};

// names: the forms to look the host up under (e.g. known_hosts_name(host, port), and the
// address form for CheckHostIP); @cert-authority entries take no part (certificates).
HostKeyCheck check_host_key(const KnownHostsFile& file, std::span<const std::string> names,
                            const crypto::PublicKey& key);

// "|1|" base64(salt) "|" base64(HMAC-SHA1(salt, name)); a fresh 20-byte salt when
// salt is empty.
std::string hash_known_host_name(std::string_view name, std::span<const std::uint8_t> salt = {});

// Appends "hosts key-line\n" to text (adding a newline first if text does not end with
// one). hosts is a comma list of names; with hash, each name gets its own hashed line,
// as ssh does with HashKnownHosts.
std::string add_known_host(std::string_view text, std::string_view hosts, const crypto::PublicKey& key, bool hash,
                           std::string_view comment = {});

// The edits work on the file's lines as ssh-keygen 9.2 reads them: '\r' stays part of a
// line (so a CRLF file's blank line is an invalid line, as for ssh-keygen), a line ends
// at a NUL byte, every output line ends with '\n'. Lines are classified without decoding
// the key (only the type name is checked), like ssh-keygen; a line longer than
// limits::kMaxKeyFileLine counts as invalid.
//
// What the caller (skiff-keygen) prints itself, as ssh-keygen 9.2 does; <file> is the path
// as given, stderr lines end with "\r\n" like every ssh-keygen log line, each warning
// below is printed as warning + "\r\n" on stderr, report as is on stdout:
//   -F: report; exit status 1 when changed == 0.
//   -R, -H: report and warnings, then
//     invalid:        stderr "<file> is not a valid known_hosts file." and
//                     "Not replacing existing known_hosts file because of errors"; exit 1,
//                     file untouched;
//     -R, changed==0: stderr "Host <name> not found in <file>"; exit 0, file untouched;
//     otherwise:      <file>.old becomes a hard link to the original, text replaces <file>
//                     with mode (old mode & 0644), stdout "<file> updated.\n" and
//                     "Original contents retained as <file>.old\n"; for -H with changed>0
//                     also stderr "WARNING: <file>.old contains unhashed entries" and
//                     "Delete this file to ensure privacy of hostnames".
//   With -q ssh-keygen drops only the "# Host ... found" lines (-F: pass quiet; -R: drop
//   report); the stderr lines are still printed.
struct KnownHostsEdit {
  std::string text;      // the new file content (the unchanged lines byte for byte)
  std::string report;    // what ssh-keygen prints on stdout for the same operation
  std::size_t changed = 0;  // lines removed / lines whose names were hashed / lines found
  std::vector<std::string> warnings;  // what ssh-keygen prints on stderr, one per line
  bool invalid = false;  // -R/-H: the file had invalid lines; ssh-keygen leaves it alone
};

// ssh-keygen -R name: removes every unmarked line whose host field matches name (hashed
// or plain, whole line even when it lists other hosts); marker lines, comments and bad
// lines are kept as they are. file_name prefixes the warnings ("<file>:<line>: ...").
KnownHostsEdit remove_known_host(std::string_view text, std::string_view name, std::string_view file_name = {});

// ssh-keygen -H: every plain line with names gets one hashed line per name (names lowered;
// the list ends at its first empty name, as in ssh-keygen); lines with wildcards or
// negations, markers, comments and hashed lines are kept (with ssh-keygen's warnings).
KnownHostsEdit hash_known_hosts(std::string_view text, std::string_view file_name = {});

// ssh-keygen -F name [-H] [-q]: report holds exactly what ssh-keygen prints; changed
// counts the lines found. Invalid lines are skipped silently, as ssh-keygen does.
KnownHostsEdit find_known_host(std::string_view text, std::string_view name, bool hash_output, bool quiet);

}  // namespace skiff::keys
