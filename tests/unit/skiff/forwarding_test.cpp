// skiff's forwarding on the public API, in memory against the library's server: a
// remote forward on port 0 is asked for, the server opens forwarded channels, and only
// the one matching the forward (its address as asked, the allocated port) is accepted
// and connected to the local destination; the others are refused as ssh refuses them.
#include "skiff/forwarding.hpp"

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "../io/api_test_support.hpp"

namespace skiff::cli {
namespace {

using namespace skiff::api_test;
using namespace std::chrono_literals;

// One local TCP service that answers "hello " and what it read.
asio::awaitable<void> greeter(asio::ip::tcp::acceptor& acc) {
  auto s = co_await acc.async_accept(asio::use_awaitable);
  std::array<char, 5> in{};
  co_await asio::async_read(s, asio::buffer(in), asio::use_awaitable);
  std::string out = "hello " + std::string(in.data(), in.size());
  co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
}

TEST(SkiffForwarding, ForwardedChannelsMustMatchARequestedForward) {
  Pair p;
  asio::ip::tcp::acceptor acc(p.ctx, {asio::ip::make_address("127.0.0.1"), 0});
  const int local_port = acc.local_endpoint().port();
  asio::co_spawn(p.ctx, greeter(acc), asio::detached);

  auto o = password_server();
  std::vector<std::string> outcomes;
  std::string through;
  std::string asked;
  o->hooks.global_request = [&](const GlobalRequest& g, const AuthenticatedUser&,
                                ConnectionLink link) -> asio::awaitable<GlobalRequestAnswer> {
    const auto* f = std::get_if<TcpipForwardRequest>(&g.body);
    if (!f) co_return GlobalRequestAnswer{false};
    asked = f->address + ":" + std::to_string(f->port);
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&, link]() mutable -> asio::awaitable<void> {
          // Not requested: another port, another address, a Unix socket path.
          const ChannelOpenBody wrong_port = ForwardedTcpip{"localhost", 40124, "192.0.2.9", 1};
          const ChannelOpenBody wrong_address = ForwardedTcpip{"0.0.0.0", 40123, "192.0.2.9", 1};
          const ChannelOpenBody wrong_path = ForwardedStreamlocal{"/tmp/never.sock"};
          for (const auto* b : {&wrong_port, &wrong_address, &wrong_path}) {
            auto ch = co_await link.open_channel(*b);
            outcomes.push_back(ch ? std::string("accepted") : ch.error().message);
          }
          const ChannelOpenBody right = ForwardedTcpip{"localhost", 40123, "192.0.2.9", 2};
          auto ch = co_await link.open_channel(right);
          outcomes.push_back(ch ? std::string("accepted") : ch.error().message);
          if (!ch) co_return;
          EXPECT_TRUE(co_await ch->write(bytes("skiff")));
          (void)ch->send_eof();
          through = co_await read_all(*ch);
          co_await ch->close();
        },
        asio::detached);
    co_return GlobalRequestAnswer{true, 40123};
  };

  ForwardingConfig cfg;
  cfg.remote.push_back(*parse_forward("0:127.0.0.1:" + std::to_string(local_port), false, true));
  Log log(Level::quiet, 2);
  Forwarding fwd(p.ctx, cfg, log);
  bool started = false;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();
    co.channel_open = fwd.channel_open_hook();
    auto c = co_await Client::start(std::move(s), std::move(co));
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    started = co_await fwd.start(*c);
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer t(ex);
    for (int i = 0; i < 500 && through.empty(); ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    c->disconnect();
  });
  EXPECT_TRUE(started);
  EXPECT_EQ(asked, "localhost:0");
  ASSERT_EQ(outcomes.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(outcomes[i].find("open failed: administratively prohibited: open failed"), std::string::npos)
        << outcomes[i];
  }
  EXPECT_EQ(outcomes[3], "accepted");
  EXPECT_EQ(through, "hello skiff");
}

TEST(SkiffForwarding, RefusedRemoteForwardWithExitOnForwardFailure) {
  auto o = password_server();
  o->hooks.global_request = [](const GlobalRequest&, const AuthenticatedUser&,
                               ConnectionLink) -> asio::awaitable<GlobalRequestAnswer> {
    co_return GlobalRequestAnswer{false};
  };
  for (bool exit_on_failure : {false, true}) {
    ForwardingConfig cfg;
    cfg.exit_on_failure = exit_on_failure;
    cfg.remote.push_back(*parse_forward("8080:127.0.0.1:80", false, true));
    Log log(Level::quiet, 2);
    std::optional<bool> started;
    Pair q;
    Forwarding fwd(q.ctx, cfg, log);
    q.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
      auto co = password_client();
      auto c = co_await Client::start(std::move(s), std::move(co));
      EXPECT_TRUE(c.has_value());
      if (!c) co_return;
      started = co_await fwd.start(*c);
      c->disconnect();
    });
    ASSERT_TRUE(started);
    EXPECT_EQ(*started, !exit_on_failure);
  }
}

}  // namespace
}  // namespace skiff::cli
