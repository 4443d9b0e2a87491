// The keys of an SSH agent as ssh 9.2 uses them (sshconnect2.c pubkey_prepare): the agent
// named by IdentityAgent ("none" disables it, "SSH_AUTH_SOCK" or "$VAR" name an
// environment variable, anything else is a path, already expanded by main) or else
// $SSH_AUTH_SOCK; its keys are offered first, in the agent's order, then the identity
// files it does not hold. With IdentitiesOnly only the agent's keys that match an
// identity file are used. Keys the agent holds are signed by the agent.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include <skiff/agent.hpp>
#include <skiff/client.hpp>

#include "config/ssh_config.hpp"
#include "log.hpp"

namespace skiff::cli {

// The socket to use, or nullopt for none.
std::optional<std::string> agent_socket_path(const config::ClientConfig& cfg);

struct AgentKeys {
  std::unique_ptr<AgentClient> client;
  std::vector<PublicKey> keys;  // as the agent listed them (types skiff knows)
};

// Connects and lists; an agent that cannot be reached or listed is logged at debug1
// and gives no keys, as in ssh.
asio::awaitable<AgentKeys> open_agent(const config::ClientConfig& cfg, const Log& log);

// ssh's order: the agent's keys (with IdentitiesOnly only those among from_files), then
// the files' identities the agent does not hold.
std::vector<ClientIdentity> order_with_agent(const AgentKeys& agent, std::vector<ClientIdentity> from_files,
                                             bool identities_only);

bool agent_holds(const AgentKeys& agent, const PublicKey& key);

asio::awaitable<Result<std::vector<std::uint8_t>>> agent_sign(AgentKeys& agent, const PublicKey& key,
                                                              const std::string& algorithm,
                                                              const std::vector<std::uint8_t>& data);

}  // namespace skiff::cli
