// The sockets of forwarding (tcpip-forward, streamlocal-forward, direct-streamlocal) as
// sshd's unprivileged post-authentication child would make them, running as the user:
// LocalPrivileged calls these under the user's file-system identity (user_identity.hpp).
// Every descriptor is non-blocking and close-on-exec. Error messages are sshd's log text.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <string_view>

#include "system/privileged.hpp"

namespace skiff::skiffd {

// socket, SO_REUSEADDR, IPV6_V6ONLY for AF_INET6, bind, listen. A port below the system's
// first unprivileged port (net.ipv4.ip_unprivileged_port_start) is refused with "bind:
// Permission denied" when user_uid is not 0, as the kernel refuses it to the user's own
// process. Errors: Errc::io_error, "bind: <strerror>" / "listen: <strerror>" / "socket: ...".
Result<UniqueFd> listen_tcp_socket(const sockaddr* address, socklen_t length, uid_t user_uid);

// misc.c's unix_listener under umask(mask): unlink_first removes what is at path (a failure
// other than ENOENT is only reported in warning). Errors with sshd's lines: "unix_listener:
// cannot bind to path P: <strerror>", "... cannot listen on path ...", "path too long".
Result<UniqueFd> listen_unix_socket(std::string_view path, unsigned mask, bool unlink_first, std::string* warning);

// A non-blocking connect to the Unix socket at path (a full backlog is EAGAIN, as sshd).
// Error: "connect to P port -2 failed: <strerror>" as sshd's connect_to_helper logs it.
Result<UniqueFd> connect_unix_socket(std::string_view path);

}  // namespace skiff::skiffd
