// skiff-agent's event loop: the listening socket and its clients on poll(), each client's
// bytes through an agent::Framer into the shared agent::KeyStore (src/agent holds every
// protocol decision; this file only moves bytes, checks peers and asks the user).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "agent/key_store.hpp"

namespace skiff::agent_cli {

struct ServeOptions {
  int listen_fd = -1;
  bool debug = false;  // -d: one line per request on stderr
  // When running a command (skiff-agent command ...): the agent ends when this process
  // (the command) is gone, as ssh-agent checks every 10 seconds.
  pid_t watch_parent = 0;
  bool ignore_sigint = false;  // in the background, as ssh-agent
};

// Runs until SIGTERM, SIGHUP (or SIGINT when in the foreground) arrives, or the watched
// parent is gone; the caller blocks those signals beforehand (they are taken in ppoll
// only, so that one that came early is handled too).
// Returns the exit status.
int serve(agent::KeyStore& store, const ServeOptions& options);

// ssh-agent's ask_permission(): when DISPLAY or WAYLAND_DISPLAY is set, or
// SSH_ASKPASS_REQUIRE=force (and not =never), SSH_ASKPASS (else /usr/bin/ssh-askpass)
// runs with the prompt as its argument and SSH_ASKPASS_PROMPT=confirm; yes when it
// exits 0 and prints nothing or "yes". Anything else (no display, no program) is no.
bool ask_permission(const std::string& prompt);

// SO_PEERCRED: whether the peer may use the agent (root or our own uid, as ssh-agent);
// why is set when it may not.
bool peer_allowed(int fd, std::string& why);

}  // namespace skiff::agent_cli
