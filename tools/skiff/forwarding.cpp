#include "forwarding.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <functional>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "socks.hpp"
#include "common/channel_splice.hpp"

namespace skiff::cli {

using asio::use_awaitable;
using tools::splice_in;
using tools::splice_out;
using tools::splice_socket;
using Tcp = asio::ip::tcp;
using Unix = asio::local::stream_protocol;

namespace {

constexpr int kListenBacklog = 128;  // SSH_LISTEN_BACKLOG

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

std::string errno_text(int e) { return std::strerror(e); }

// channel_setup_fwd_listener_tcpip(): one socket per address getaddrinfo gives for the
// bind choice (both loopbacks for "localhost"), with ssh's messages; empty on failure.
std::vector<int> listen_tcp(const ForwardSpec& f, bool gateway_ports, config::AddressFamily family, const Log& log) {
  std::vector<int> socks;
  const BindChoice b = local_bind_address(f.listen_host, gateway_ports);
  addrinfo hints{};
  hints.ai_family = family == config::AddressFamily::inet    ? AF_INET
                    : family == config::AddressFamily::inet6 ? AF_INET6
                                                             : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = b.wildcard ? AI_PASSIVE : 0;
  const std::string port = std::to_string(f.listen_port);
  AddrInfo res;
  if (int r = getaddrinfo(b.address ? b.address->c_str() : nullptr, port.c_str(), &hints, &res.list); r != 0) {
    log.error("channel_setup_fwd_listener_tcpip: getaddrinfo(" + b.address.value_or("NULL").substr(0, 64) +
              "): " + gai_strerror(r));
    return socks;
  }
  for (const addrinfo* ai = res.list; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    char ntop[NI_MAXHOST] = {}, strport[NI_MAXSERV] = {};
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ntop, sizeof ntop, strport, sizeof strport,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
      log.error("channel_setup_fwd_listener_tcpip: getnameinfo failed");
      continue;
    }
    int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s == -1) {
      // No error: the kernel may not have IPv6.
      log.verbose(std::string("socket [") + ntop + "]:" + strport + ": " + errno_text(errno));
      continue;
    }
    int on = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai->ai_family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    log.debug1(std::string("Local forwarding listening on ") + ntop + " port " + strport + ".");
    if (bind(s, ai->ai_addr, ai->ai_addrlen) == -1) {
      const std::string line = std::string("bind [") + ntop + "]:" + strport + ": " + errno_text(errno);
      // Only the last address's failure is an error: the first may hold both (v4-mapped).
      if (ai->ai_next == nullptr) {
        log.error(line);
      } else {
        log.verbose(line);
      }
      close(s);
      continue;
    }
    if (listen(s, kListenBacklog) == -1) {
      log.error(std::string("listen [") + ntop + "]:" + strport + ": " + errno_text(errno));
      close(s);
      continue;
    }
    socks.push_back(s);
  }
  if (socks.empty()) log.error("channel_setup_fwd_listener_tcpip: cannot listen to port: " + std::to_string(f.listen_port));
  return socks;
}

// unix_listener() under StreamLocalBindMask, StreamLocalBindUnlink first; -1 on failure.
int listen_unix(const std::string& path, unsigned mask, bool unlink_first, const Log& log) {
  sockaddr_un sun{};
  if (path.size() >= sizeof sun.sun_path) {
    log.error("Local listening path too long: " + path);
    return -1;
  }
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s == -1) {
    log.error("unix_listener: socket: " + errno_text(errno));
    return -1;
  }
  if (unlink_first && unlink(path.c_str()) != 0 && errno != ENOENT) {
    log.error("unlink(" + path + "): " + errno_text(errno));
  }
  mode_t old = umask(static_cast<mode_t>(mask));
  int r = bind(s, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  int e = errno;
  umask(old);
  if (r == -1) {
    log.error("unix_listener: cannot bind to path " + path + ": " + errno_text(e));
    close(s);
    return -1;
  }
  if (listen(s, kListenBacklog) == -1) {
    log.error("unix_listener: cannot listen on path " + path + ": " + errno_text(errno));
    close(s);
    return -1;
  }
  log.debug1("Local forwarding listening on path " + path + ".");
  return s;
}

