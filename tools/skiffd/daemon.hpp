// The listening daemon: detaches unless -D/-d, writes the PidFile, accepts connections
// and hands each to a new process (fork, then re-exec of skiffd with the socket on
// kConnectionFd), applies MaxStartups, restarts itself in place on SIGHUP and ends on
// SIGTERM/SIGINT/SIGQUIT leaving established connections alone.
#pragma once

#include <span>

#include "setup.hpp"

namespace skiffd {

// args: skiffd's own argv (args[0] absolute unless -r or -d), re-used for the children
// and for the SIGHUP restart. Returns the exit status.
int run_daemon(Setup& setup, std::span<const char* const> args);

}  // namespace skiffd
