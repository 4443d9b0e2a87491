#include "connection.hpp"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <skiff/server.hpp>

#include "auth_hooks.hpp"
#include "agent_forwarding.hpp"
#include "forwarding.hpp"
#include "listener.hpp"
#include "server_options.hpp"
#include "session.hpp"
#include "system/local_privileged.hpp"

namespace skiffd {
namespace {

sys::LogOptions server_log_options(const LogSettings& s) {
  sys::LogOptions o;
  o.level = static_cast<sys::LogLevel>(s.level);
  o.facility = s.facility;
  o.to_syslog = !s.to_stderr;
  o.to_stderr = s.to_stderr;
  o.file = s.file;
  return o;
}

sys::Peer peer_of(const ConnectionEndpoints& ep) {
  sys::Peer p;
  p.address = p.host = ep.peer_address;
  p.port = static_cast<std::uint16_t>(ep.peer_port);
  p.local_address = ep.local_address;
  p.local_port = static_cast<std::uint16_t>(ep.local_port);
  return p;
}

std::unique_ptr<skiff::Stream> make_stream(asio::io_context& ctx, const ConnectionEndpoints& ep) {
  if (ep.read_fd != ep.write_fd) return skiff::make_fd_stream(ctx.get_executor(), ep.read_fd, ep.write_fd);
  asio::ip::tcp::socket sock(ctx);
  std::error_code ec;
  const bool v6 = ep.local_address.find(':') != std::string::npos;
  sock.assign(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ep.read_fd, ec);
  if (ec) {
    SKIFFD_LOG(error, "socket: %s", ec.message().c_str());
    return nullptr;
  }
  return skiff::make_tcp_stream(std::move(sock));
}

}  // namespace

ConnectionEndpoints endpoints_of_socket(int fd) {
  ConnectionEndpoints e;
  e.read_fd = e.write_fd = fd;
  socket_address(fd, true, e.peer_address, e.peer_port);
  socket_address(fd, false, e.local_address, e.local_port);
  return e;
}

void report_authenticated(int& startup_fd) {
  if (startup_fd < 0) return;
  close(startup_fd);
  startup_fd = -1;
}

int serve_connection(const ConnectionEndpoints& ep, const Setup& setup) {
  // A child that closed its stdin must not end skiffd with SIGPIPE; sessions get the
  // default back before their exec.
  ::signal(SIGPIPE, SIG_IGN);
  sys::ServerLog log(server_log_options(setup.log));
  log_set_sink([&log](LogLevel level, std::string_view text) { log.log(static_cast<sys::LogLevel>(level), text); });
  const sys::Peer peer = peer_of(ep);
  log.connection_from(peer);

  // Match blocks may set the algorithms for this client's address; the user is known
  // only later (auth_hooks evaluates them again then).
  skiff::config::ConnectionInfo info;
  info.address = info.host = ep.peer_address;
  info.local_address = ep.local_address;
  info.local_port = static_cast<std::uint16_t>(ep.local_port);
  auto config = setup.file.for_connection(info, [](std::string_view) { return std::vector<std::string>{}; });
  if (!config) {
    log.error(config.error().message);
    log_set_sink({});
    return 255;
  }

  int status = 255;
  {
    sys::LocalPrivilegedOptions popts;
    popts.config = std::make_shared<const skiff::config::ServerConfigFile>(setup.file);
    popts.peer = peer;
    sys::LocalPrivileged privileged(std::move(popts), log);

    // The context is declared after what its coroutines refer to, so that frames still
    // pending when it is destroyed find them alive.
    asio::io_context ctx;
    auto options = std::make_shared<skiff::ServerOptions>(make_server_options(setup, *config));
    auto stream = make_stream(ctx, ep);
    if (!stream) {
      log_set_sink({});
      return 255;
    }
    skiff::ServerConnection connection(std::move(stream), options);
    int startup_fd = ep.startup_fd;
    Login login(setup.file, *config, privileged, log, peer, options->max_auth_tries,
                [&startup_fd] { report_authenticated(startup_fd); },
                [&connection, &log](std::string why) {
                  log.error(why);
                  connection.disconnect("authentication failed on the server", 2);
                });
    login.install(options->hooks);
    // direct-tcpip, direct-streamlocal and remote forwards (forwarding.hpp).
    Forwarding forwarding(login);
    forwarding.install(options->hooks);
    const bool sessions_allowed = config->max_sessions != 0;  // MaxSessions 0: none (the library's 0 is no cap)
    // The forwarded agent's socket, one per connection (agent_forwarding.hpp).
    AgentForwarding agent(login);
    options->hooks.session = [&login, &agent, sessions_allowed](skiff::Session s) -> asio::awaitable<void> {
      if (sessions_allowed) co_await serve_session(s, login, agent);
    };

    // LoginGraceTime from the first byte: the library's own clock starts with user
    // authentication, which a client stalling in the version or key exchange never reaches.
    asio::steady_timer grace(ctx);
    if (config->login_grace_time > 0) {
      grace.expires_after(std::chrono::seconds(config->login_grace_time));
      grace.async_wait([&](std::error_code ec) {
        if (ec || login.authenticated()) return;
        login.grace_expired();
        connection.disconnect("Timeout before authentication", 2);
      });
    }
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          const skiff::Error end = co_await connection.run();
          grace.cancel();
          login.log_end(end);
          if (end.code == skiff::Errc::disconnected) status = 0;
        },
        asio::detached);
    ctx.run();
  }
  log_set_sink({});
  return status;
}

}  // namespace skiffd