// A SOCKS 5 reply for an open that failed, from the API's text of the failure.
socks::Reply reply_for(const std::string& message) {
  if (message.find("administratively prohibited") != std::string::npos) return socks::Reply::not_allowed;
  if (message.find("refused") != std::string::npos) return socks::Reply::connection_refused;
  if (message.find("unreachable") != std::string::npos) return socks::Reply::network_unreachable;
  if (message.find("No route") != std::string::npos || message.find("not known") != std::string::npos ||
      message.find("unknown host") != std::string::npos || message.find("resolve") != std::string::npos) {
    return socks::Reply::host_unreachable;
  }
  if (message.find("timed out") != std::string::npos) return socks::Reply::ttl_expired;
  return socks::Reply::general_failure;
}

socks::Reply reply_for_errno(const std::error_code& ec) {
  if (ec == asio::error::connection_refused) return socks::Reply::connection_refused;
  if (ec == asio::error::network_unreachable) return socks::Reply::network_unreachable;
  if (ec == asio::error::host_unreachable || ec == asio::error::host_not_found ||
      ec == asio::error::host_not_found_try_again) {
    return socks::Reply::host_unreachable;
  }
  if (ec == asio::error::timed_out) return socks::Reply::ttl_expired;
  return socks::Reply::general_failure;
}

std::string peer_address(const Tcp::socket& s, std::uint32_t& port) {
  std::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) {
    port = 0;
    return "127.0.0.1";
  }
  port = ep.port();
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

}  // namespace

struct RemoteForward {
  ForwardSpec spec;
  std::string bind_host;     // as the request carried it
  std::uint32_t port = 0;    // the port the server listens on (the allocated one for 0)
  bool confirmed = false;
};

struct Forwarding::State {
  asio::io_context& io;
  ForwardingConfig cfg;
  const Log& log;
  ConnectionLink link;
  std::vector<RemoteForward> remotes;
  std::vector<std::shared_ptr<Tcp::acceptor>> tcp_listeners;
  std::vector<std::shared_ptr<Unix::acceptor>> unix_listeners;
  // Which listeners a local or dynamic forward opened, for a later cancel (-O cancel).
  std::vector<std::pair<ForwardSpec, std::vector<std::function<void()>>>> closers;
  bool stopped = false;
  // Forwarded connections with an open channel, and a timer that wait_idle() waits on
  // until their number falls to 0.
  int active = 0;
  std::optional<asio::steady_timer> idle;
};

