// What the public API's tests share: keys, a client that trusts the test host key, and a
// client/server pair over a Unix socket pair in one io_context.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/steady_timer.hpp>

#include <skiff/client.hpp>
#include <skiff/server.hpp>

namespace skiff::api_test {

using namespace std::chrono_literals;

inline const PrivateKey& host_key() {
  static const PrivateKey k = PrivateKey::generate(KeyType::ed25519).value();
  return k;
}
inline const PrivateKey& user_key() {
  static const PrivateKey k = PrivateKey::generate(KeyType::ecdsa_p256).value();
  return k;
}

inline std::span<const std::uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

inline asio::awaitable<std::string> read_all(Channel ch, bool err = false) {
  std::string out;
  std::vector<std::uint8_t> buf(16 * 1024);
  while (true) {
    auto n = err ? co_await ch.read_stderr(buf) : co_await ch.read(buf);
    if (!n || *n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  co_return out;
}

inline ClientOptions client_options() {
  ClientOptions o;
  o.user = "alice";
  o.check_host_key = [](const HostKey& k) -> asio::awaitable<Result<void>> {
    if (k.key == host_key().public_key()) co_return Result<void>{};
    co_return fail(Errc::host_key_rejected, "Host key verification failed.");
  };
  return o;
}

// A server that accepts any password, and a client that gives one: for tests about what
// comes after the login.
inline std::shared_ptr<ServerOptions> password_server() {
  auto o = std::make_shared<ServerOptions>();
  o->transport.host_keys = {host_key()};
  o->methods = {"password"};
  o->hooks.check_password = [](const PasswordCheck&) -> asio::awaitable<PasswordVerdict> {
    co_return PasswordVerdict::accept;
  };
  return o;
}

inline ClientOptions password_client() {
  auto co = client_options();
  co.methods = {"password"};
  co.password = [](const PasswordPrompt&) -> asio::awaitable<std::optional<Secret>> { co_return Secret("pw"); };
  return co;
}

struct Pair {
  asio::io_context ctx;
  std::unique_ptr<Stream> client_stream, server_stream;
  std::optional<Error> server_end;
  Pair() {
    asio::local::stream_protocol::socket a(ctx), b(ctx);
    asio::local::connect_pair(a, b);
    client_stream = make_unix_stream(std::move(a));
    server_stream = make_unix_stream(std::move(b));
  }
  // Runs the server and the client coroutine until both are done (or 60 s passed).
  void run(std::shared_ptr<ServerOptions> options, std::function<asio::awaitable<void>(std::unique_ptr<Stream>)> client) {
    asio::steady_timer guard(ctx, 60s);
    int running = 2;
    auto done = [&] {
      if (--running == 0) guard.cancel();
    };
    asio::co_spawn(
        ctx,
        [this, options, &done]() -> asio::awaitable<void> {
          ServerConnection conn(std::move(server_stream), options);
          server_end = co_await conn.run();
          done();
        },
        asio::detached);
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          co_await client(std::move(client_stream));
          done();
        },
        asio::detached);
    guard.async_wait([this](std::error_code ec) {
      if (!ec) {
        ADD_FAILURE() << "test timed out";
        ctx.stop();
      }
    });
    ctx.run_for(65s);
  }
};

}  // namespace skiff::api_test
