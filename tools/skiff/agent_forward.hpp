// Agent forwarding of skiff (-A, ForwardAgent), as ssh does it: the session asks with
// auth-agent-req@openssh.com (no reply), and each "auth-agent@openssh.com" channel the
// server then opens is connected to the local agent: for ForwardAgent yes the agent
// skiff itself uses (IdentityAgent, else $SSH_AUTH_SOCK; none: no forwarding), or the
// socket ForwardAgent names (a path, or "$VAR" for an environment variable). Without an
// agent nothing is asked. A channel the session did not ask for is refused with ssh's
// warning.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>

#include <skiff/channel.hpp>

#include "config/ssh_config.hpp"
#include "log.hpp"

namespace skiff::cli {

class AgentForwarder {
 public:
  // From ForwardAgent (already token-expanded by main): off for "no" or unset.
  AgentForwarder(const config::ClientConfig& cfg, const Log& log);
  bool enabled() const { return enabled_; }
  // ssh_session2_setup's part: the request on a session channel (when enabled).
  void request(ClientSession& session);
  // The channel_open hook's part for an auth-agent@openssh.com channel.
  static asio::awaitable<void> handle(std::shared_ptr<AgentForwarder> self, IncomingChannel in);

 private:
  bool enabled_ = false;
  std::optional<std::string> socket_path_;  // the agent's socket (empty: none)
  const Log& log_;
};

}  // namespace skiff::cli
