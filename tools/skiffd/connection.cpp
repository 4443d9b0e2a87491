#include "connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "io/byte_stream.hpp"
#include "io/file_io.hpp"
#include "io/transport_runner.hpp"
#include "keys/fingerprint.hpp"
#include "listener.hpp"
#include "transport/messages.hpp"

namespace skiffd {
namespace {

// Where sshd takes its group-exchange moduli from.
constexpr const char* kModuliFile = "/etc/ssh/moduli";
constexpr std::size_t kMaxModuliBytes = 1024 * 1024;

skiff::TransportConfig transport_config(const Setup& setup, const skiff::config::ServerConfig& c) {
  skiff::TransportConfig t;
  t.role = skiff::Role::server;
  t.host_keys = setup.host_keys;
  t.ciphers = c.ciphers;
  t.macs = c.macs;
  t.kex_algorithms = c.kex_algorithms;
  t.host_key_algorithms = c.host_key_algorithms;
  t.rekey_bytes = c.rekey_limit.bytes;
  t.rekey_interval = std::chrono::seconds(c.rekey_limit.seconds);
  const auto moduli = c.get("modulifile").value_or(kModuliFile);
  if (auto text = skiff::io::read_file(moduli, kMaxModuliBytes)) t.gex_groups = skiff::parse_moduli(*text);
  return t;
}

}  // namespace

ConnectionEndpoints endpoints_of_socket(int fd) {
  ConnectionEndpoints e;
  e.read_fd = e.write_fd = fd;
  socket_address(fd, true, e.peer_address, e.peer_port);
  socket_address(fd, false, e.local_address, e.local_port);
  return e;
}

void report_authenticated() {
  static bool done = false;
  if (done) return;
  done = true;
  if (fcntl(kStartupFd, F_GETFD) != -1) close(kStartupFd);
}

int serve_connection(const ConnectionEndpoints& ep, const Setup& setup) {
  SKIFFD_LOG(verbose, "Connection from %s port %d on %s port %d", ep.peer_address.c_str(), ep.peer_port,
             ep.local_address.c_str(), ep.local_port);
  // Match blocks may set the algorithms for this client's address; the user is not
  // known before authentication.
  skiff::config::ConnectionInfo info;
  info.address = info.host = ep.peer_address;
  info.local_address = ep.local_address;
  info.local_port = ep.local_port;
  auto config = setup.file.for_connection(info, [](std::string_view) { return std::vector<std::string>{}; });
  if (!config) {
    SKIFFD_LOG(error, "%s", config.error().message.c_str());
    return 255;
  }

  // Declared before the context: coroutine frames still pending when the context is
  // destroyed (after a LoginGraceTime stop) refer to it.
  skiff::Transport transport(transport_config(setup, *config));
  asio::io_context ctx;
  std::unique_ptr<skiff::io::ByteStream> stream;
  if (ep.read_fd == ep.write_fd) {
    asio::ip::tcp::socket sock(ctx);
    std::error_code ec;
    const bool v6 = ep.local_address.find(':') != std::string::npos;
    sock.assign(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ep.read_fd, ec);
    if (ec) {
      SKIFFD_LOG(error, "socket: %s", ec.message().c_str());
      return 255;
    }
    stream = skiff::io::make_tcp_stream(std::move(sock));
  } else {
    stream = skiff::io::make_fd_stream(ctx.get_executor(), ep.read_fd, ep.write_fd);
  }

  // LoginGraceTime: a client that has not authenticated by then is cut off. Nobody
  // authenticates in this build, so it bounds every connection.
  asio::steady_timer grace(ctx);
  bool timed_out = false;
  if (config->login_grace_time > 0) {
    grace.expires_after(std::chrono::seconds(config->login_grace_time));
    grace.async_wait([&](std::error_code ec) {
      if (ec) return;
      timed_out = true;
      SKIFFD_LOG(info, "Timeout before authentication for %s port %d", ep.peer_address.c_str(), ep.peer_port);
      ctx.stop();
    });
  }

  int status = 255;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        skiff::io::TransportRunner runner(ctx.get_executor(), transport, std::move(stream));
        const skiff::Error end = co_await runner.run([&](skiff::TransportEvent& ev, skiff::io::TransportRunner& r) {
          if (auto* v = std::get_if<skiff::event::VersionReceived>(&ev)) {
            SKIFFD_LOG(debug1, "Remote protocol version 2.0, remote software version %s", v->peer_version.c_str());
          } else if (auto* k = std::get_if<skiff::event::KexComplete>(&ev)) {
            SKIFFD_LOG(debug1, "kex done: %s, host key %s, cipher %s", k->algorithms.kex.c_str(),
                       k->algorithms.host_key.c_str(), k->algorithms.cipher_s2c.c_str());
          } else if (std::holds_alternative<skiff::event::ServiceRequested>(ev) ||
                     std::holds_alternative<skiff::event::Packet>(ev)) {
            // Honest about what this build can do: no user is ever authenticated here.
            SKIFFD_LOG(info, "Disconnecting %s port %d: authentication is not available in this build",
                       ep.peer_address.c_str(), ep.peer_port);
            r.transport().disconnect(skiff::transport::disconnect::kServiceNotAvailable,
                                     "authentication is not available in this build");
          } else if (auto* d = std::get_if<skiff::event::Disconnected>(&ev)) {
            if (d->by_peer && d->reason == skiff::transport::disconnect::kConnectionLost) {
              SKIFFD_LOG(info, "Connection closed by %s port %d", ep.peer_address.c_str(), ep.peer_port);
            } else if (d->by_peer) {
              SKIFFD_LOG(info, "Received disconnect from %s port %d:%u: %s", ep.peer_address.c_str(), ep.peer_port,
                         d->reason, d->description.c_str());
            }
          }
        });
        if (end.code == skiff::Errc::disconnected) {
          status = 0;
        } else {
          SKIFFD_LOG(info, "Connection closed by %s port %d: %s", ep.peer_address.c_str(), ep.peer_port,
                     end.message.c_str());
        }
        grace.cancel();
      },
      asio::detached);
  ctx.run();
  return timed_out ? 255 : status;
}

}  // namespace skiffd
