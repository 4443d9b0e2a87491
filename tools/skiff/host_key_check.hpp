// The server's host key against the known_hosts files, as ssh 9.2 (sshconnect.c
// check_host_key, with Debian's "remove with" hint) decides and words it: first
// contact (ask with the fingerprint, accept-new, strict refusal), a changed key (the
// loud warning; refused unless StrictHostKeyChecking is no/off, which then continues
// without password and keyboard-interactive authentication), a revoked key, the
// [host]:port names for ports other than 22 (with the plain name tried too), HostKeyAlias,
// HashKnownHosts and VisualHostKey. CheckHostIP and KnownHostsCommand are not done.
//
// Files are passed in as text; the question, the log lines and the append to the user's
// known_hosts file go through HostKeyUi, so that tests can drive all of it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skiff/key.hpp>

#include "config/ssh_config.hpp"

namespace skiff::cli {

struct KnownHostsText {
  std::string path;                 // as ssh names it in messages (expanded)
  std::optional<std::string> text;  // nullopt: the file does not exist (or is unreadable)
};

struct HostKeyQuery {
  std::string host;     // the host name connected to (HostName, lowercased)
  std::string address;  // the peer's numeric address; empty through a ProxyCommand
  std::uint16_t port = 22;
  std::optional<std::string> host_key_alias;  // HostKeyAlias: the name, as is, no port
  PublicKey key;                              // what the server sent
  std::vector<KnownHostsText> user_files;     // UserKnownHostsFile; [0] is written
  std::vector<KnownHostsText> system_files;   // GlobalKnownHostsFile
  config::StrictHostKeyChecking strict = config::StrictHostKeyChecking::ask;
  bool hash_known_hosts = false;
  bool visual_host_key = false;
  bool batch_mode = false;
  std::string home;  // $HOME, to show user files as ~/... in the "other names" list
};

enum class LogLevel : std::uint8_t { fatal, error, info };

struct HostKeyUi {
  // One of ssh's log lines (it may hold '\n'; the caller ends it with "\r\n" on stderr
  // when LogLevel lets that level through).
  std::function<void(LogLevel, std::string_view)> log;
  // ssh's confirm(): the prompt on /dev/tty with echo; nullopt when there is no terminal.
  std::function<std::optional<std::string>(std::string_view prompt)> ask;
  // Appends one line (with its '\n') to the file, creating ~/.ssh (0700) when that is
  // where it goes; false when it could not be written.
  std::function<bool(const std::string& path, std::string_view line)> append;
};

struct HostKeyDecision {
  bool accepted = false;
  // A changed or revoked key accepted under StrictHostKeyChecking no/off: ssh turns these
  // off (and says so) before authenticating.
  bool disable_password_auth = false;
  bool disable_kbd_interactive_auth = false;
  bool disable_forwarding = false;  // agent, X11, ports and tunnels
};

// Options ssh disables in the unsafe case, as the caller's configuration says they are on.
struct UnsafeContinuation {
  bool password_auth = true;
  bool kbd_interactive_auth = true;
  bool forward_agent = false;
  bool forward_x11 = false;
  bool port_forwards = false;
  bool tunnel = false;
  bool update_host_keys = false;         // UpdateHostKeys on: ssh says it turns it off
  bool exit_on_forward_failure = false;  // then a cancelled forwarding is fatal
};

// Decides, logs ssh's lines, asks when it must, records the key when it may. A refusal
// ends with the fatal line "Host key verification failed.".
HostKeyDecision verify_host_key(const HostKeyQuery& q, const UnsafeContinuation& unsafe, const HostKeyUi& ui);

// The query for a connection as ssh builds it from its options: the host name
// (lowercased unless it is an address), HostKeyAlias (lowercased), the user files and
// then the global ones, read through read_file (nullopt: missing or unreadable; a list
// of just "none" is no file), StrictHostKeyChecking, HashKnownHosts, VisualHostKey,
// BatchMode.
HostKeyQuery make_host_key_query(const config::ClientConfig& cfg, std::string_view address, PublicKey key,
                                 std::string home,
                                 const std::function<std::optional<std::string>(const std::string&)>& read_file);

// What the configuration has on that a changed key accepted under StrictHostKeyChecking
// no/off turns off (see verify_host_key).
UnsafeContinuation unsafe_continuation(const config::ClientConfig& cfg);

// The system HostKeyUi: stderr is the caller's (log is left empty), ask reads
// /dev/tty with echo, append opens the file in append mode (creating ~/.ssh 0700).
HostKeyUi system_host_key_ui(std::string home, std::function<void(LogLevel, std::string_view)> log);

// "ED25519", "ECDSA", "RSA" (ssh's sshkey_type()).
std::string_view key_type_label(KeyType type);

}  // namespace skiff::cli
