#include "agent_identities.hpp"

#include <strings.h>

#include <algorithm>
#include <cstdlib>

namespace skiff::cli {

std::optional<std::string> agent_socket_path(const config::ClientConfig& cfg) {
  std::string name = "SSH_AUTH_SOCK";
  if (auto ia = cfg.get("identityagent")) {
    if (strcasecmp(ia->c_str(), "none") == 0) return std::nullopt;
    if (*ia != "SSH_AUTH_SOCK") {
      if (!ia->starts_with("$")) return *ia;
      name = ia->substr(1);
    }
  }
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

asio::awaitable<AgentKeys> open_agent(const config::ClientConfig& cfg, const Log& log) {
  AgentKeys out;
  auto path = agent_socket_path(cfg);
  if (!path || !cfg.pubkey_authentication) co_return out;
  auto client = std::make_unique<AgentClient>(co_await asio::this_coro::executor);
  if (auto c = co_await client->connect(*path); !c) {
    log.debug1("get_agent_identities: ssh_get_authentication_socket: " + c.error().message);
    co_return out;
  }
  auto ids = co_await client->list();
  if (!ids) {
    log.debug1("get_agent_identities: ssh_fetch_identitylist: " + ids.error().message);
    co_return out;
  }
  for (auto& id : *ids) {
    if (id.key) out.keys.push_back(std::move(*id.key));
  }
  log.debug1("get_agent_identities: agent returned " + std::to_string(out.keys.size()) + " keys");
  out.client = std::move(client);
  co_return out;
}

std::vector<ClientIdentity> order_with_agent(const AgentKeys& agent, std::vector<ClientIdentity> from_files,
                                             bool identities_only) {
  if (!agent.client) return from_files;
  std::vector<ClientIdentity> out;
  for (const auto& key : agent.keys) {
    auto it = std::find_if(from_files.begin(), from_files.end(),
                           [&](const ClientIdentity& id) { return id.public_key == key; });
    if (it != from_files.end()) {
      // The file's identity, signed by the agent (no passphrase asked for).
      out.push_back({it->public_key, std::nullopt});
      from_files.erase(it);
    } else if (!identities_only) {
      out.push_back({key, std::nullopt});
    }
  }
  for (auto& id : from_files) out.push_back(std::move(id));
  return out;
}

bool agent_holds(const AgentKeys& agent, const PublicKey& key) {
  return agent.client && std::find(agent.keys.begin(), agent.keys.end(), key) != agent.keys.end();
}

asio::awaitable<Result<std::vector<std::uint8_t>>> agent_sign(AgentKeys& agent, const PublicKey& key,
                                                              const std::string& algorithm,
                                                              const std::vector<std::uint8_t>& data) {
  const std::vector<std::uint8_t> blob = key.blob();
  co_return co_await agent.client->sign(blob, data, algorithm);
}

}  // namespace skiff::cli
