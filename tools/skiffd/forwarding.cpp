#include "forwarding.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "common/channel_splice.hpp"
#include "forwarding_policy.hpp"

namespace skiffd {
namespace {

using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

// Listeners at once per connection (each tcpip-forward may hold two sockets): a client
// cannot make this process hold descriptors without bound.
constexpr std::size_t kMaxListeners = 256;

// Closes what is open when the connection ends (sockets waiting on a peer that will never
// write would keep the io_context running otherwise).
struct Closers {
  std::map<std::uint64_t, std::function<void()>> open;
  std::uint64_t next = 0;
  bool ended = false;

  std::uint64_t add(std::function<void()> close) {
    if (ended) {
      close();
      return 0;
    }
    open.emplace(++next, std::move(close));
    return next;
  }
  void remove(std::uint64_t id) { open.erase(id); }
  void end() {
    ended = true;
    auto all = std::move(open);
    for (auto& [id, close] : all) close();
  }
};

// A forwarded connection: a socket and its channel, two pumps and a watcher.
template <class Socket>
struct Carrier {
  Carrier(skiff::Channel c, Socket s) : channel(std::move(c)), socket(std::move(s)) {}
  skiff::Channel channel;
  Socket socket;
  std::shared_ptr<Closers> closers;
  std::uint64_t closer_id = 0;
  int finished = 0;
  bool closing = false;

  void close_socket() {
    std::error_code ec;
    socket.close(ec);
  }
  // Both directions done (or one failed): our CLOSE, then nothing more is registered.
  asio::awaitable<void> finish(bool ok) {
    ++finished;
    if (closing || (ok && finished < 2)) co_return;
    closing = true;
    close_socket();
    co_await channel.close();
    closers->remove(closer_id);
  }
};

// Channel -> socket (channel_splice.hpp's half: data gathered into large writes); the
// channel's EOF shuts the socket's sending side, a CLOSE without EOF drops it.
template <class Socket>
asio::awaitable<void> to_socket(std::shared_ptr<Carrier<Socket>> c) {
  bool ok = true;
  auto shut = [&c] {
    std::error_code ec;
    c->socket.shutdown(Socket::shutdown_send, ec);
  };
  co_await skiff::tools::splice_out(c->channel, c->socket, shut, [&ok] { ok = false; });
  co_await c->finish(ok);
  // Everything the channel carried is written out. Once it is fully closed (the peer's
  // CLOSE, or the connection's end) the other direction may still wait on a socket
  // nobody will write to: close it then, never earlier (data would be cut).
  co_await c->channel.wait_closed();
  c->close_socket();
}

// Socket -> channel: the write waits for window before the socket is read again.
template <class Socket>
asio::awaitable<void> to_channel(std::shared_ptr<Carrier<Socket>> c) {
  std::vector<std::uint8_t> none;
  const bool ok = co_await skiff::tools::splice_in(c->channel, c->socket, none);
  co_await c->finish(ok);
}

template <class Socket>
void carry(const std::shared_ptr<Closers>& closers, skiff::Channel& channel, Socket& socket) {
  auto c = std::make_shared<Carrier<Socket>>(channel, std::move(socket));
  c->closers = closers;
  std::weak_ptr<Carrier<Socket>> weak = c;
  c->closer_id = closers->add([weak] {
    if (auto s = weak.lock()) s->close_socket();
  });
  auto ex = c->socket.get_executor();
  asio::co_spawn(ex, to_socket(c), asio::detached);
  asio::co_spawn(ex, to_channel(c), asio::detached);
}

// getaddrinfo's wording for asio's resolver errors (sshd puts gai_strerror in the open
// failure).
std::string resolve_error_text(const std::error_code& ec) {
  if (ec == asio::error::host_not_found) return ::gai_strerror(EAI_NONAME);
  if (ec == asio::error::host_not_found_try_again) return ::gai_strerror(EAI_AGAIN);
  if (ec == asio::error::service_not_found) return ::gai_strerror(EAI_SERVICE);
  if (ec == asio::error::no_data) return ::gai_strerror(EAI_NODATA);
  return ec.message();
}

int af_hint(skiff::config::AddressFamily f) {
  return f == skiff::config::AddressFamily::inet    ? AF_INET
         : f == skiff::config::AddressFamily::inet6 ? AF_INET6
                                                    : AF_UNSPEC;
}

}  // namespace

// A remote forward's listening sockets (two for "localhost" or a wildcard: one per family).
struct RemoteListener {
  bool unix_socket = false;
  std::string address;     // as the client asked (cancel-tcpip-forward names it again)
  std::uint32_t port = 0;  // the port listened on (the allocated one for 0)
  std::string path;
  std::vector<std::unique_ptr<tcp::acceptor>> tcp_acceptors;
  std::unique_ptr<unix_stream::acceptor> unix_acceptor;

