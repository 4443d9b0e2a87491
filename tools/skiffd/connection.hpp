// The per-connection entry point: everything one client connection needs, in the
// process that serves it (the re-executed child, the daemon itself under -d, or the
// process inetd started under -i).
//
// The body joins the public server API (skiff::ServerConnection), the privileged-action
// interface (system/privileged.hpp) and the configuration: auth_hooks.hpp answers the
// authentication hooks, session.hpp serves session channels (README.md, "A connection").
#pragma once

#include <string>

#include "setup.hpp"

namespace skiffd {

// The descriptors the daemon hands a re-executed connection child.
inline constexpr int kConnectionFd = 3;  // the accepted socket
inline constexpr int kStartupFd = 4;     // write end of the startup pipe (MaxStartups)

struct ConnectionEndpoints {
  int read_fd = -1;   // the socket, or stdin in inetd mode
  int write_fd = -1;  // the same socket, or stdout in inetd mode
  std::string peer_address = "UNKNOWN";
  int peer_port = 65535;
  std::string local_address = "UNKNOWN";
  int local_port = 65535;
  // The write end of the startup pipe (MaxStartups), in a child of the listener; -1
  // under -d and -i, where the descriptor number may be anything else (a log file).
  int startup_fd = -1;
};

// Serves one connection to its end; returns the process exit status (0 for an orderly
// end, 255 otherwise). Takes ownership of the descriptors. setup holds the parsed
// configuration (per-connection Match settings come from setup.file.for_connection),
// the loaded host keys and the log settings.
int serve_connection(const ConnectionEndpoints& endpoints, const Setup& setup);

// To be called once the user has authenticated: closes the startup pipe, so that the
// listener stops counting this connection against MaxStartups, and sets startup_fd to
// -1. Does nothing when there is no pipe (-d, -i) or after the first call.
void report_authenticated(int& startup_fd);

// Endpoints of a connected socket, addresses read from it.
ConnectionEndpoints endpoints_of_socket(int fd);

}  // namespace skiffd
