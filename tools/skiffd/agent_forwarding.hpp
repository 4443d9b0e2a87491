// Agent forwarding of one skiffd connection, as sshd 9.2 does it: on the first granted
// auth-agent-req@openssh.com, a socket of the user's in a private /tmp/ssh-XXXXXXXXXX
// directory (Privileged::create_agent_socket); SSH_AUTH_SOCK names it for that session
// and every later one of the connection; each program that connects to it gets an
// auth-agent@openssh.com channel to the client, spliced to it with the channel window
// as the only buffer. The listener closes with the connection, and Privileged removes
// the socket and its directory.
#pragma once

#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>

#include <skiff/channel.hpp>

#include "auth_hooks.hpp"

namespace skiffd {

class AgentForwarding {
 public:
  explicit AgentForwarding(Login& login) : login_(login) {}
  ~AgentForwarding();
  AgentForwarding(const AgentForwarding&) = delete;
  AgentForwarding& operator=(const AgentForwarding&) = delete;

  // A session's auth-agent-req: true when granted (the socket exists or was made now).
  bool request(const skiff::ConnectionLink& link, const asio::any_io_executor& ex);
  // SSH_AUTH_SOCK for sessions; empty while there is none.
  const std::string& path() const { return path_; }

  struct Listener;

 private:
  Login& login_;
  std::shared_ptr<Listener> listener_;
  std::string path_;
  bool refused_ = false;  // a failed attempt is not repeated (sshd's "called")
};

}  // namespace skiffd