  void close() {
    std::error_code ec;
    for (auto& a : tcp_acceptors) a->close(ec);
    if (unix_acceptor) unix_acceptor->close(ec);
  }
};

struct Forwarding::State : std::enable_shared_from_this<Forwarding::State> {
  explicit State(Login& l) : login(l) {}
  Login& login;
  std::optional<ForwardingPolicy> policy_cache;
  std::shared_ptr<Closers> closers = std::make_shared<Closers>();
  std::vector<std::shared_ptr<RemoteListener>> listeners;
  bool watching = false;

  // After authentication: the user's configuration and key options are final then.
  const ForwardingPolicy& policy() {
    if (!policy_cache) {
      policy_cache.emplace(login.config(), login.privileged().key_options(), login.peer().address, login.peer().port);
    }
    return *policy_cache;
  }

  // The first forwarding request starts the watch for the connection's end.
  void watch_end(const skiff::ConnectionLink& link) {
    if (watching) return;
    watching = true;
    auto self = shared_from_this();
    asio::co_spawn(login_executor, wait_end(self, link), asio::detached);
  }
  static asio::awaitable<void> wait_end(std::shared_ptr<State> self, skiff::ConnectionLink link) {
    co_await link.wait_closed();
    for (auto& l : self->listeners) l->close();
    self->listeners.clear();
    self->closers->end();
  }
  asio::any_io_executor login_executor;