namespace {

using State = Forwarding::State;

// Counts a forwarded connection while its channel is open (ssh's channel_still_open()).
struct Active {
  explicit Active(State& s) : st(s) { ++st.active; }
  ~Active() {
    if (--st.active == 0 && st.idle) st.idle->cancel();
  }
  Active(const Active&) = delete;
  Active& operator=(const Active&) = delete;
  State& st;
};

// Reads a SOCKS request from `in` (a socket or a channel through `read`), answering the
// method choice; the parser holds the request or the failure. false when the stream ended.
template <class Read, class Write>
asio::awaitable<bool> read_socks(socks::ServerParser& p, Read read, Write write) {
  while (p.state() == socks::ServerParser::State::need_more) {
    std::vector<std::uint8_t> got = co_await read();
    if (got.empty()) co_return false;
    p.feed(got);
    std::vector<std::uint8_t> out = p.take_output();
    if (!out.empty() && !co_await write(out)) co_return false;
  }
  co_return true;
}

// -D: a SOCKS client on a local socket; its request becomes a direct-tcpip channel.
template <class Socket>
asio::awaitable<void> socks_connection(std::shared_ptr<State> st, Socket sock, std::string origin, std::uint32_t origin_port) {
  socks::ServerParser p;
  std::vector<std::uint8_t> buf(socks::kMaxRequest);
  auto read = [&]() -> asio::awaitable<std::vector<std::uint8_t>> {
    std::error_code ec;
    std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) n = 0;
    co_return std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  };
  auto write = [&](const std::vector<std::uint8_t>& out) -> asio::awaitable<bool> {
    std::error_code ec;
    co_await asio::async_write(sock, asio::buffer(out), asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  };
  if (!co_await read_socks(p, read, write)) co_return;
  if (p.state() == socks::ServerParser::State::failed) {
    st->log.debug1("dynamic forward: " + p.error());
    co_return;
  }
  const auto& req = p.request();
  st->log.debug2("dynamic forward: SOCKS" + std::to_string(req.version) + " connect to " + req.host + " port " +
                 std::to_string(req.port));
  const ChannelOpenBody body = DirectTcpip{req.host, req.port, origin, origin_port};
  Result<Channel> ch = co_await st->link.open_channel(body);
  if (!ch) {
    st->log.info(ch.error().message);
    auto answer = p.reply(reply_for(ch.error().message));
    co_await write(answer);
    co_return;
  }
  Active active(*st);
  auto answer = p.reply(socks::Reply::succeeded);
  if (!co_await write(answer)) {
    co_await ch->close();
    co_return;
  }
  std::vector<std::uint8_t> rest = p.take_rest();
  co_await splice_socket(*ch, std::move(sock), std::move(rest));
}

// -L: one accepted connection, forwarded once the server opened the channel.
template <class Socket>
asio::awaitable<void> local_connection(std::shared_ptr<State> st, Socket sock, ForwardSpec f, std::string origin,
                                       std::uint32_t origin_port) {
  if (f.dynamic()) {
    co_await socks_connection(st, std::move(sock), std::move(origin), origin_port);
    co_return;
  }
  ChannelOpenBody body;
  if (f.connects_to_path()) {
    body = DirectStreamlocal{f.connect_path};
  } else {
    body = DirectTcpip{f.connect_host, static_cast<std::uint32_t>(f.connect_port), origin, origin_port};
  }
  Result<Channel> ch = co_await st->link.open_channel(body);
  if (!ch) {
    // "channel 2: open failed: connect failed: Connection refused", at ssh's logit level.
    st->log.info(ch.error().message);
    co_return;
  }
  Active active(*st);
  std::vector<std::uint8_t> none;
  co_await splice_socket(*ch, std::move(sock), std::move(none));
}

// Waits a little after accept() fails for a reason other than a closed listener (no
// descriptors left): a busy loop would not help.
asio::awaitable<void> pause(asio::io_context& io) {
  asio::steady_timer t(io, std::chrono::milliseconds(100));
  std::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> accept_tcp(std::shared_ptr<State> st, std::shared_ptr<Tcp::acceptor> acc, ForwardSpec f) {
  for (;;) {
    std::error_code ec;
    Tcp::socket s = co_await acc->async_accept(asio::redirect_error(use_awaitable, ec));
    if (st->stopped || !acc->is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      st->log.error("accept: " + ec.message());
      co_await pause(st->io);
      continue;
    }
    s.set_option(Tcp::no_delay(true), ec);
    std::uint32_t port = 0;
    std::string origin = peer_address(s, port);
    asio::co_spawn(st->io, local_connection(st, std::move(s), f, std::move(origin), port), asio::detached);
  }
}

asio::awaitable<void> accept_unix(std::shared_ptr<State> st, std::shared_ptr<Unix::acceptor> acc, ForwardSpec f) {
  for (;;) {
    std::error_code ec;
    Unix::socket s = co_await acc->async_accept(asio::redirect_error(use_awaitable, ec));
    if (st->stopped || !acc->is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      st->log.error("accept: " + ec.message());
      co_await pause(st->io);
      continue;
    }
    // As ssh for a connection on a Unix listener: a made-up origin.
    std::string origin = "127.0.0.1";
    asio::co_spawn(st->io, local_connection(st, std::move(s), f, std::move(origin), 0), asio::detached);
  }
}

// channel_setup_local_fwd_listener(): true when at least one socket listens.
bool open_listener(const std::shared_ptr<State>& st, const ForwardSpec& f) {
  if (f.listens_on_path()) {
    int s = listen_unix(f.listen_path, st->cfg.bind_mask, st->cfg.bind_unlink, st->log);
    if (s < 0) return false;
    auto acc = std::make_shared<Unix::acceptor>(st->io);
    std::error_code ec;
    acc->assign(Unix(), s, ec);
    if (ec) {
      close(s);
      return false;
    }
    st->unix_listeners.push_back(acc);
    st->closers.push_back({f, {[acc] {
                             std::error_code e;
                             acc->close(e);
                           }}});
    asio::co_spawn(st->io, accept_unix(st, acc, f), asio::detached);
    return true;
  }
  std::vector<std::function<void()>> closers;
  auto fds = listen_tcp(f, st->cfg.gateway_ports, st->cfg.family, st->log);
  for (int s : fds) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len);
    auto acc = std::make_shared<Tcp::acceptor>(st->io);
    std::error_code ec;
    acc->assign(ss.ss_family == AF_INET6 ? Tcp::v6() : Tcp::v4(), s, ec);
    if (ec) {
      close(s);
      continue;
    }
    st->tcp_listeners.push_back(acc);
    closers.push_back([acc] {
      std::error_code e;
      acc->close(e);
    });
    asio::co_spawn(st->io, accept_tcp(st, acc, f), asio::detached);
  }
  if (!closers.empty()) st->closers.push_back({f, std::move(closers)});
  return !fds.empty();
}

