// What every skiffd process works from: the command line, the configuration read with
// the defaults of its mode (root: a system daemon; an ordinary user: a daemon for that
// user alone, with its files under ~/.skiff/skiffd), the host keys and the log settings.
#pragma once

#include <string>
#include <vector>

#include <skiff/key.hpp>

#include "config/sshd_config.hpp"
#include "log.hpp"
#include "options.hpp"

namespace skiffd {

inline constexpr const char* kSystemConfigFile = "/etc/skiff/skiffd_config";
inline constexpr const char* kSystemPidFile = "/run/skiffd.pid";
inline constexpr const char* kSystemHostKeyDir = "/etc/skiff";
// An ordinary user cannot bind ports below 1024.
inline constexpr std::uint16_t kUserDefaultPort = 2222;

struct Setup {
  Options options;
  std::string config_name;  // the file read, or "none"
  skiff::config::ServerConfigFile file;
  skiff::config::ServerConfig config;  // the settings outside Match (global())
  bool ordinary_user = false;          // not root: serves only user_name
  std::string user_name;
  std::string state_dir;               // ordinary user: ~/.skiff/skiffd
  bool default_host_keys = false;      // no HostKey/-h: the mode's default files
  std::vector<skiff::PrivateKey> host_keys;
  std::vector<std::uint8_t> timing_secret;  // from the host key files (server_options.hpp)
  LogSettings log;
};

// Exit status and message of a failed set-up step, as sshd would end.
struct SetupFailure {
  int exit_code;
  std::string message;  // may hold several lines; printed as is
};

// Reads the configuration (the -f file, the mode's default file if it exists, or
// none) with -o, -p, -h, -4/-6, -g, -q and -d applied as sshd applies them.
std::expected<Setup, SetupFailure> load_configuration(const Options& options);

// Ordinary user: makes state_dir (0700) and, with the default host keys, the missing
// ones (ed25519, ecdsa P-256, rsa 3072) in it, 0600, with their .pub beside them.
std::expected<void, SetupFailure> prepare_user_files(const Setup& setup);

// Loads every HostKey as sshd does: a key file that its owner (when that is us) left
// group- or world-accessible is refused with sshd's warning; a key that cannot be read
// is reported and skipped; none at all is a failure (exit 1).
std::expected<void, SetupFailure> load_host_keys(Setup& setup);

// The log settings the configuration asks for (-d, -e, -E, -q, LogLevel, SyslogFacility).
LogSettings log_settings_for(const Options& options, const skiff::config::ServerConfig& config);

}  // namespace skiffd
