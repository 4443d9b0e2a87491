// skiff's connection from start to end, as ssh.c main() continues after reading its
// options: reach the server (connect.hpp), check its host key against known_hosts
// (host_key_check.hpp), authenticate (identities with the private key loaded only on
// PK_OK, keyboard-interactive and password prompts on /dev/tty or through SSH_ASKPASS),
// then the session (client_session.hpp).
#pragma once

#include <optional>
#include <string>

#include "config/ssh_config.hpp"
#include "forward_spec.hpp"
#include "identities.hpp"
#include "log.hpp"

namespace skiff::cli {

struct ConnectionInput {
  const config::ClientConfig& cfg;
  const config::ClientContext& ctx;
  const IdentityList& identities;
  std::optional<std::string> command;  // nullopt: a shell (or nothing with SessionType none)
  bool request_pty = false;
  int log_fd = 2;  // stderr, or the -E file
  std::optional<ForwardSpec> stdio_forward;  // -W: its listen end is the destination
};

// Runs it all; returns skiff's exit status (the remote command's, or 255).
int run_connection(const ConnectionInput& in);

}  // namespace skiff::cli