// A forward's local destination (host:port or a Unix socket path), connected.
struct LocalConnection {
  std::optional<Unix::socket> unix_sock;
  std::optional<Tcp::socket> tcp;
  std::error_code ec;  // why neither is set
};

asio::awaitable<LocalConnection> connect_local(State& st, const std::string& host, std::uint32_t port,
                                               const std::string& path) {
  LocalConnection c;
  if (!path.empty()) {
    Unix::socket s(st.io);
    co_await s.async_connect(Unix::endpoint(path), asio::redirect_error(use_awaitable, c.ec));
    if (c.ec) {
      st.log.error("connect_to " + path + ": failed.");
    } else {
      c.unix_sock.emplace(std::move(s));
    }
    co_return c;
  }
  Tcp::resolver resolver(st.io);
  auto results = co_await resolver.async_resolve(host, std::to_string(port), asio::redirect_error(use_awaitable, c.ec));
  Tcp::socket s(st.io);
  if (!c.ec) co_await asio::async_connect(s, results, asio::redirect_error(use_awaitable, c.ec));
  if (c.ec) {
    st.log.error("connect_to " + host.substr(0, 100) + " port " + std::to_string(port) + ": failed.");
    co_return c;
  }
  std::error_code ignored;
  s.set_option(Tcp::no_delay(true), ignored);
  c.tcp.emplace(std::move(s));
  co_return c;
}

// A remote dynamic forward: the forwarded channel speaks SOCKS; skiff connects where
// it asks when PermitRemoteOpen allows it.
asio::awaitable<void> remote_socks(std::shared_ptr<State> st, Channel ch) {
  socks::ServerParser p;
  auto read = [&]() -> asio::awaitable<std::vector<std::uint8_t>> {
    Result<std::vector<std::uint8_t>> chunk = co_await ch.read_chunk();
    co_return chunk ? std::move(*chunk) : std::vector<std::uint8_t>{};
  };
  auto write = [&](const std::vector<std::uint8_t>& out) -> asio::awaitable<bool> {
    Result<void> w = co_await ch.write(out);
    co_return w.has_value();
  };
  if (!co_await read_socks(p, read, write) || p.state() == socks::ServerParser::State::failed) {
    if (p.state() == socks::ServerParser::State::failed) st->log.debug1("remote dynamic forward: " + p.error());
    co_await ch.close();
    co_return;
  }
  const auto req = p.request();
  if (!st->cfg.permit.allows(req.host, req.port)) {
    st->log.info("Received request to connect to host " + req.host + " port " + std::to_string(req.port) +
                 ", but the request was denied.");
    auto answer = p.reply(socks::Reply::not_allowed);
    co_await write(answer);
    co_await ch.close();
    co_return;
  }
  std::vector<std::uint8_t> rest = p.take_rest();
  const std::string no_path;
  LocalConnection c = co_await connect_local(*st, req.host, req.port, no_path);
  if (!c.tcp) {
    auto answer = p.reply(reply_for_errno(c.ec));
    co_await write(answer);
    co_await ch.close();
    co_return;
  }
  auto answer = p.reply(socks::Reply::succeeded);
  if (!co_await write(answer)) co_return;
  co_await splice_socket(ch, std::move(*c.tcp), std::move(rest));
}

