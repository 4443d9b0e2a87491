// The Asio runtime end to end in one process: a client and a server transport, each
// driven by a TransportRunner, over a Unix stream socket pair and over a pair of pipes
// (the inetd / ProxyCommand shape). Real sockets and descriptors, real coroutines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>

#include "io/byte_stream.hpp"
#include "io/transport_runner.hpp"

using namespace skiff;

namespace {

struct Outcome {
  std::optional<Error> end;
  std::uint64_t exchanges = 0;
  std::uint64_t received = 0;
};

TransportConfig server_config() {
  static const PrivateKey key = PrivateKey::generate(KeyType::ed25519).value();
  TransportConfig c;
  c.role = Role::server;
  c.host_keys = {key};
  return c;
}

// Client: handshake, service, a rekey, 8 MiB of messages, then a clean disconnect.
// Server: counts what arrives.
void run_pair(asio::io_context& ctx, std::unique_ptr<io::ByteStream> client_stream,
              std::unique_ptr<io::ByteStream> server_stream, Outcome& client_out, Outcome& server_out) {
  TransportConfig cc;
  cc.role = Role::client;
  Transport client(cc), server(server_config());
  constexpr std::uint64_t kMessages = 256;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        io::TransportRunner r(ctx.get_executor(), server, std::move(server_stream));
        Error e = co_await r.run([&](TransportEvent& ev, io::TransportRunner&) {
          if (std::holds_alternative<event::KexComplete>(ev)) ++server_out.exchanges;
          if (std::holds_alternative<event::Packet>(ev)) ++server_out.received;
        });
        server_out.end = e;
      },
      asio::detached);
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        io::TransportRunner r(ctx.get_executor(), client, std::move(client_stream));
        std::uint64_t sent = 0;
        Bytes msg(32 * 1024, 0x5a);
        msg[0] = 94;
        auto send_some = [&](Transport& t) {
          while (sent < kMessages && t.can_send()) {
            if (!t.send(msg)) return;
            ++sent;
          }
          if (sent == kMessages && !t.kex_in_progress()) t.disconnect(11, "done");
        };
        Error e = co_await r.run([&](TransportEvent& ev, io::TransportRunner&) {
          if (std::holds_alternative<event::HostKeyCheck>(ev)) client.accept_host_key();
          if (auto* k = std::get_if<event::KexComplete>(&ev)) {
            ++client_out.exchanges;
            if (k->initial) client.request_service("ssh-userauth");
            if (!k->initial) send_some(client);
          }
          if (std::holds_alternative<event::ServiceAccepted>(ev)) {
            client.request_rekey();
          }
        });
        client_out.end = e;
      },
      asio::detached);
  ctx.run();
}

void expect_clean(const Outcome& client_out, const Outcome& server_out) {
  ASSERT_TRUE(client_out.end && server_out.end);
  EXPECT_EQ(client_out.end->code, Errc::disconnected) << client_out.end->to_string();
  EXPECT_EQ(server_out.end->code, Errc::disconnected) << server_out.end->to_string();
  EXPECT_EQ(client_out.exchanges, 2u);
  EXPECT_EQ(server_out.exchanges, 2u);
  EXPECT_EQ(server_out.received, 256u);
}

TEST(TransportRunner, UnixSocketPair) {
  asio::io_context ctx;
  asio::local::stream_protocol::socket a(ctx), b(ctx);
  asio::local::connect_pair(a, b);
  Outcome c, s;
  run_pair(ctx, io::make_unix_stream(std::move(a)), io::make_unix_stream(std::move(b)), c, s);
  expect_clean(c, s);
}

TEST(TransportRunner, PairOfPipes) {
  int c2s[2], s2c[2];
  ASSERT_EQ(::pipe(c2s), 0);
  ASSERT_EQ(::pipe(s2c), 0);
  asio::io_context ctx;
  Outcome c, s;
  run_pair(ctx, io::make_fd_stream(ctx.get_executor(), s2c[0], c2s[1]),
           io::make_fd_stream(ctx.get_executor(), c2s[0], s2c[1]), c, s);
  expect_clean(c, s);
}

}  // namespace
