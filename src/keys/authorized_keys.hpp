// authorized_keys (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): one key per line, optionally
// preceded by comma-separated options, parsed here into typed values. Parsing never
// fails for a whole file: a bad line is reported with its number and skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "keys/text_lines.hpp"

namespace skiff::keys {

struct AuthorizedKeyOptions {
  std::optional<std::string> command;    // command="..." (unescaped)
  std::vector<std::string> environment;  // environment="NAME=value", in order
  std::optional<std::string> from;       // from="pattern-list" (checked when parsing that
                                         // CIDR entries are well formed)
  std::vector<std::string> permitopen;   // permitopen="host:port" (port may be '*')
  std::vector<std::string> permitlisten; // permitlisten="[host:]port"
  std::optional<std::int64_t> expiry_time;  // expiry-time="YYYYMMDD[HHMM[SS]][Z]" as
                                            // seconds since the epoch (local time unless Z)
  std::optional<std::string> principals;    // principals="name,..." (certificates)
  std::optional<std::string> tunnel;        // tunnel="n"
  bool cert_authority = false;
  // Permissions: all true by default; "restrict" clears them all, and the permits after it
  // (pty, port-forwarding, agent-forwarding, x11-forwarding, user-rc) set them again;
  // no-pty, no-port-forwarding, ... clear one.
  bool pty = true;
  bool port_forwarding = true;
  bool agent_forwarding = true;
  bool x11_forwarding = true;
  bool user_rc = true;
  bool no_touch_required = false;  // FIDO keys: accepted and kept, skiff has no sk keys
  bool verify_required = false;
};

struct AuthorizedKey {
  std::size_t line_number = 0;
  AuthorizedKeyOptions options;
  crypto::PublicKey key;
  std::string comment;
};

// One line (no newline; a trailing '\r' is ignored). Option names are case-insensitive;
// quoted values allow '\"' (and a backslash before anything else stays); an unknown option,
// a missing or unterminated quote, a bad expiry time or CIDR is Errc::bad_format with a
// message naming the option. A line that is blank or a '#' comment is Errc::not_found.
Result<AuthorizedKey> parse_authorized_key_line(std::string_view line);

struct AuthorizedKeysFile {
  std::vector<AuthorizedKey> keys;
  std::vector<KeyFileProblem> problems;
};

// The whole file: blank and comment lines skipped, bad lines (including lines longer than
// limits::kMaxKeyFileLine) reported in problems and skipped.
AuthorizedKeysFile parse_authorized_keys(std::string_view text, std::string_view file_name);

// The options in force after a login that verified more than one key (AuthenticationMethods
// "publickey,publickey"), as sshd's sshauthopt_merge: each permission only if both lines
// grant it, the earlier expiry, the first forced command and permitopen/permitlisten list
// that is set, the environment of both.
AuthorizedKeyOptions merge_most_restrictive(const AuthorizedKeyOptions& first, const AuthorizedKeyOptions& then);

}  // namespace skiff::keys
