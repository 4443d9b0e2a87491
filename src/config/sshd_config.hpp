// sshd_config(5) as OpenSSH 9.2's sshd reads it, into plain values.
//
// ServerConfigFile::parse() reads the file once (Includes through the caller's
// IncludeResolver, relative names under /etc/ssh), checks every line as sshd does
// (unknown keyword, bad value, keyword not allowed inside Match) and keeps the lines
// with the Match block they belong to. global() gives the settings outside any Match
// (what `sshd -T` prints without -C); for_connection() gives those of one connection:
// the lines of every Match block whose criteria (User, Group, Host, Address,
// LocalAddress, LocalPort, All) all hold, first value wins among them, override the
// global ones, as sshd's parse_server_match_config + copy_set_server_options.
//
// Errors: Errc::bad_format with sshd's lines ("file: line N: Bad configuration option:
// X", "file line N: Directive 'X' is not allowed within a Match block", ...) and
// "file: terminating, N bad configuration options" (sshd sends that last line to its
// log through fatal(); the caller prints the message as it likes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_text.hpp"
#include "config/ssh_config.hpp"

namespace skiff::config {

// What Match is evaluated against (sshd -C user=,host=,addr=,laddr=,lport=). An empty
// field never matches its criterion.
struct ConnectionInfo {
  std::string user;
  std::string host;           // the client's name (UseDNS) or its address
  std::string address;        // client address, textual
  std::string local_address;  // address the connection arrived on
  int local_port = -1;
};

// The names of the groups user belongs to (Match Group); empty when unknown.
using GroupLookup = std::function<std::vector<std::string>(std::string_view user)>;

enum class PermitRootLogin : std::uint8_t { yes, prohibit_password, forced_commands_only, no };

struct MaxStartups {
  int begin = 10, rate = 30, full = 100;
};

struct ServerConfig {
  std::vector<std::uint16_t> ports;              // default {22}
  std::vector<std::string> listen_addresses;     // "host:port" as sshd -T prints them
  std::vector<std::string> host_keys;            // default: Debian's four files that exist is the caller's job
  AddressFamily address_family = AddressFamily::any;
  PermitRootLogin permit_root_login = PermitRootLogin::prohibit_password;
  bool pubkey_authentication = true;
  bool password_authentication = true;
  bool kbd_interactive_authentication = true;
  bool use_pam = false;
  std::vector<std::string> authentication_methods;  // empty: "any"
  std::vector<std::string> authorized_keys_files{".ssh/authorized_keys", ".ssh/authorized_keys2"};
  std::string authorized_keys_command;       // empty: none
  std::string authorized_keys_command_user;  // empty: none
  std::vector<std::string> allow_users, deny_users, allow_groups, deny_groups;
  int max_auth_tries = 6;
  int max_sessions = 10;
  MaxStartups max_startups;
  int login_grace_time = 120;  // seconds, 0: none
  int client_alive_interval = 0;
  int client_alive_count_max = 3;
  bool permit_empty_passwords = false;
  std::string permit_user_environment = "no";  // yes, no, or a pattern list
  std::vector<std::string> accept_env, set_env;
  std::vector<std::pair<std::string, std::string>> subsystems;  // name, command line
  std::string force_command;                                    // empty: none
  bool permit_tty = true;
  bool print_motd = true;
  bool print_last_log = true;
  std::string banner;            // empty: none
  bool strict_modes = true;
  std::string chroot_directory;  // empty: none
  std::vector<std::string> ciphers, macs, kex_algorithms, host_key_algorithms, pubkey_accepted_algorithms;
  RekeyLimit rekey_limit;
  std::string log_level = "INFO";
  std::string syslog_facility = "AUTH";
  std::string pid_file = "/run/sshd.pid";
  // Everything else (forwarding, X11, ...), as written: lowercase keyword -> one
  // entry per kept line, arguments joined by a space.
  std::map<std::string, std::vector<std::string>> other;

  std::optional<std::string> get(std::string_view keyword) const;
};

class ServerConfigFile {
 public:
  // command_line: -o options, applied before the file (first wins).
  // ports_from_command_line: sshd -p was given, so the files' Port lines are checked but
  // ignored (the ports are among command_line as "Port N").
  static Result<ServerConfigFile> parse(std::string_view name, std::string_view text, const IncludeResolver& include,
                                        const std::vector<std::string>& command_line = {},
                                        bool ports_from_command_line = false);

  // Whether any line outside Match (command line included) sets this keyword
  // (canonical, lowercase): lets a caller supply its own defaults.
  bool sets(std::string_view keyword) const;

  Result<ServerConfig> global() const;
  // "file line N: Deprecated option X" / "... Unsupported option X": what sshd logs
  // while accepting such a line (at most limits::kMaxConfigDiagnostics).
  const std::vector<std::string>& warnings() const { return warnings_; }
  Result<ServerConfig> for_connection(const ConnectionInfo& conn, const GroupLookup& groups) const;

 private:
  friend struct ServerParser;
  struct Line {
    std::string keyword;  // canonical, lowercase
    std::vector<std::string> args;
    std::string rest;
    int block = -1;  // index into blocks_, -1 outside Match
    bool cumulative = false;
  };
  std::vector<Line> lines_;
  std::vector<std::vector<std::string>> blocks_;  // each Match line's criteria
  std::vector<std::string> warnings_;
  bool ports_from_command_line_ = false;

  Result<ServerConfig> evaluate(const ConnectionInfo* conn, const GroupLookup* groups) const;
};

// Whether one Match line's criteria all hold for conn (nullptr: the global pass, where
// only "Match all" holds). Criteria were checked by parse().
bool block_matches_for(const std::vector<std::string>& criteria, const ConnectionInfo* conn,
                       const GroupLookup* groups);

// AuthorizedKeysFile / AuthorizedKeysCommand tokens: %% %h (home) %u (user) %U (uid);
// a relative result is taken under home, as sshd. Errc::bad_format for an unknown token.
Result<std::string> expand_authorized_keys_path(std::string_view pattern, std::string_view user,
                                                std::string_view home, std::uint32_t uid);

// Like `sshd -T`: "keyword value" lines, lowercase, in sshd's order for the keywords
// skiff knows, followed by the kept ones.
std::string dump_server_config(const ServerConfig& cfg);

}  // namespace skiff::config
