// skiff's use of the agent: which socket (IdentityAgent, "none", "SSH_AUTH_SOCK",
// "$VAR", else $SSH_AUTH_SOCK) and ssh's order of identities (the agent's keys first,
// IdentitiesOnly keeping only those named by an identity file).
#include <gtest/gtest.h>

#include <cstdlib>

#include <asio/io_context.hpp>

#include "skiff/agent_identities.hpp"

using namespace skiff;
using namespace skiff::cli;

namespace {

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const char* n, const char* value) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    if (value) {
      setenv(n, value, 1);
    } else {
      unsetenv(n);
    }
  }
  ~EnvGuard() {
    if (old) {
      setenv(name.c_str(), old->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
};

config::ClientConfig with_agent(std::optional<std::string> value) {
  config::ClientConfig c;
  if (value) c.other["identityagent"] = {*value};
  return c;
}

PublicKey key() { return PrivateKey::generate(KeyType::ed25519)->public_key(); }

}  // namespace

TEST(SkiffAgentIdentities, SocketPath) {
  EnvGuard sock("SSH_AUTH_SOCK", "/env/sock");
  EnvGuard other("SKIFF_TEST_AGENT_VAR", "/var/sock");
  EXPECT_EQ(agent_socket_path(with_agent(std::nullopt)), "/env/sock");
  EXPECT_EQ(agent_socket_path(with_agent("SSH_AUTH_SOCK")), "/env/sock");
  EXPECT_EQ(agent_socket_path(with_agent("none")), std::nullopt);
  EXPECT_EQ(agent_socket_path(with_agent("/some/path")), "/some/path");
  EXPECT_EQ(agent_socket_path(with_agent("$SKIFF_TEST_AGENT_VAR")), "/var/sock");
  EXPECT_EQ(agent_socket_path(with_agent("$SKIFF_TEST_UNSET_VAR")), std::nullopt);
  EnvGuard unset("SSH_AUTH_SOCK", nullptr);
  EXPECT_EQ(agent_socket_path(with_agent(std::nullopt)), std::nullopt);
}

TEST(SkiffAgentIdentities, AgentKeysComeFirst) {
  asio::io_context io;
  AgentKeys agent;
  agent.client = std::make_unique<AgentClient>(io.get_executor());
  const PublicKey a = key(), b = key(), file_only = key();
  agent.keys = {a, b};
  std::vector<ClientIdentity> files{{file_only, std::nullopt}, {b, std::nullopt}};

  auto all = order_with_agent(agent, files, false);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].public_key, a);
  EXPECT_EQ(all[1].public_key, b);
  EXPECT_EQ(all[2].public_key, file_only);
  EXPECT_TRUE(agent_holds(agent, b));
  EXPECT_FALSE(agent_holds(agent, file_only));

  auto only = order_with_agent(agent, files, true);
  ASSERT_EQ(only.size(), 2u);
  EXPECT_EQ(only[0].public_key, b);
  EXPECT_EQ(only[1].public_key, file_only);

  // No agent: the files as they were.
  AgentKeys none;
  EXPECT_EQ(order_with_agent(none, files, false).size(), 2u);
  EXPECT_FALSE(agent_holds(none, a));
}
