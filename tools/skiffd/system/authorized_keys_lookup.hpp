// Public-key authorisation as sshd's auth2-pubkeyfile.c: every AuthorizedKeysFile, then
// AuthorizedKeysCommand, read with the user's identity (a forked reader when skiffd is
// root) and StrictModes, the first line whose key equals the offered one and whose
// from= and expiry-time= hold wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/sshd_config.hpp"
#include "system/privileged.hpp"
#include "system/server_log.hpp"

namespace skiff::skiffd {

struct KeyLookupContext {
  const UserAccount* user = nullptr;
  const config::ServerConfig* config = nullptr;
  const Peer* peer = nullptr;
  std::int64_t now = 0;  // seconds since the epoch, for expiry-time=
  ServerLog* log = nullptr;
};

std::optional<AuthorizedKeyMatch> lookup_authorized_key(const KeyLookupContext& ctx, const crypto::PublicKey& key);

// One file read for the user: with root privileges, in a child that took the user's
// identity first, so that permissions are the user's own.
struct UserFile {
  enum class Status : std::uint8_t { ok, missing, refused, failed } status = Status::failed;
  std::string text;  // the content (ok) or the reason (refused, failed)
};
UserFile read_user_file(const std::string& path, const UserAccount& user, bool strict_modes, std::size_t max_bytes);

// AuthorizedKeysCommand's argument tokens (%% %u %U %h %t %f %k); Errc::bad_format for
// an unknown one.
struct KeyTokens {
  std::string user, home, uid, key_type, fingerprint, key_base64;
};
Result<std::string> expand_key_command_token(std::string_view arg, const KeyTokens& t);

// The command line split into arguments as sshd's argv_split (whitespace separates,
// double or single quotes group, backslash escapes). Errc::bad_format when a quote is
// left open.
Result<std::vector<std::string>> split_command_line(std::string_view line);

}  // namespace skiff::skiffd
