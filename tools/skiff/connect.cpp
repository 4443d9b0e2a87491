#include "connect.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <asio/ip/tcp.hpp>

namespace skiff::cli {
namespace {

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

int family_of(config::AddressFamily f) {
  return f == config::AddressFamily::inet ? AF_INET : f == config::AddressFamily::inet6 ? AF_INET6 : AF_UNSPEC;
}

// ssh_create_socket(): a socket of the address's family, bound to BindAddress if set.
int create_socket(const addrinfo* ai, const config::ClientConfig& cfg, const Log& log) {
  int sock = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (sock == -1) {
    log.error(std::string("socket: ") + std::strerror(errno));
    return -1;
  }
  if (cfg.bind_address.empty()) return sock;
  addrinfo hints{};
  hints.ai_family = ai->ai_family;
  hints.ai_socktype = ai->ai_socktype;
  hints.ai_protocol = ai->ai_protocol;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  AddrInfo res;
  if (int r = getaddrinfo(cfg.bind_address.c_str(), nullptr, &hints, &res.list); r != 0) {
    log.error("getaddrinfo: " + cfg.bind_address + ": " + gai_strerror(r));
    close(sock);
    return -1;
  }
  if (bind(sock, res.list->ai_addr, res.list->ai_addrlen) != 0) {
    log.error("bind " + cfg.bind_address + ": " + std::strerror(errno));
    close(sock);
    return -1;
  }
  return sock;
}

// timeout_connect(): a non-blocking connect that waits up to timeout_s (forever when < 0).
bool timed_connect(int sock, const addrinfo* ai, int timeout_s) {
  int flags = fcntl(sock, F_GETFL);
  fcntl(sock, F_SETFL, flags | O_NONBLOCK);
  if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{sock, POLLOUT, 0};
  for (;;) {
    int r = poll(&p, 1, timeout_s < 0 ? -1 : timeout_s * 1000);
    if (r == -1 && errno == EINTR) continue;
    if (r == 0) errno = ETIMEDOUT;
    if (r <= 0) return false;
    break;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) == -1) return false;
  if (err != 0) {
    errno = err;
    return false;
  }
  return true;
}

Result<ServerStream> connect_direct(const asio::any_io_executor& ex, const config::ClientConfig& cfg, const Log& log) {
  const std::string port = std::to_string(cfg.port);
  addrinfo hints{};
  hints.ai_family = family_of(cfg.address_family);
  hints.ai_socktype = SOCK_STREAM;
  AddrInfo res;
  if (int r = getaddrinfo(cfg.hostname.c_str(), port.c_str(), &hints, &res.list); r != 0) {
    return fail(Errc::io_error, "skiff: Could not resolve hostname " + cfg.hostname.substr(0, 100) + ": " +
                                    (r == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(r)));
  }
  int sock = -1, err = 0;
  char ntop[NI_MAXHOST] = {}, strport[NI_MAXSERV] = {};
  for (int attempt = 0; attempt < cfg.connection_attempts && sock == -1; ++attempt) {
    if (attempt > 0) {
      sleep(1);
      log.debug1("Trying again...");
    }
    for (const addrinfo* ai = res.list; ai; ai = ai->ai_next) {
      if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) {
        err = EAFNOSUPPORT;
        continue;
      }
      if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ntop, sizeof ntop, strport, sizeof strport,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        err = errno;
        continue;
      }
      log.debug1("Connecting to " + cfg.hostname + " [" + ntop + "] port " + strport + ".");
      sock = create_socket(ai, cfg, log);
      if (sock < 0) {
        err = 0;
        continue;
      }
      if (timed_connect(sock, ai, cfg.connect_timeout)) break;
      err = errno;
      log.debug1(std::string("connect to address ") + ntop + " port " + strport + ": " + std::strerror(err));
      close(sock);
      sock = -1;
    }
  }
  if (sock == -1) {
    return fail(Errc::io_error, "skiff: connect to host " + cfg.hostname + " port " + port + ": " +
                                    (err == 0 ? "failure" : std::strerror(err)));
  }
  log.debug1("Connection established.");
  int on = 1;
  if (cfg.tcp_keep_alive && setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1) {
    log.error(std::string("setsockopt SO_KEEPALIVE: ") + std::strerror(errno));
  }
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &plen);
  auto protocol = peer.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
  std::error_code ec;
  asio::ip::tcp::socket s(ex);
  s.assign(protocol, sock, ec);
  if (ec) {
    close(sock);
    return fail(Errc::io_error, "skiff: " + ec.message());
  }
  ServerStream out;
  out.stream = make_tcp_stream(std::move(s));
  out.address = ntop;
  out.port = cfg.port;
  return out;
}

