#include "system/server_log.hpp"

#include <syslog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "keys/fingerprint.hpp"
#include "keys/ssh_key.hpp"
#include "system/privileged.hpp"

namespace skiff::skiffd {

namespace {

std::string upper(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

// sshd's sshkey_type(): the short upper-case family name.
std::string_view key_family(crypto::KeyType t) {
  switch (t) {
    case crypto::KeyType::ed25519: return "ED25519";
    case crypto::KeyType::ecdsa_p256:
    case crypto::KeyType::ecdsa_p384:
    case crypto::KeyType::ecdsa_p521: return "ECDSA";
    case crypto::KeyType::rsa: break;
  }
  return "RSA";
}

std::string key_suffix(const crypto::PublicKey* key) {
  if (key == nullptr) return {};
  return ": " + std::string(key_family(key->type())) + " " + keys::fingerprint_sha256(keys::encode_public_blob(*key));
}

std::string from_peer(const Peer& p) {
  return "from " + p.address.substr(0, 200) + " port " + std::to_string(p.port);
}

std::string who_prefix(std::optional<std::string_view> user, bool valid_user) {
  if (!user) return {};
  return std::string(valid_user ? "authenticating user " : "invalid user ") + std::string(user->substr(0, 100)) + " ";
}

}  // namespace

Result<LogLevel> parse_log_level(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, LogLevel>, 9> kNames{{
      {"QUIET", LogLevel::quiet}, {"FATAL", LogLevel::fatal}, {"ERROR", LogLevel::error},
      {"INFO", LogLevel::info}, {"VERBOSE", LogLevel::verbose}, {"DEBUG", LogLevel::debug1},
      {"DEBUG1", LogLevel::debug1}, {"DEBUG2", LogLevel::debug2}, {"DEBUG3", LogLevel::debug3},
  }};
  std::string u = upper(name);
  for (const auto& [n, l] : kNames)
    if (u == n) return l;
  return fail(Errc::bad_format, "unsupported log level '" + std::string(name) + "'");
}

Result<int> parse_syslog_facility(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 12> kNames{{
      {"DAEMON", LOG_DAEMON}, {"USER", LOG_USER}, {"AUTH", LOG_AUTH}, {"AUTHPRIV", LOG_AUTHPRIV},
      {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1}, {"LOCAL2", LOG_LOCAL2}, {"LOCAL3", LOG_LOCAL3},
      {"LOCAL4", LOG_LOCAL4}, {"LOCAL5", LOG_LOCAL5}, {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7},
  }};
  std::string u = upper(name);
  for (const auto& [n, f] : kNames)
    if (u == n) return f;
  return fail(Errc::bad_format, "unsupported log facility '" + std::string(name) + "'");
}

ServerLog::ServerLog(LogOptions options) : options_(std::move(options)) {
  if (!options_.file.empty()) {
    file_ = std::fopen(options_.file.c_str(), "a");
    if (file_ != nullptr) std::setvbuf(file_, nullptr, _IOLBF, 0);
  }
  if (options_.to_syslog && options_.file.empty())
    ::openlog("skiffd", LOG_PID, options_.facility < 0 ? LOG_AUTH : options_.facility);
}

ServerLog::~ServerLog() {
  if (file_ != nullptr) std::fclose(file_);
  if (options_.to_syslog && options_.file.empty()) ::closelog();
}

void ServerLog::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  write_line(level, message);
}

void ServerLog::log_forced(LogLevel level, std::string_view message) {
  if (level != LogLevel::quiet) write_line(level, message);
}

void ServerLog::write_line(LogLevel level, std::string_view message) {
  std::string_view prefix;
  int priority = LOG_INFO;
  switch (level) {
    case LogLevel::quiet:
    case LogLevel::info:
    case LogLevel::verbose: break;
    case LogLevel::fatal: prefix = "fatal: "; priority = LOG_CRIT; break;
    case LogLevel::error: prefix = "error: "; priority = LOG_ERR; break;
    case LogLevel::debug1: prefix = "debug1: "; priority = LOG_DEBUG; break;
    case LogLevel::debug2: prefix = "debug2: "; priority = LOG_DEBUG; break;
    case LogLevel::debug3: prefix = "debug3: "; priority = LOG_DEBUG; break;
  }
  // Control characters from the peer (user names) must not forge log lines.
  std::string line(prefix);
  for (char c : message.substr(0, 1024)) line.push_back(std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c);
  // On stderr and in -E files sshd leaves "error: " out, as here.
  std::string_view plain = std::string_view(line).substr(level == LogLevel::error ? prefix.size() : 0);
  if (file_ != nullptr) {
    std::fprintf(file_, "%.*s\n", static_cast<int>(plain.size()), plain.data());
    return;
  }
  if (options_.to_stderr) std::fprintf(stderr, "%.*s\r\n", static_cast<int>(plain.size()), plain.data());
  if (options_.to_syslog) ::syslog(priority, "%s", line.c_str());
}

void ServerLog::log_network(LogLevel level, std::string_view message) {
  if (!preauth_) return log(level, message);
  log(level, std::string(message) + " [preauth]");
}

std::string_view ServerLog::method_name(AuthMethod method) {
  switch (method) {
    case AuthMethod::none: return "none";
    case AuthMethod::password: return "password";
    case AuthMethod::publickey: return "publickey";
    case AuthMethod::keyboard_interactive: break;
  }
  return "keyboard-interactive/pam";
}

void ServerLog::connection_from(const Peer& peer) {
  verbose("Connection from " + peer.address + " port " + std::to_string(peer.port) + " on " + peer.local_address +
          " port " + std::to_string(peer.local_port));
}

void ServerLog::accepted(AuthMethod method, std::string_view user, const Peer& peer, const crypto::PublicKey* key) {
  info("Accepted " + std::string(method_name(method)) + " for " + std::string(user.substr(0, 100)) + " " +
       from_peer(peer) + " ssh2" + key_suffix(key));
}

void ServerLog::failed(AuthMethod method, std::string_view user, bool valid_user, const Peer& peer,
                       const crypto::PublicKey* key) {
  info("Failed " + std::string(method_name(method)) + " for " + (valid_user ? "" : "invalid user ") +
       std::string(user.substr(0, 100)) + " " + from_peer(peer) + " ssh2" + key_suffix(key));
}

void ServerLog::invalid_user(std::string_view user, const Peer& peer) {
  info("Invalid user " + std::string(user.substr(0, 100)) + " " + from_peer(peer));
}

void ServerLog::connection_closed(std::optional<std::string_view> user, bool valid_user, const Peer& peer) {
  log_network(LogLevel::info, "Connection closed by " + who_prefix(user, valid_user) + peer.address.substr(0, 200) + " port " +
                                  std::to_string(peer.port));
}

void ServerLog::disconnected_preauth(std::optional<std::string_view> user, bool valid_user, const Peer& peer) {
  log_network(LogLevel::info, "Disconnected from " + who_prefix(user, valid_user) + peer.address.substr(0, 200) +
                                  " port " + std::to_string(peer.port));
}

void ServerLog::received_disconnect(const Peer& peer, std::uint32_t reason, std::string_view description) {
  log_network(LogLevel::info, "Received disconnect from " + peer.address.substr(0, 200) + " port " +
                                  std::to_string(peer.port) + ":" + std::to_string(reason) + ": " +
                                  std::string(description.substr(0, 400)));
}

void ServerLog::max_tries_exceeded(std::string_view user, bool valid_user, const Peer& peer) {
  log_network(LogLevel::error, "maximum authentication attempts exceeded for " +
                                   std::string(valid_user ? "" : "invalid user ") + std::string(user.substr(0, 100)) +
                                   " " + from_peer(peer) + " ssh2");
}

void ServerLog::disconnected(std::string_view user, const Peer& peer) {
  info("Disconnected from user " + std::string(user.substr(0, 100)) + " " + peer.address.substr(0, 200) + " port " +
       std::to_string(peer.port));
}

}  // namespace skiff::skiffd