// A forwarded channel for a remote forward we asked for: connect, then accept (as ssh,
// the open is confirmed only once the local connection exists).
asio::awaitable<void> remote_connection(std::shared_ptr<State> st, IncomingChannel in, ForwardSpec f) {
  if (f.dynamic()) {
    Result<Channel> ch = in.accept();
    if (!ch) co_return;
    Active active(*st);
    co_await remote_socks(st, *ch);
    co_return;
  }
  LocalConnection c =
      co_await connect_local(*st, f.connect_host, static_cast<std::uint32_t>(f.connect_port), f.connect_path);
  if (!c.unix_sock && !c.tcp) {
    in.reject(OpenFailure::connect_failed, c.ec.message());
    co_return;
  }
  Result<Channel> ch = in.accept();
  if (!ch) co_return;
  Active active(*st);
  std::vector<std::uint8_t> none;
  if (c.tcp) {
    co_await splice_socket(*ch, std::move(*c.tcp), std::move(none));
  } else {
    co_await splice_socket(*ch, std::move(*c.unix_sock), std::move(none));
  }
}

asio::awaitable<void> incoming(std::shared_ptr<State> st, IncomingChannel in, Forwarding::ChannelHook others) {
  const ChannelOpenBody& body = in.body();
  if (const auto* t = std::get_if<ForwardedTcpip>(&body)) {
    for (const auto& r : st->remotes) {
      // open_listen_match_tcpip(): the port the server listens on, the address as asked.
      if (r.spec.listens_on_path() || r.port != t->port || r.bind_host != t->address) continue;
      st->log.debug1("client_request_forwarded_tcpip: listen " + t->address + " port " + std::to_string(t->port) +
                     ", originator " + t->originator + " port " + std::to_string(t->originator_port));
      const ForwardSpec spec = r.spec;
      co_await remote_connection(st, std::move(in), spec);
      co_return;
    }
    st->log.error("WARNING: Server requests forwarding for unknown listen_port " + std::to_string(t->port));
  } else if (const auto* u = std::get_if<ForwardedStreamlocal>(&body)) {
    for (const auto& r : st->remotes) {
      if (!r.spec.listens_on_path() || r.spec.listen_path != u->path) continue;
      const ForwardSpec spec = r.spec;
      co_await remote_connection(st, std::move(in), spec);
      co_return;
    }
    st->log.error("WARNING: Server requests forwarding for unknown path " + u->path.substr(0, 100));
  } else if (others) {
    co_await others(std::move(in));
  }
  // Anything else: refused when `in` goes.
}


// One remote forward asked for (ssh_init_forwarding's loop body, and -O forward): the
// port the server listens on (the allocated one for port 0), or the failure.
asio::awaitable<Result<std::uint32_t>> request_remote(std::shared_ptr<State> stp, Client& client, ForwardSpec f) {
  State& st = *stp;
  st.log.debug1("Remote connections from " + listen_text(f, "LOCALHOST") + ":" + std::to_string(f.listen_port) +
                " forwarded to local address " + connect_text(f) + ":" + std::to_string(f.connect_port));
  RemoteForward r{f, remote_bind_host(f.listen_host), static_cast<std::uint32_t>(f.listen_port), false};
  // Recorded before the answer, as ssh's permission: a forwarded channel may follow
  // the server's reply at once.
  st.remotes.push_back(r);
  bool success = false;
  std::uint32_t port = r.port;
  if (f.listens_on_path()) {
    Result<void> res = co_await client.request_streamlocal_forward(f.listen_path);
    success = res.has_value();
  } else {
    Result<std::uint32_t> res = co_await client.request_tcpip_forward(r.bind_host, r.port);
    success = res.has_value();
    if (success) port = *res;
  }
  const std::string listen = f.listens_on_path() ? f.listen_path
                                                 : (f.listen_host ? *f.listen_host + ":" : std::string()) +
                                                       std::to_string(f.listen_port);
  st.log.debug1(std::string("remote forward ") + (success ? "success" : "failure") + " for: listen " + listen +
                ", connect " + connect_text(f) + ":" + std::to_string(f.connect_port));
  if (success && !f.listens_on_path() && f.listen_port == 0) {
    if (port == 0 || port > 65535) {
      st.log.error("Invalid allocated port " + std::to_string(port) + " for remote forward to " + connect_text(f) +
                   ":" + std::to_string(f.connect_port));
      success = false;
    } else {
      st.log.info("Allocated port " + std::to_string(port) + " for remote forward to " + connect_text(f) + ":" +
                  std::to_string(f.connect_port));
    }
  }
  // The entry may have moved (another request meanwhile): find it again.
  for (auto it = st.remotes.begin(); it != st.remotes.end(); ++it) {
    if (it->spec == f && !it->confirmed) {
      if (success) {
        it->port = port;
        it->confirmed = true;
      } else {
        st.remotes.erase(it);
      }
      break;
    }
  }
  if (!success) co_return fail(Errc::unsupported, "remote port forwarding failed");
  co_return port;
}

}  // namespace

