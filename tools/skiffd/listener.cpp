#include "listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log.hpp"

namespace skiffd {
namespace {

constexpr int kListenBacklog = 128;  // sshd's SSH_LISTEN_BACKLOG

void numeric(const sockaddr* sa, socklen_t len, std::string& address, int& port) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    address = "UNKNOWN";
    port = 65535;
    return;
  }
  address = host;
  port = std::atoi(serv);
}

}  // namespace

bool split_listen_address(const std::string& spec, std::string& host, std::string& port) {
  if (spec.starts_with("[")) {
    const auto close = spec.find("]:");
    if (close == std::string::npos) return false;
    host = spec.substr(1, close - 1);
    port = spec.substr(close + 2);
    return true;
  }
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos) return false;
  host = spec.substr(0, colon);
  port = spec.substr(colon + 1);
  return true;
}

std::vector<ListenSocket> open_listeners(const skiff::config::ServerConfig& config) {
  std::vector<ListenSocket> out;
  for (const auto& spec : config.listen_addresses) {
    std::string host, port;
    if (!split_listen_address(spec, host, port)) {
      SKIFFD_LOG(error, "Bad ListenAddress %s", spec.c_str());
      continue;
    }
    addrinfo hints{};
    hints.ai_family = config.address_family == skiff::config::AddressFamily::inet    ? AF_INET
                      : config.address_family == skiff::config::AddressFamily::inet6 ? AF_INET6
                                                                                      : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      SKIFFD_LOG(error, "bad addr or host: %s (%s)", host.c_str(), gai_strerror(rc));
      continue;
    }
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      ListenSocket ls;
      numeric(ai->ai_addr, ai->ai_addrlen, ls.address, ls.port);
      const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        SKIFFD_LOG(verbose, "socket: %s", std::strerror(errno));
        continue;
      }
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      // Each IPv6 listener takes only IPv6, so that 0.0.0.0 and :: can both be bound.
      if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, kListenBacklog) != 0) {
        SKIFFD_LOG(error, "Bind to port %s on %s failed: %s.", port.c_str(), ls.address.c_str(),
                   std::strerror(errno));
        close(fd);
        continue;
      }
      ls.fd = fd;
      SKIFFD_LOG(info, "Server listening on %s port %d.", ls.address.c_str(), ls.port);
      out.push_back(std::move(ls));
    }
    freeaddrinfo(res);
  }
  return out;
}

void close_listeners(std::vector<ListenSocket>& sockets) {
  for (auto& s : sockets) {
    if (s.fd >= 0) close(s.fd);
  }
  sockets.clear();
}

void socket_address(int fd, bool peer, std::string& address, int& port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                      : getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0 || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
    address = "UNKNOWN";
    port = 65535;
    return;
  }
  numeric(reinterpret_cast<sockaddr*>(&ss), len, address, port);
  // An IPv4 peer on an IPv6 socket: show the IPv4 form, as sshd does.
  if (address.starts_with("::ffff:") && address.find('.') != std::string::npos) address = address.substr(7);
}

}  // namespace skiffd
