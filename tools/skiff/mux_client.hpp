// The client side of connection sharing, as ssh's muxclient() (mux.c): a skiff that finds
// a ControlMaster at its ControlPath hands it the work instead of connecting. With -O it
// sends one control command (check, exit, stop, forward, cancel); otherwise it asks for
// a session (or, with -W, a stdio forward), passes its stdin, stdout and stderr to the
// master over the socket (SCM_RIGHTS), and waits for the exit status. Synchronous, as
// ssh's: the process does nothing else meanwhile.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "log.hpp"
#include "mux_protocol.hpp"

namespace skiff::cli {

struct MuxClientRequest {
  std::string control_path;
  // "" (a session, or the stdio forward), or -O's: "check", "exit", "stop", "forward",
  // "cancel", "proxy".
  std::string command;
  bool control_master_no = true;  // ControlMaster no: a stale socket is left alone
  std::optional<std::pair<std::string, std::uint32_t>> stdio_forward;  // -W host:port
  mux::NewSession session;       // flags, escape char, term, command, environment
  std::vector<mux::Forward> forwards;  // requested before the session, and by -O forward/cancel
  bool stdin_null = false;       // -n: the master gets /dev/null as stdin
  bool fork_after_auth = false;  // -f: to the background once the session is open
  bool force_pty = false;        // -tt: raw mode quietly
  std::string host;              // "Shared connection to HOST closed."
  int connect_timeout = 0;       // seconds, for the hello exchange
};

// nullopt: there is no master to use (the socket does not exist or is stale): connect
// directly. Otherwise skiff's exit status.
std::optional<int> run_mux_client(const MuxClientRequest& request, const Log& log);

// Sends one descriptor over a Unix socket as ssh's mm_send_fd does (one byte of data
// carrying SCM_RIGHTS); and receives one. -1 / errno on failure.
int send_fd(int socket, int fd);
int receive_fd(int socket);

}  // namespace skiff::cli