Forwarding::Forwarding(asio::io_context& io, ForwardingConfig cfg, const Log& log)
    : st_(std::make_shared<State>(State{io, std::move(cfg), log, {}, {}, {}, {}, {}, false, 0, std::nullopt})) {}

Forwarding::~Forwarding() { stop(); }

Forwarding::ChannelHook Forwarding::channel_open_hook(ChannelHook others) const {
  return [st = st_, others = std::move(others)](IncomingChannel in) { return incoming(st, std::move(in), others); };
}

void Forwarding::stop() {
  st_->stopped = true;
  std::error_code ec;
  for (auto& a : st_->tcp_listeners) a->close(ec);
  for (auto& a : st_->unix_listeners) a->close(ec);
  st_->tcp_listeners.clear();
  st_->unix_listeners.clear();
}

asio::awaitable<void> Forwarding::wait_idle() {
  State& st = *st_;
  if (!st.idle) st.idle.emplace(st.io);
  while (st.active > 0 && st.link.is_open()) {
    st.log.debug1("waiting for " + std::to_string(st.active) + " forwarded connection(s) to close");
    st.idle->expires_at(asio::steady_timer::time_point::max());
    std::error_code ec;
    co_await st.idle->async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

asio::awaitable<bool> Forwarding::start(Client& client) {
  State& st = *st_;
  st.link = client.link();
  const auto& cfg = st.cfg;
  // ssh_init_forwarding(): local forwards (with -D among them), then the remote ones.
  std::size_t ok = 0, total = 0;
  auto local = [&](const ForwardSpec& f) {
    st.log.debug1("Local connections to " + listen_text(f, cfg.gateway_ports ? "*" : "LOCALHOST") + ":" +
                  std::to_string(f.listen_port) + " forwarded to remote address " + connect_text(f) + ":" +
                  std::to_string(f.connect_port));
    ++total;
    if (open_listener(st_, f)) ++ok;
  };
  for (const auto& f : cfg.local) local(f);
  for (const auto& f : cfg.dynamic) local(f);
  if (total > 0 && ok != total && cfg.exit_on_failure) {
    st.log.fatal("Could not request local forwarding.");
    co_return false;
  }
  if (total > 0 && ok == 0) st.log.error("Could not request local forwarding.");

  for (const auto& f : cfg.remote) {
    Result<std::uint32_t> r = co_await request_remote(st_, client, f);
    if (r) continue;
    const std::string what = f.listens_on_path() ? "listen path " + f.listen_path
                                                 : "listen port " + std::to_string(f.listen_port);
    if (cfg.exit_on_failure) {
      st.log.fatal("Error: remote port forwarding failed for " + what);
      co_return false;
    }
    st.log.info("Warning: remote port forwarding failed for " + what);
  }
  co_return true;
}

asio::awaitable<Result<std::uint32_t>> Forwarding::add(Client& client, ForwardType type, const ForwardSpec& f) {
  auto st = st_;
  st->link = client.link();
  if (type == ForwardType::remote) {
    ForwardSpec copy = f;
    co_return co_await request_remote(st, client, std::move(copy));
  }
  for (const auto& [spec, closers] : st->closers) {
    if (spec == f) co_return std::uint32_t{0};  // already there, as ssh's duplicate check
  }
  if (!open_listener(st, f)) co_return fail(Errc::io_error, "Port forwarding failed.");
  co_return std::uint32_t{0};
}

asio::awaitable<Result<void>> Forwarding::cancel(Client& client, ForwardType type, const ForwardSpec& f) {
  auto st = st_;
  if (type == ForwardType::remote) {
    // By what it listens on, as ssh's channel_request_rforward_cancel: the path, or the
    // port (as asked, or as allocated) and the bind address when one is given.
    auto it = std::find_if(st->remotes.begin(), st->remotes.end(), [&](const RemoteForward& r) {
      if (!r.confirmed) return false;
      if (f.listens_on_path() || r.spec.listens_on_path()) return r.spec.listen_path == f.listen_path;
      const bool port = r.port == static_cast<std::uint32_t>(f.listen_port) || r.spec.listen_port == f.listen_port;
      return port && f.listen_port != 0 && (!f.listen_host || r.spec.listen_host == f.listen_host);
    });
    if (it == st->remotes.end()) co_return fail(Errc::not_found, "port not found");
    const RemoteForward r = *it;
    st->remotes.erase(it);
    if (r.spec.listens_on_path()) {
      co_return co_await client.cancel_streamlocal_forward(r.spec.listen_path);
    }
    co_return co_await client.cancel_tcpip_forward(r.bind_host, r.port);
  }
  // By what it listens on and its kind, as ssh's channel_cancel_lport_listener.
  const bool dynamic = type == ForwardType::dynamic;
  auto it = std::find_if(st->closers.begin(), st->closers.end(), [&](const auto& c) {
    const ForwardSpec& o = c.first;
    return o.dynamic() == dynamic && o.listen_path == f.listen_path && o.listen_port == f.listen_port &&
           (!f.listen_host || o.listen_host == f.listen_host);
  });
  if (it == st->closers.end()) co_return fail(Errc::not_found, "port not forwarded");
  for (auto& close_one : it->second) close_one();
  st->closers.erase(it);
  co_return Result<void>{};
}

asio::awaitable<int> run_stdio_forward(asio::io_context& io, Client& client, const ForwardSpec& target, const Log& log) {
  log.debug3("ssh_init_stdio_forwarding: " + listen_text(target, "") + ":" + std::to_string(target.listen_port));
  // Our own descriptors on stdin and stdout (as ssh dups them): closing them leaves 0
  // and 1 alone.
  asio::posix::stream_descriptor in(io), out(io);
  std::error_code ec;
  in.assign(fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3), ec);
  if (!ec) out.assign(fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3), ec);
  if (ec) {
    log.fatal("ssh_init_stdio_forwarding: stdin/stdout cannot be used: " + ec.message());
    co_return 255;
  }
  const ChannelOpenBody body = target.listens_on_path()
                                   ? ChannelOpenBody{DirectStreamlocal{target.listen_path}}
                                   : ChannelOpenBody{DirectTcpip{target.listen_host.value_or(""),
                                                                 static_cast<std::uint32_t>(target.listen_port),
                                                                 "127.0.0.1", 65535}};
  Result<Channel> ch = co_await client.open_channel(body);
  if (!ch) {
    log.info(ch.error().message);
    log.fatal("stdio forwarding failed");
    co_return 255;
  }
  using namespace asio::experimental::awaitable_operators;
  std::vector<std::uint8_t> none;
  auto shut = [&out] {
    std::error_code e;
    out.close(e);
  };
  // The channel's end ends the forward, even while stdin stays open (ssh exits then).
  auto output = [&]() -> asio::awaitable<void> {
    co_await splice_out(*ch, out, shut, shut);
    std::error_code e;
    in.cancel(e);
  };
  co_await (splice_in(*ch, in, none) && output());
  in.close(ec);
  co_await ch->close();
  log.debug1("stdio forwarding: done");
  co_return 0;
}

}  // namespace skiff::cli