  asio::awaitable<void> open(skiff::IncomingChannel& in);
  asio::awaitable<void> open_tcp(skiff::IncomingChannel& in, const skiff::DirectTcpip& d);
  asio::awaitable<void> open_unix(skiff::IncomingChannel& in, const skiff::DirectStreamlocal& d);
  skiff::GlobalRequestAnswer request(const skiff::GlobalRequest& g, const skiff::ConnectionLink& link);
  skiff::GlobalRequestAnswer listen_tcp(const skiff::TcpipForwardRequest& f, bool want_reply,
                                        const skiff::ConnectionLink& link);
  skiff::GlobalRequestAnswer listen_unix(const skiff::StreamlocalForwardRequest& f, const skiff::ConnectionLink& link);
  bool cancel(bool unix_socket, const std::string& address, std::uint32_t port, const std::string& path);
  void refuse_log(const ForwardDecision& d) {
    if (!d.log_line.empty()) login.log().log(d.log_error ? sys::LogLevel::error : sys::LogLevel::info, d.log_line);
  }
};

namespace {

// Accepted connections of a remote forward become forwarded-* channels; the socket waits
// (unread) until the client answers the open.
template <class Socket>
asio::awaitable<void> forward_accepted(std::shared_ptr<Forwarding::State> s, std::shared_ptr<RemoteListener> l,
                                       Socket socket, skiff::ConnectionLink link) {
  skiff::ChannelOpenBody body;
  if constexpr (std::is_same_v<Socket, unix_stream::socket>) {
    body = skiff::ForwardedStreamlocal{l->path};
  } else {
    std::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    skiff::ForwardedTcpip f;
    f.address = l->address;
    f.port = l->port;
    if (!ec) {
      f.originator = remote.address().to_string();
      f.originator_port = remote.port();
    }
    body = std::move(f);
  }
  // Closed with the connection while the client has not answered yet.
  auto sock = std::make_shared<Socket>(std::move(socket));
  std::weak_ptr<Socket> weak = sock;
  const std::uint64_t id = s->closers->add([weak] {
    std::error_code ec;
    if (auto p = weak.lock()) p->close(ec);
  });
  auto ch = co_await link.open_channel(body);
  s->closers->remove(id);
  if (!ch) {
    s->login.log().info(ch.error().message);
    co_return;
  }
  if (!sock->is_open()) {
    co_await ch->close();
    co_return;
  }
  carry(s->closers, *ch, *sock);
}

template <class Acceptor>
asio::awaitable<void> accept_loop(std::shared_ptr<Forwarding::State> s, std::shared_ptr<RemoteListener> l,
                                  Acceptor& acceptor, skiff::ConnectionLink link) {
  for (;;) {
    std::error_code ec;
    auto socket = co_await acceptor.async_accept(redirect_error(use_awaitable, ec));
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // the client went away before accept, or a descriptor limit: go on
    if constexpr (std::is_same_v<Acceptor, tcp::acceptor>) {
      std::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
    }
    asio::co_spawn(acceptor.get_executor(), forward_accepted(s, l, std::move(socket), link), asio::detached);
  }
}

}  // namespace

asio::awaitable<void> Forwarding::State::open(skiff::IncomingChannel& in) {
  watch_end(in.link());
  if (const auto* d = std::get_if<skiff::DirectTcpip>(&in.body())) {
    co_await open_tcp(in, *d);
  } else if (const auto* u = std::get_if<skiff::DirectStreamlocal>(&in.body())) {
    co_await open_unix(in, *u);
  } else {
    in.reject(skiff::OpenFailure::administratively_prohibited, "open failed");
  }
}

asio::awaitable<void> Forwarding::State::open_tcp(skiff::IncomingChannel& in, const skiff::DirectTcpip& d) {
  const ForwardDecision decision = policy().direct_tcpip(d.host, d.port, d.originator, d.originator_port);
  if (!decision.allowed) {
    refuse_log(decision);
    in.reject(static_cast<skiff::OpenFailure>(decision.reason), "open failed");
    co_return;
  }
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto self = shared_from_this();
  const std::uint64_t resolving = closers->add([&resolver] { resolver.cancel(); });
  std::error_code ec;
  const std::string port = std::to_string(d.port);
  const int family = af_hint(policy().address_family());
  tcp::resolver::results_type results;
  if (family == AF_UNSPEC) {
    results = co_await resolver.async_resolve(d.host, port, redirect_error(use_awaitable, ec));
  } else {
    const tcp protocol = family == AF_INET ? tcp::v4() : tcp::v6();
    results = co_await resolver.async_resolve(protocol, d.host, port, redirect_error(use_awaitable, ec));
  }
  self->closers->remove(resolving);
  if (ec) {
    const std::string why = resolve_error_text(ec);
    login.log().error("connect_to " + d.host + ": unknown host (" + why + ")");
    in.reject(skiff::OpenFailure::connect_failed, why);
    co_return;
  }
  auto socket = std::make_shared<tcp::socket>(ex);
  std::weak_ptr<tcp::socket> weak = socket;
  const std::uint64_t connecting = closers->add([weak] {
    std::error_code ignored;
    if (auto p = weak.lock()) p->close(ignored);
  });
  co_await asio::async_connect(*socket, results, redirect_error(use_awaitable, ec));
  closers->remove(connecting);
  if (ec || !socket->is_open()) {
    login.log().error("connect_to " + d.host + " port " + std::to_string(d.port) + ": failed.");
    const std::string why = ec ? ec.message() : "Connection refused";
    in.reject(skiff::OpenFailure::connect_failed, why);
    co_return;
  }
  socket->set_option(tcp::no_delay(true), ec);
  auto ch = in.accept();
  if (!ch) co_return;
  carry(closers, *ch, *socket);
}

asio::awaitable<void> Forwarding::State::open_unix(skiff::IncomingChannel& in, const skiff::DirectStreamlocal& d) {
  const ForwardDecision decision = policy().direct_streamlocal(d.path, "", 0);
  if (!decision.allowed) {
    refuse_log(decision);
    in.reject(static_cast<skiff::OpenFailure>(decision.reason), "open failed");
    co_return;
  }
  auto fd = login.privileged().connect_unix(d.path);
  if (!fd) {
    login.log().error(fd.error().message);
    in.reject(skiff::OpenFailure::connect_failed, "open failed");
    co_return;
  }
  auto ex = co_await asio::this_coro::executor;
  unix_stream::socket socket(ex);
  std::error_code ec;
  socket.assign(unix_stream(), fd->release(), ec);
  if (ec) {
    in.reject(skiff::OpenFailure::connect_failed, "open failed");
    co_return;
  }
  auto ch = in.accept();
  if (!ch) co_return;
  carry(closers, *ch, socket);
}

skiff::GlobalRequestAnswer Forwarding::State::request(const skiff::GlobalRequest& g, const skiff::ConnectionLink& link) {
  watch_end(link);
  if (const auto* f = std::get_if<skiff::TcpipForwardRequest>(&g.body)) return listen_tcp(*f, g.want_reply, link);
  if (const auto* f = std::get_if<skiff::StreamlocalForwardRequest>(&g.body)) return listen_unix(*f, link);
  if (const auto* c = std::get_if<skiff::CancelTcpipForwardRequest>(&g.body)) {
    return {cancel(false, c->address, c->port, {}), 0};
  }
  if (const auto* c = std::get_if<skiff::CancelStreamlocalForwardRequest>(&g.body)) {
    return {cancel(true, {}, 0, c->path), 0};
  }
  return {};
}

skiff::GlobalRequestAnswer Forwarding::State::listen_tcp(const skiff::TcpipForwardRequest& f, bool want_reply,
                                                        const skiff::ConnectionLink& link) {
  const ForwardDecision decision = policy().tcpip_forward(f.address, f.port, want_reply);
  if (!decision.allowed) {
    refuse_log(decision);
    return {};
  }
  if (listeners.size() >= kMaxListeners) {
    login.log().error("tcpip-forward: too many forwards (" + std::to_string(kMaxListeners) + ")");
    return {};
  }
  const BindPlan plan = policy().bind_plan(f.address);
  addrinfo hints{};
  hints.ai_family = af_hint(policy().address_family());
  hints.ai_flags = plan.wildcard ? AI_PASSIVE : 0;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  // A name given with GatewayPorts clientspecified is resolved here, blocking, as sshd.
  const std::string port_text = std::to_string(f.port);
  if (int r = ::getaddrinfo(plan.address ? plan.address->c_str() : nullptr, port_text.c_str(), &hints, &found); r != 0) {
    login.log().error("channel_setup_fwd_listener_tcpip: getaddrinfo(" + plan.address.value_or("NULL") +
                      "): " + ::gai_strerror(r));
    return {};
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, ::freeaddrinfo);
  auto listener = std::make_shared<RemoteListener>();
  listener->address = f.address;
  std::uint16_t allocated = 0;
  auto ex = login_executor;
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    // A port picked for one family is asked for the other too, as sshd.
    auto* port_field = ai->ai_family == AF_INET ? &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_port
                                                : &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_port;
    if (f.port == 0 && allocated != 0) *port_field = htons(allocated);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
      continue;
    }
    auto fd = login.privileged().listen_tcp(ai->ai_addr, ai->ai_addrlen);
    if (!fd) {
      // "bind: Permission denied" -> "bind [127.0.0.1]:80: Permission denied"
      std::string m = fd.error().message;
      const auto colon = m.find(": ");
      if (colon != std::string::npos) m.insert(colon, std::string(" [") + host + "]:" + serv);
      login.log().log(ai->ai_next ? sys::LogLevel::verbose : sys::LogLevel::error, m);
      continue;
    }
    auto acceptor = std::make_unique<tcp::acceptor>(ex);
    std::error_code ec;
    acceptor->assign(ai->ai_family == AF_INET ? tcp::v4() : tcp::v6(), fd->get(), ec);
    if (ec) continue;
    (void)fd->release();
    if (f.port == 0 && allocated == 0) allocated = acceptor->local_endpoint(ec).port();
    listener->tcp_acceptors.push_back(std::move(acceptor));
  }
  if (listener->tcp_acceptors.empty()) {
    login.log().error("channel_setup_fwd_listener_tcpip: cannot listen to port: " + std::to_string(f.port));
    return {};
  }
  listener->port = f.port == 0 ? allocated : f.port;
  listeners.push_back(listener);
  auto self = shared_from_this();
  for (auto& a : listener->tcp_acceptors) asio::co_spawn(ex, accept_loop(self, listener, *a, link), asio::detached);
  return {true, f.port == 0 ? allocated : 0u};
}

