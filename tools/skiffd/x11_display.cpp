#include "x11_display.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "common/channel_splice.hpp"

namespace skiffd {
namespace {

using asio::ip::tcp;

constexpr unsigned kBasePort = 6000;
constexpr unsigned kMaxDisplays = 1000;  // sshd's MAX_DISPLAYS
constexpr std::size_t kMaxSockets = 10;  // sshd's NUM_SOCKS
constexpr int kBacklog = 128;            // SSH_LISTEN_BACKLOG

int family_of(skiff::config::AddressFamily f) {
  switch (f) {
    case skiff::config::AddressFamily::inet:
      return AF_INET;
    case skiff::config::AddressFamily::inet6:
      return AF_INET6;
    default:
      return AF_UNSPEC;
  }
}

// Binds every address of one display's port; empty when one of them is taken (then the
// next display is tried, as sshd).
std::vector<int> bind_display(unsigned port, const X11DisplayOptions& o, skiff::skiffd::ServerLog& log, bool& failed) {
  std::vector<int> socks;
  addrinfo hints{};
  hints.ai_family = family_of(o.family);
  hints.ai_flags = o.use_localhost ? 0 : AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* top = nullptr;
  const std::string service = std::to_string(port);
  if (int e = ::getaddrinfo(nullptr, service.c_str(), &hints, &top); e != 0) {
    log.error(std::string("getaddrinfo: ") + ::gai_strerror(e));
    failed = true;
    return {};
  }
  for (addrinfo* ai = top; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) {
      if (errno == EINVAL || errno == EAFNOSUPPORT || errno == EPFNOSUPPORT) {
        log.debug("x11_create_display_inet: Socket family " + std::to_string(ai->ai_family) + " not supported");
        continue;
      }
      log.error(std::string("socket: ") + std::strerror(errno));
      failed = true;
      break;
    }
    int one = 1;
    if (ai->ai_family == AF_INET6) ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (o.use_localhost) ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, ai->ai_addr, ai->ai_addrlen) != 0) {
      log.log(skiff::skiffd::LogLevel::debug2, "bind port " + service + ": " + std::strerror(errno));
      ::close(s);
      for (int x : socks) ::close(x);
      socks.clear();
      break;
    }
    socks.push_back(s);
    if (socks.size() == kMaxSockets) break;
  }
  ::freeaddrinfo(top);
  if (failed) {
    for (int x : socks) ::close(x);
    socks.clear();
  }
  return socks;
}

// One X client: an "x11" channel to the SSH client, then bytes both ways.
asio::awaitable<void> serve_x11_connection(skiff::ConnectionLink link, std::shared_ptr<tcp::socket> sock,
                                           skiff::skiffd::ServerLog& log) {
  std::error_code ec;
  tcp::endpoint peer = sock->remote_endpoint(ec);
  skiff::X11Channel x11;
  if (!ec) {
    auto addr = peer.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    x11.originator = addr.to_string();
    x11.originator_port = peer.port();
  }
  const skiff::ChannelOpenBody body = x11;
  auto ch = co_await link.open_channel(body);
  if (!ch) {
    // The client refused it (no X11 forwarding there, a wrong cookie is later) or left.
    log.debug(ch.error().message);
    sock->close(ec);
    co_return;
  }
  co_await skiff::tools::splice(*ch, *sock);
}

asio::awaitable<void> accept_loop(std::shared_ptr<X11Display> self, tcp::acceptor& acceptor,
                                  skiff::ConnectionLink link, bool single, skiff::skiffd::ServerLog& log) {
  for (;;) {
    auto sock = std::make_shared<tcp::socket>(acceptor.get_executor());
    std::error_code ec;
    co_await acceptor.async_accept(*sock, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    log.debug("X11 connection requested.");
    if (single) {
      log.log(skiff::skiffd::LogLevel::debug2, "single_connection: closing X11 listener.");
      self->close();
    }
    if (ec) {
      if (ec != asio::error::connection_aborted && ec != asio::error::would_block) {
        log.error("accept: " + ec.message());
      }
      if (single) co_return;
      continue;
    }
    sock->set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve_x11_connection(link, sock, log), asio::detached);
    if (single) co_return;
  }
}

}  // namespace

skiff::Result<std::shared_ptr<X11Display>> X11Display::open(const asio::any_io_executor& ex,
                                                             const X11DisplayOptions& o,
                                                             skiff::skiffd::ServerLog& log) {
  if (o.offset > 65535 - kBasePort - kMaxDisplays) return skiff::fail(skiff::Errc::invalid_argument, "X11DisplayOffset");
  auto d = std::make_shared<X11Display>(ex, log);
  d->single_ = o.single_connection;
  for (unsigned n = o.offset; n < o.offset + kMaxDisplays; ++n) {
    bool failed = false;
    auto socks = bind_display(kBasePort + n, o, log, failed);
    if (failed) return skiff::fail(skiff::Errc::io_error, "x11_create_display_inet failed.");
    if (socks.empty()) continue;
    for (int s : socks) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len);
      const tcp protocol = ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
      if (::listen(s, kBacklog) != 0) {
        log.error(std::string("listen: ") + std::strerror(errno));
        ::close(s);
        return skiff::fail(skiff::Errc::io_error, "x11_create_display_inet failed.");
      }
      d->acceptors_.emplace_back(ex);
      std::error_code ec;
      d->acceptors_.back().assign(protocol, s, ec);
      if (ec) {
        ::close(s);
        d->acceptors_.pop_back();
      }
    }
    d->number_ = n;
    return d;
  }
  log.error("Failed to allocate internet-domain X11 display socket.");
  return skiff::fail(skiff::Errc::io_error, "x11_create_display_inet failed.");
}

X11Display::~X11Display() { close(); }

void X11Display::start(const skiff::ConnectionLink& link) {
  // Named, not a prvalue argument of the coroutine (GCC bug 99576 destroys those twice).
  const std::shared_ptr<X11Display> self = shared_from_this();
  for (auto& a : acceptors_) {
    asio::co_spawn(ex_, accept_loop(self, a, link, single_, log_), asio::detached);
  }
}

void X11Display::close() {
  for (auto& a : acceptors_) {
    std::error_code ec;
    a.close(ec);
  }
}

}  // namespace skiffd
