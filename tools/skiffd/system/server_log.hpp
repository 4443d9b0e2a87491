// skiffd's log: syslog (ident "skiffd", SyslogFacility, LogLevel), plus stderr with -e
// (or -d/-D in the foreground) and a file with -E, as sshd's log.c. The typed functions
// write the lines other programs read (fail2ban, logwatch) in OpenSSH's exact wording.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"

namespace skiff::skiffd {

struct Peer;
enum class AuthMethod : std::uint8_t;

// sshd's LogLevel names, least verbose first.
enum class LogLevel : std::uint8_t { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

// "INFO" -> LogLevel::info ("DEBUG" is debug1), case-insensitive; Errc::bad_format else.
Result<LogLevel> parse_log_level(std::string_view name);
// "AUTH", "AUTHPRIV", "DAEMON", "USER", "LOCAL0".."LOCAL7" -> LOG_* facility value.
Result<int> parse_syslog_facility(std::string_view name);

struct LogOptions {
  LogLevel level = LogLevel::info;
  int facility = -1;          // LOG_AUTH when negative
  bool to_syslog = true;
  bool to_stderr = false;     // -e, -d
  std::string file;           // -E: append here instead of syslog and stderr
};

class ServerLog {
 public:
  explicit ServerLog(LogOptions options);
  ~ServerLog();
  ServerLog(const ServerLog&) = delete;
  ServerLog& operator=(const ServerLog&) = delete;

  // Lines of the network side (log_network, connection_closed) carry " [preauth]" until
  // set_preauth(false), as those of sshd's network child; the privileged side's lines
  // ("Accepted ...", "Failed ...", "Invalid user ...") never do.
  void set_preauth(bool preauth) { preauth_ = preauth; }
  bool enabled(LogLevel level) const { return level <= options_.level && level != LogLevel::quiet; }
  void log(LogLevel level, std::string_view message);
  void error(std::string_view m) { log(LogLevel::error, m); }
  void info(std::string_view m) { log(LogLevel::info, m); }
  void verbose(std::string_view m) { log(LogLevel::verbose, m); }
  void debug(std::string_view m) { log(LogLevel::debug1, m); }
  void log_network(LogLevel level, std::string_view message);
  // A line some other filter already let through (internal-sftp's -l level, as sshd's
  // child re-initialises its log): written whatever LogLevel says, except quiet.
  void log_forced(LogLevel level, std::string_view message);

  // "Connection from A port P on L port LP" (sshd logs it at VERBOSE).
  void connection_from(const Peer& peer);
  // "Accepted password for U from A port P ssh2"
  // "Accepted publickey for U from A port P ssh2: ED25519 SHA256:..."
  void accepted(AuthMethod method, std::string_view user, const Peer& peer, const crypto::PublicKey* key);
  // "Failed password for [invalid user ]U from A port P ssh2" (publickey and
  // keyboard-interactive likewise, the key's type and fingerprint after publickey).
  void failed(AuthMethod method, std::string_view user, bool valid_user, const Peer& peer,
              const crypto::PublicKey* key);
  // "Invalid user U from A port P"
  void invalid_user(std::string_view user, const Peer& peer);
  // "Connection closed by [authenticating user U |invalid user U ]A port P [preauth]"
  void connection_closed(std::optional<std::string_view> user, bool valid_user, const Peer& peer);
  // "Disconnected from user U A port P", after authentication.
  void disconnected(std::string_view user, const Peer& peer);
  // Before authentication: "Disconnected from [authenticating user U |invalid user U ]A
  // port P [preauth]".
  void disconnected_preauth(std::optional<std::string_view> user, bool valid_user, const Peer& peer);
  // "Received disconnect from A port P:R: text" (the peer's DISCONNECT message).
  void received_disconnect(const Peer& peer, std::uint32_t reason, std::string_view description);
  // "error: maximum authentication attempts exceeded for [invalid user ]U from A port P
  // ssh2 [preauth]"
  void max_tries_exceeded(std::string_view user, bool valid_user, const Peer& peer);

  // The method's name as sshd prints it ("password", "publickey", "keyboard-interactive").
  static std::string_view method_name(AuthMethod method);

 private:
  void write_line(LogLevel level, std::string_view message);

  LogOptions options_;
  bool preauth_ = true;
  std::FILE* file_ = nullptr;
};

}  // namespace skiff::skiffd
