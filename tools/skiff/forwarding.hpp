// Forwarding on a running connection, as ssh's ssh_init_forwarding() and its channels
// do: local listeners (-L over direct-tcpip or direct-streamlocal@openssh.com, -D as a
// SOCKS server whose requests become direct-tcpip channels), remote forwards (-R:
// tcpip-forward / streamlocal-forward@openssh.com, then the server's forwarded channels
// checked against what was asked and connected locally, or read as SOCKS for a remote
// dynamic forward under PermitRemoteOpen), and -W's stdio forward. Every byte goes
// through common/channel_splice.hpp's pumps: the channel window is the only buffer.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <skiff/client.hpp>

#include "forward_spec.hpp"
#include "log.hpp"

namespace skiff::cli {

class Forwarding {
 public:
  Forwarding(asio::io_context& io, ForwardingConfig cfg, const Log& log);
  ~Forwarding();
  Forwarding(const Forwarding&) = delete;
  Forwarding& operator=(const Forwarding&) = delete;

  using ChannelHook = std::function<asio::awaitable<void>(IncomingChannel)>;
  // For ClientOptions::channel_open: forwarded-tcpip and forwarded-streamlocal channels
  // of our remote forwards; any other type (x11, auth-agent) goes to `others` when given,
  // else is left unanswered (refused).
  ChannelHook channel_open_hook(ChannelHook others = {}) const;
  // Opens the local listeners and asks for the remote forwards, with ssh's messages;
  // false when ExitOnForwardFailure ends skiff (255), the reason logged at FATAL.
  asio::awaitable<bool> start(Client& client);
  // Closes the listeners (connections already forwarded go on until the connection ends).
  void stop();
  // Until no forwarded connection is open any more (or the connection ended): ssh exits
  // only then after its session closed.
  asio::awaitable<void> wait_idle();
  // On the running connection (-O forward / cancel and a passenger's forwards through a
  // connection-sharing master): the allocated port of a remote forward of port 0 (else
  // 0), or the failure; cancel closes a local listener or cancels a remote forward.
  enum class ForwardType { local, remote, dynamic };
  asio::awaitable<Result<std::uint32_t>> add(Client& client, ForwardType type, const ForwardSpec& f);
  asio::awaitable<Result<void>> cancel(Client& client, ForwardType type, const ForwardSpec& f);

  struct State;

 private:
  std::shared_ptr<State> st_;
};

// -W host:port: stdin and stdout over one direct-tcpip channel, binary-safe, EOF both
// ways; 0 when the channel ended, 255 (with "stdio forwarding failed") when refused.
asio::awaitable<int> run_stdio_forward(asio::io_context& io, Client& client, const ForwardSpec& target, const Log& log);

}  // namespace skiff::cli
