// Decisions ssh makes about the session from its options alone (ssh.c main(),
// clientloop.c): whether to ask for a pty, whether stdin is read at all, whether
// escape sequences are active, and the exit status for the way a session ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "config/ssh_config.hpp"

namespace skiff::cli {

struct SessionFacts {
  bool has_command = false;         // a command on the command line
  bool has_remote_command = false;  // RemoteCommand set
  bool session_none = false;        // SessionType none (-N, -W)
  bool fork_after_auth = false;     // ForkAfterAuthentication (-f)
  bool stdin_null = false;          // StdinNull (-n, -f)
  bool mux_non_proxy = false;       // -O with anything but "proxy"
  bool stdin_is_tty = false;        // isatty(0)
};

// ssh's fatal checks before the tty decision: "Cannot execute command-line and remote
// command." and "Cannot fork into background without a command to execute."
// (Errc::invalid_argument carrying the text without line end).
Result<void> check_session(const SessionFacts& f);

// What ssh changes in its options after reading them (fill_default_options and ssh.c
// main()): ClearAllForwardings and ExitOnForwardFailure default to yes with -W, and
// ClearAllForwardings drops the forwards; HostKeyAlias is lowercased; UpdateHostKeys
// ask is turned off with a command, RemoteCommand, RequestTTY no, ControlPersist with a
// ControlPath, or a log level below INFO. -G prints the result.
void adjust_config(config::ClientConfig& cfg, const SessionFacts& f, bool stdio_forward);

// A yes/no (true/false) value, as ssh_config spells flags.
bool is_yes_no(std::string_view v);

struct TtyDecision {
  bool request_pty = false;
  // ssh then logs (at INFO) kNoPtyMessage.
  bool warn_not_terminal = false;
};

inline constexpr std::string_view kNoPtyMessage =
    "Pseudo-terminal will not be allocated because stdin is not a terminal.";

// RequestTTY yes/force always ask, auto asks when there is no command (and no
// RemoteCommand); no, SessionType none and -O never; stdin that is not a terminal (or
// -n/-f) cancels the request unless forced, with the message when one was wanted.
TtyDecision decide_tty(config::RequestTty request, const SessionFacts& f);

// The escape character in force: ssh honours EscapeChar only on a session with a pty
// (clientloop.c: escape_char_arg when tty_flag, else none).
std::optional<unsigned char> active_escape_char(int escape_char, bool have_pty);

// How the session ended, as the glue saw it.
struct SessionEnd {
  std::optional<std::uint32_t> exit_status;  // "exit-status" received
  bool exit_signal = false;                  // "exit-signal" received (ssh ignores it)
  bool session_none = false;                 // SessionType none (-N, -W)
  int local_signal = 0;                      // SIGTERM/SIGINT/SIGHUP that ended skiff
};

// ssh's exit status: the remote exit-status when one came (exit(3) keeps its low 8
// bits); 255 for a session without one (an exit-signal is only debug-logged by ssh, so
// a remote command killed by a signal gives 255 and no message), and 255 when a local
// signal ended the session, except SIGTERM with SessionType none (-N), which is 0.
int exit_status_for(const SessionEnd& end);

// "Connection to HOST closed.", printed (with "\r\n") after a session with a pty when
// LogLevel is INFO or more.
std::string connection_closed_message(std::string_view host);

}  // namespace skiff::cli
