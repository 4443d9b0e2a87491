#include "system/forward_sockets.hpp"

#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace skiff::skiffd {
namespace {

std::unexpected<Error> sys_fail(std::string what, int err) {
  return fail(Errc::io_error, what + ": " + std::strerror(err));
}

int first_unprivileged_port() {
  int start = 1024;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re")) {
    if (std::fscanf(f, "%d", &start) != 1) start = 1024;
    std::fclose(f);
  }
  return start;
}

bool fill_unix_address(std::string_view path, sockaddr_un& sun) {
  std::memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path || path.find('\0') != std::string_view::npos) return false;
  std::memcpy(sun.sun_path, path.data(), path.size());
  return true;
}

}  // namespace

Result<UniqueFd> listen_tcp_socket(const sockaddr* address, socklen_t length, uid_t user_uid) {
  int port = -1;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
  } else if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
  } else {
    return fail(Errc::invalid_argument, "socket: Address family not supported by protocol");
  }
  if (user_uid != 0 && port != 0 && ::geteuid() == 0 && port < first_unprivileged_port()) {
    return sys_fail("bind", EACCES);
  }
  UniqueFd fd(::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket", errno);
  const int on = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (address->sa_family == AF_INET6) (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  if (::bind(fd.get(), address, length) != 0) return sys_fail("bind", errno);
  if (::listen(fd.get(), 128) != 0) return sys_fail("listen", errno);
  return fd;
}

Result<UniqueFd> listen_unix_socket(std::string_view path, unsigned mask, bool unlink_first, std::string* warning) {
  sockaddr_un sun{};
  const std::string p(path);
  if (!fill_unix_address(path, sun)) {
    return fail(Errc::invalid_argument, "unix_listener: path \"" + p + "\" too long for Unix domain socket");
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("unix_listener: socket", errno);
  if (unlink_first && ::unlink(p.c_str()) != 0 && errno != ENOENT && warning) {
    *warning = "unlink(" + p + "): " + std::strerror(errno);
  }
  // The mask is the process's for the moment of bind (the socket inode takes its mode
  // from it); the connection process is single-threaded where it creates files.
  const mode_t old = ::umask(static_cast<mode_t>(mask & 0777));
  const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun);
  const int bind_errno = errno;
  ::umask(old);
  if (bound != 0) return sys_fail("unix_listener: cannot bind to path " + p, bind_errno);
  if (::listen(fd.get(), 128) != 0) {
    const int e = errno;
    ::unlink(p.c_str());
    return sys_fail("unix_listener: cannot listen on path " + p, e);
  }
  return fd;
}

Result<UniqueFd> connect_unix_socket(std::string_view path) {
  sockaddr_un sun{};
  const std::string p(path);
  if (!fill_unix_address(path, sun)) return sys_fail(p, ENAMETOOLONG);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket", errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0 && errno != EINPROGRESS) {
    return sys_fail("connect to " + p + " port -2 failed", errno);
  }
  return fd;
}

}  // namespace skiff::skiffd
