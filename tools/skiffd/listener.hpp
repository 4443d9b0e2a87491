// The listening sockets: one per address of every ListenAddress (or the wildcard
// addresses of AddressFamily) and port, as sshd's server_listen().
#pragma once

#include <string>
#include <vector>

#include "config/sshd_config.hpp"

namespace skiffd {

struct ListenSocket {
  int fd = -1;
  std::string address;  // numeric, as logged
  int port = 0;
};

// Binds and listens (close-on-exec, SO_REUSEADDR, IPV6_V6ONLY on IPv6 sockets). A bind
// that fails is logged and skipped; no socket at all is the caller's fatal error.
std::vector<ListenSocket> open_listeners(const skiff::config::ServerConfig& config);
void close_listeners(std::vector<ListenSocket>& sockets);

// "host:port" / "[v6]:port" (the ServerConfig form) into host and port.
bool split_listen_address(const std::string& spec, std::string& host, std::string& port);

// Numeric address and port of a socket's peer (peer=true) or local end; "UNKNOWN" and
// 65535 for something that is not an IP socket (inetd mode over a pipe), as sshd.
void socket_address(int fd, bool peer, std::string& address, int& port);

}  // namespace skiffd
