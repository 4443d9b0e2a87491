// Port and Unix-socket forwarding of one skiffd connection, as sshd 9.2 serves it:
// direct-tcpip (connect, then accept the channel; a failed connect is "connect failed"
// with strerror), direct-streamlocal@openssh.com (connected as the user), tcpip-forward /
// cancel-tcpip-forward and streamlocal-forward@openssh.com / cancel (listeners whose
// connections become forwarded-tcpip / forwarded-streamlocal channels). Decisions are
// ForwardingPolicy's (forwarding_policy.hpp), sockets that need privilege or the user's
// identity are Privileged's; this file moves bytes. Each forwarded connection is carried
// with the channel window as the only buffer: one chunk read from the channel is written
// to the socket before the next read, one socket read is written to the channel (which
// waits for window) before the next. Listeners and sockets are closed when the forward is
// cancelled or the connection ends.
#pragma once

#include <memory>

#include <skiff/server.hpp>

#include "auth_hooks.hpp"

namespace skiffd {

class Forwarding {
 public:
  // login must outlive the connection's io_context (its coroutines refer to it).
  explicit Forwarding(Login& login);
  ~Forwarding();
  Forwarding(const Forwarding&) = delete;
  Forwarding& operator=(const Forwarding&) = delete;

  // Sets channel_open and global_request; this object must outlive the io_context.
  void install(skiff::ServerHooks& hooks);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace skiffd
