// Reaching the server as ssh does (sshconnect.c): a TCP connection with AddressFamily,
// BindAddress, ConnectTimeout, ConnectionAttempts and TCPKeepAlive, or a ProxyCommand
// run through the user's shell with the connection over its pipes; and the library's
// ClientOptions from the effective configuration (algorithms, Compression, RekeyLimit,
// ServerAlive*, the authentication methods in PreferredAuthentications order).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>

#include <skiff/client.hpp>
#include <skiff/error.hpp>
#include <skiff/stream.hpp>

#include "config/ssh_config.hpp"
#include "log.hpp"

namespace skiff::cli {

struct ServerStream {
  std::unique_ptr<Stream> stream;
  std::string address;  // the peer's numeric address; empty through a ProxyCommand
  std::uint16_t port = 0;
  pid_t proxy_pid = -1;  // the ProxyCommand, to be ended (SIGHUP) when skiff exits
};

// Errors carry the line ssh prints before exiting 255 ("skiff: connect to host h port p:
// Connection refused", "skiff: Could not resolve hostname h: ...").
Result<ServerStream> open_server_stream(const asio::any_io_executor& ex, const config::ClientConfig& cfg,
                                        const config::ClientContext& ctx, const Log& log);

// The methods ssh would try, in PreferredAuthentications order: those it implements and
// has enabled (keyboard-interactive and password never under BatchMode).
std::vector<std::string> auth_methods(const config::ClientConfig& cfg);

// Everything of ClientOptions that comes from the configuration alone (no hooks, no
// identities).
ClientOptions options_from_config(const config::ClientConfig& cfg);

}  // namespace skiff::cli