// ssh_proxy_connect(): "exec COMMAND" through $SHELL -c, its stdin and stdout our pipes,
// its stderr ours.
Result<ServerStream> connect_proxy(const asio::any_io_executor& ex, const std::string& command, const Log& log) {
  const char* shell = std::getenv("SHELL");
  if (shell == nullptr || *shell == '\0') shell = "/bin/sh";
  int pin[2], pout[2];
  if (pipe2(pin, O_CLOEXEC) == -1) {
    return fail(Errc::io_error, std::string("Could not create pipes to communicate with the proxy: ") + std::strerror(errno));
  }
  if (pipe2(pout, O_CLOEXEC) == -1) {
    int e = errno;
    close(pin[0]);
    close(pin[1]);
    return fail(Errc::io_error, std::string("Could not create pipes to communicate with the proxy: ") + std::strerror(e));
  }
  const std::string full = "exec " + command;
  log.debug1("Executing proxy command: " + full.substr(0, 500));
  pid_t pid = fork();
  if (pid == -1) return fail(Errc::io_error, std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(pin[0], STDIN_FILENO);
    dup2(pout[1], STDOUT_FILENO);
    signal(SIGPIPE, SIG_DFL);
    execl(shell, shell, "-c", full.c_str(), static_cast<char*>(nullptr));
    std::perror(shell);
    _exit(1);
  }
  close(pin[0]);
  close(pout[1]);
  ServerStream out;
  out.stream = make_fd_stream(ex, pout[0], pin[1]);
  out.proxy_pid = pid;
  return out;
}

}  // namespace

Result<ServerStream> open_server_stream(const asio::any_io_executor& ex, const config::ClientConfig& cfg,
                                        const config::ClientContext& ctx, const Log& log) {
  auto proxy = cfg.get("proxycommand");
  if (proxy && *proxy != "none") {
    auto command = config::expand_tokens(*proxy, cfg, ctx);
    if (!command) return fail(Errc::invalid_argument, "ProxyCommand: " + command.error().message);
    auto s = connect_proxy(ex, *command, log);
    if (s) s->port = cfg.port;
    return s;
  }
  return connect_direct(ex, cfg, log);
}

std::vector<std::string> auth_methods(const config::ClientConfig& cfg) {
  std::string list = cfg.preferred_authentications.empty()
                         ? "gssapi-with-mic,hostbased,publickey,keyboard-interactive,password"
                         : cfg.preferred_authentications;
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    std::string m = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? list.size() + 1 : comma + 1;
    bool enabled = (m == "publickey" && cfg.pubkey_authentication) ||
                   (m == "keyboard-interactive" && cfg.kbd_interactive_authentication && !cfg.batch_mode) ||
                   (m == "password" && cfg.password_authentication && !cfg.batch_mode);
    if (enabled && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

ClientOptions options_from_config(const config::ClientConfig& cfg) {
  ClientOptions o;
  o.transport.kex_algorithms = cfg.kex_algorithms;
  o.transport.host_key_algorithms = cfg.host_key_algorithms;
  o.transport.ciphers = cfg.ciphers;
  o.transport.macs = cfg.macs;
  o.transport.compression = cfg.compression ? std::vector<std::string>{"zlib@openssh.com", "zlib", "none"}
                                            : std::vector<std::string>{"none"};
  o.transport.rekey_bytes = cfg.rekey_limit.bytes;
  o.transport.rekey_interval = std::chrono::seconds(cfg.rekey_limit.seconds);
  o.user = cfg.user;
  o.methods = auth_methods(cfg);
  o.pubkey_accepted_algorithms = cfg.pubkey_accepted_algorithms;
  o.number_of_password_prompts = cfg.number_of_password_prompts < 0 ? 0u : static_cast<unsigned>(cfg.number_of_password_prompts);
  o.server_alive_interval = std::chrono::seconds(cfg.server_alive_interval);
  o.server_alive_count_max = cfg.server_alive_count_max < 0 ? 0u : static_cast<unsigned>(cfg.server_alive_count_max);
  o.host_name = cfg.hostname;
  return o;
}

}  // namespace skiff::cli