skiff::GlobalRequestAnswer Forwarding::State::listen_unix(const skiff::StreamlocalForwardRequest& f,
                                                         const skiff::ConnectionLink& link) {
  const ForwardDecision decision = policy().streamlocal_forward(f.path);
  if (!decision.allowed) {
    refuse_log(decision);
    return {};
  }
  if (listeners.size() >= kMaxListeners) {
    login.log().error("streamlocal-forward: too many forwards (" + std::to_string(kMaxListeners) + ")");
    return {};
  }
  auto fd = login.privileged().listen_unix(f.path, policy().stream_local_bind_mask(), policy().stream_local_bind_unlink());
  if (!fd) {
    login.log().error(fd.error().message);
    return {};
  }
  auto listener = std::make_shared<RemoteListener>();
  listener->unix_socket = true;
  listener->path = f.path;
  listener->unix_acceptor = std::make_unique<unix_stream::acceptor>(login_executor);
  std::error_code ec;
  listener->unix_acceptor->assign(unix_stream(), fd->get(), ec);
  if (ec) return {};
  (void)fd->release();
  listeners.push_back(listener);
  auto self = shared_from_this();
  asio::co_spawn(login_executor, accept_loop(self, listener, *listener->unix_acceptor, link), asio::detached);
  return {true, 0};
}

bool Forwarding::State::cancel(bool unix_socket, const std::string& address, std::uint32_t port,
                               const std::string& path) {
  bool found = false;
  std::erase_if(listeners, [&](const std::shared_ptr<RemoteListener>& l) {
    const bool match = l->unix_socket == unix_socket &&
                       (unix_socket ? l->path == path : l->address == address && l->port == port);
    if (match) {
      l->close();
      found = true;
    }
    return match;
  });
  return found;
}

Forwarding::Forwarding(Login& login) : state_(std::make_shared<State>(login)) {}

Forwarding::~Forwarding() = default;

void Forwarding::install(skiff::ServerHooks& hooks) {
  auto state = state_;
  hooks.channel_open = [state](skiff::IncomingChannel in) -> asio::awaitable<void> {
    if (!state->login_executor) state->login_executor = co_await asio::this_coro::executor;
    co_await state->open(in);
  };
  hooks.global_request = [state](const skiff::GlobalRequest& g, const skiff::AuthenticatedUser&,
                                 skiff::ConnectionLink link) -> asio::awaitable<skiff::GlobalRequestAnswer> {
    if (!state->login_executor) state->login_executor = co_await asio::this_coro::executor;
    co_return state->request(g, link);
  };
}

}  // namespace skiffd
