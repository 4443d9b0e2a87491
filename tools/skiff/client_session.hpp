// The session of an authenticated connection, as ssh's client loop runs it
// (clientloop.c, ssh.c ssh_session2): a session channel with pty-req (TERM, window size,
// terminal modes), env from SendEnv and SetEnv, then exec or shell; stdin to the
// channel (its end becomes the channel's EOF), the channel's data to stdout and its
// extended data to stderr, binary-safe and with backpressure both ways. With a pty: the
// local terminal in raw mode (terminal.hpp), the escape sequences (escape.hpp), SIGWINCH
// as window-change. SIGHUP/SIGINT/SIGQUIT/SIGTERM end the session. Without a session
// (-N), it waits until the connection ends or a signal arrives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <skiff/client.hpp>

#include "log.hpp"
#include "agent_forward.hpp"
#include "forwarding.hpp"
#include "x11_forward.hpp"

namespace skiff::cli {

struct SessionSetup {
  bool session_none = false;         // -N: no channel at all
  bool request_pty = false;          // the RequestTTY decision
  bool force_pty = false;            // RequestTTY force (-tt): raw mode even without a local terminal
  std::optional<std::string> command;  // exec; nullopt: shell
  bool subsystem = false;            // -s / SessionType subsystem: `command` names a subsystem
  bool stdin_null = false;           // -n / -f: the channel gets EOF at once
  bool fork_after_auth = false;      // -f: go to the background once the session is set up
  int escape_char = '~';             // EscapeChar (-1: none); honoured only with a pty
  std::vector<std::string> send_env;  // SendEnv patterns
  std::vector<std::string> set_env;   // SetEnv NAME=VALUE
  std::string host;                  // for "Connection to HOST closed."
  X11Forwarder* x11 = nullptr;       // -X/-Y: asks for X11 forwarding on the session
  AgentForwarder* agent = nullptr;   // -A: asks for agent forwarding on the session
  bool no_more_sessions = false;     // send no-more-sessions@openssh.com once ours is open
  bool command_line = false;         // EnableEscapeCommandline: ~C reads an "ssh> " command
  Forwarding* forwarding = nullptr;  // what ~C adds forwards to and cancels them from
};

// The exit status skiff ends with: the remote command's, or 255 (and ssh's messages).
asio::awaitable<int> run_session(asio::io_context& io, Client& client, const SessionSetup& setup, Log& log);

}  // namespace skiff::cli
