// The public API's channels other than sessions, end to end over a socket pair: channels a
// client opens (direct-tcpip) and how a server answers them, remote forwarding requests
// and the forwarded channels a server opens through its ConnectionLink, the order of
// global answers, and the x11 / agent requests of a session. Only public headers.
#include <gtest/gtest.h>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <skiff/client.hpp>
#include <skiff/server.hpp>

#include "api_test_support.hpp"

using namespace skiff;
using namespace skiff::api_test;
using namespace std::chrono_literals;

namespace {

// Echoes everything back, then EOF and close (what a forwarded echo service would do).
asio::awaitable<void> echo(Channel ch) {
  while (true) {
    auto chunk = co_await ch.read_chunk();
    if (!chunk || chunk->empty()) break;
    if (!co_await ch.write(*chunk)) break;
  }
  (void)ch.send_eof();
  co_await ch.close();
}

TEST(ApiForwarding, DirectTcpipAcceptedCarriesDataBothWays) {
  Pair p;
  auto o = password_server();
  std::optional<DirectTcpip> seen;
  std::string seen_user;
  o->hooks.channel_open = [&](IncomingChannel in) -> asio::awaitable<void> {
    if (auto* d = std::get_if<DirectTcpip>(&in.body())) seen = *d;
    if (in.user()) seen_user = in.user()->user;
    auto ch = in.accept();
    EXPECT_TRUE(ch.has_value());
    EXPECT_FALSE(in.accept().has_value());  // one answer only
    if (ch) co_await echo(*ch);
  };
  std::string sent(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 31 + (i >> 12));
  std::string got;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();  // named: no prvalue arguments to coroutines (GCC bug 99576)
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    const ChannelOpenBody body = DirectTcpip{"example.org", 80, "127.0.0.1", 5555};
    auto ch = co_await c->open_channel(body);
    EXPECT_TRUE(ch.has_value()) << (ch ? "" : ch.error().message);
    if (!ch) co_return;
    // Write and read at once: the echo gives backpressure through both windows.
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [ch = *ch, &sent]() mutable -> asio::awaitable<void> {
          EXPECT_TRUE(co_await ch.write(bytes(sent)));
          EXPECT_TRUE(ch.send_eof());
        },
        asio::detached);
    got = co_await read_all(*ch);
    co_await ch->close();
    c->disconnect();
  });
  ASSERT_TRUE(seen);
  EXPECT_EQ(*seen, (DirectTcpip{"example.org", 80, "127.0.0.1", 5555}));
  EXPECT_EQ(seen_user, "alice");
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
}

// What the client reports for each way a server can refuse an open.
std::string refusal(std::function<asio::awaitable<void>(IncomingChannel)> hook) {
  Pair p;
  auto o = password_server();
  o->hooks.channel_open = std::move(hook);
  std::string message;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();  // named: no prvalue arguments to coroutines (GCC bug 99576)
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    const ChannelOpenBody body = DirectStreamlocal{"/run/nothing.sock"};
    auto ch = co_await c->open_channel(body);
    EXPECT_FALSE(ch.has_value());
    if (!ch) message = errc_name(ch.error().code) + std::string(" ") + ch.error().message;
    // The connection goes on after a refusal.
    const ChannelOpenBody again = DirectTcpip{"h", 1, "o", 2};
    auto ch2 = co_await c->open_channel(again);
    EXPECT_FALSE(ch2.has_value());
    EXPECT_TRUE(c->is_open());
    c->disconnect();
  });
  return message;
}

TEST(ApiForwarding, RefusalsCarryTheReasonInOpenSshWording) {
  EXPECT_EQ(refusal([](IncomingChannel in) -> asio::awaitable<void> {
              in.reject(OpenFailure::connect_failed, "Connection refused");
              co_return;
            }),
            "unsupported channel 0: open failed: connect failed: Connection refused");
  // Left unanswered: refused when the hook's handle goes away.
  EXPECT_EQ(refusal([](IncomingChannel) -> asio::awaitable<void> { co_return; }),
            "unsupported channel 0: open failed: administratively prohibited: open failed");
  // No hook: refused too.
  EXPECT_EQ(refusal(nullptr), "unsupported channel 0: open failed: administratively prohibited: open failed");
}

TEST(ApiForwarding, RemoteForwardAndTheForwardedChannelsTheServerOpens) {
  Pair p;
  auto o = password_server();
  std::vector<std::string> requests;
  o->hooks.global_request = [&](const GlobalRequest& g, const AuthenticatedUser& u,
                                ConnectionLink link) -> asio::awaitable<GlobalRequestAnswer> {
    EXPECT_EQ(u.user, "alice");
    if (auto* f = std::get_if<TcpipForwardRequest>(&g.body)) {
      requests.push_back("forward " + f->address + ":" + std::to_string(f->port));
      if (f->port != 0) co_return GlobalRequestAnswer{false};
      // A connection "arrives" at the forward: open a forwarded-tcpip channel for it.
      auto ex = co_await asio::this_coro::executor;
      asio::co_spawn(
          ex,
          [link, address = f->address]() mutable -> asio::awaitable<void> {
            const ChannelOpenBody body = ForwardedTcpip{address, 40123, "192.0.2.9", 61000};
            auto ch = co_await link.open_channel(body);
            EXPECT_TRUE(ch.has_value()) << (ch ? "" : ch.error().message);
            if (!ch) co_return;
            EXPECT_TRUE(co_await ch->write(bytes("through the forward")));
            (void)ch->send_eof();
            co_await ch->close();
          },
          asio::detached);
      co_return GlobalRequestAnswer{true, 40123};
    }
    if (auto* c = std::get_if<CancelTcpipForwardRequest>(&g.body)) {
      requests.push_back("cancel " + c->address + ":" + std::to_string(c->port));
      co_return GlobalRequestAnswer{true};
    }
    if (auto* s = std::get_if<StreamlocalForwardRequest>(&g.body)) {
      requests.push_back("streamlocal " + s->path);
      co_return GlobalRequestAnswer{false};
    }
    co_return GlobalRequestAnswer{false};
  };
  std::optional<ForwardedTcpip> forwarded;
  std::string received;
  std::optional<std::uint32_t> bound, fixed;
  std::string streamlocal_error;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();
    bool got_channel = false;
    co.channel_open = [&](IncomingChannel in) -> asio::awaitable<void> {
      auto* f = std::get_if<ForwardedTcpip>(&in.body());
      if (!f) co_return;  // not ours: refused
      forwarded = *f;
      auto ch = in.accept();
      EXPECT_TRUE(ch.has_value());
      if (ch) received = co_await read_all(*ch);
      got_channel = true;
    };
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto port = co_await c->request_tcpip_forward("localhost", 0);
    EXPECT_TRUE(port.has_value());
    if (port) bound = *port;
    auto refused = co_await c->request_tcpip_forward("localhost", 8080);
    EXPECT_FALSE(refused.has_value());
    if (!refused) fixed = 0;
    auto sl = co_await c->request_streamlocal_forward("/tmp/x.sock");
    EXPECT_FALSE(sl.has_value());
    if (!sl) streamlocal_error = errc_name(sl.error().code);
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer t(ex);
    for (int i = 0; i < 500 && !got_channel; ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    EXPECT_TRUE(co_await c->cancel_tcpip_forward("localhost", 40123));
    c->disconnect();
  });
  ASSERT_TRUE(bound);
  EXPECT_EQ(*bound, 40123u);
  EXPECT_TRUE(fixed);
  EXPECT_EQ(streamlocal_error, "unsupported");
  ASSERT_TRUE(forwarded);
  EXPECT_EQ(*forwarded, (ForwardedTcpip{"localhost", 40123, "192.0.2.9", 61000}));
  EXPECT_EQ(received, "through the forward");
  EXPECT_EQ(requests, (std::vector<std::string>{"forward localhost:0", "forward localhost:8080",
                                                "streamlocal /tmp/x.sock", "cancel localhost:40123"}));
}

TEST(ApiForwarding, GlobalAnswersGoOutInRequestOrder) {
  Pair p;
  auto o = password_server();
  o->hooks.global_request = [](const GlobalRequest& g, const AuthenticatedUser&,
                               ConnectionLink) -> asio::awaitable<GlobalRequestAnswer> {
    const auto& f = std::get<TcpipForwardRequest>(g.body);
    if (f.address == "slow") {
      // Finishes after the request behind it.
      auto ex = co_await asio::this_coro::executor;
      asio::steady_timer t(ex, 100ms);
      co_await t.async_wait(asio::use_awaitable);
      co_return GlobalRequestAnswer{true, 1111};
    }
    co_return GlobalRequestAnswer{true, 2222};
  };
  std::uint32_t slow = 0, fast = 0;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();  // named: no prvalue arguments to coroutines (GCC bug 99576)
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto ex = co_await asio::this_coro::executor;
    bool slow_done = false;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          auto r = co_await c->request_tcpip_forward("slow", 0);
          if (r) slow = *r;
          slow_done = true;
        },
        asio::detached);
    auto r = co_await c->request_tcpip_forward("fast", 0);
    if (r) fast = *r;
    asio::steady_timer t(ex);
    while (!slow_done) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    c->disconnect();
  });
  EXPECT_EQ(slow, 1111u);
  EXPECT_EQ(fast, 2222u);
}

TEST(ApiForwarding, SessionX11AndAgentRequestsAndTheAgentChannel) {
  Pair p;
  auto o = password_server();
  std::optional<X11Request> x11;
  bool agent_requested = false;
  std::string agent_reply;
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    while (auto req = co_await s.next_request()) {
      if (auto* x = std::get_if<X11Request>(&req->body)) {
        x11 = *x;
        (void)s.reply(true);
      } else if (std::holds_alternative<AgentForwardRequest>(req->body)) {
        agent_requested = true;
      } else if (std::holds_alternative<ExecRequest>(req->body)) {
        (void)s.reply(true);
        // The session's program talks to the forwarded agent.
        const ChannelOpenBody body = AgentChannel{};
        auto ch = co_await s.link().open_channel(body);
        EXPECT_TRUE(ch.has_value());
        if (ch) {
          EXPECT_TRUE(co_await ch->write(bytes("agent?")));
          (void)ch->send_eof();
          agent_reply = co_await read_all(*ch);
          co_await ch->close();
        }
        (void)s.send_exit_status(0);
        (void)s.send_eof();
        co_return;
      } else {
        (void)s.reply(false);
      }
    }
  };
  ExitStatus status;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();
    co.channel_open = [](IncomingChannel in) -> asio::awaitable<void> {
      if (!std::holds_alternative<AgentChannel>(in.body())) co_return;
      auto ch = in.accept();
      if (!ch) co_return;
      std::string question = co_await read_all(*ch);
      EXPECT_TRUE(co_await ch->write(bytes("agent says " + question)));
      (void)ch->send_eof();
      co_await ch->close();
    };
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(sess.has_value());
    if (!sess) co_return;
    const X11Request x{true, "MIT-MAGIC-COOKIE-1", "00112233445566778899aabbccddeeff", 0};
    EXPECT_TRUE(co_await sess->request_x11(x));
    EXPECT_TRUE(sess->request_agent_forwarding());
    EXPECT_TRUE(co_await sess->exec("true"));
    status = co_await sess->wait_exit();
    c->disconnect();
  });
  ASSERT_TRUE(x11);
  EXPECT_EQ(*x11, (X11Request{true, "MIT-MAGIC-COOKIE-1", "00112233445566778899aabbccddeeff", 0}));
  EXPECT_TRUE(agent_requested);
  EXPECT_EQ(agent_reply, "agent says agent?");
  EXPECT_EQ(status.code, 0u);
}

}  // namespace

namespace {

TEST(ApiForwarding, EndOfWriteReachesTheSessionAfterTheCommandStarted) {
  Pair p;
  auto o = password_server();
  std::vector<std::string> seen;
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    while (auto req = co_await s.next_request()) {
      if (std::holds_alternative<ExecRequest>(req->body)) {
        seen.push_back("exec");
        (void)s.reply(true);
      } else if (std::holds_alternative<EndOfWrite>(req->body)) {
        seen.push_back("eow");
        (void)s.send_exit_status(0);
        (void)s.send_eof();
        co_return;
      }
    }
  };
  ExitStatus status;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();  // named: no prvalue arguments to coroutines (GCC bug 99576)
    auto c = co_await Client::start(std::move(s), co);
    if (!c) co_return;
    auto sess = co_await c->open_session();
    if (!sess) co_return;
    EXPECT_TRUE(sess->send_eof());
    EXPECT_TRUE(co_await sess->exec("yes"));
    EXPECT_TRUE(sess->send_end_of_write());
    status = co_await sess->wait_exit();
    c->disconnect();
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"exec", "eow"}));
  EXPECT_EQ(status.code, 0u);
}

}  // namespace

namespace {

TEST(ApiForwarding, EndOfWriteArrivesWhileTheServerFloodsTheChannel) {
  Pair p;
  auto o = password_server();
  bool eow = false;
  std::size_t flooded = 0;
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    auto req = co_await s.next_request();
    if (!req || !std::holds_alternative<ExecRequest>(req->body)) co_return;
    (void)s.reply(true);
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [s, &eow]() mutable -> asio::awaitable<void> {
          while (auto r = co_await s.next_request()) {
            if (std::holds_alternative<EndOfWrite>(r->body)) eow = true;
          }
        },
        asio::detached);
    std::vector<std::uint8_t> chunk(32 * 1024, 'y');
    while (!eow && flooded < (std::size_t{1} << 30)) {
      if (!co_await s.write(chunk)) break;
      flooded += chunk.size();
    }
    (void)s.send_exit_status(0);
    (void)s.send_eof();
  };
  ExitStatus status;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();  // named: no prvalue arguments to coroutines (GCC bug 99576)
    auto c = co_await Client::start(std::move(s), co);
    if (!c) co_return;
    auto sess = co_await c->open_session();
    if (!sess) co_return;
    EXPECT_TRUE(sess->send_eof());
    EXPECT_TRUE(co_await sess->exec("yes"));
    // Read a little, then say we will read no more, and drain what still comes.
    auto first = co_await sess->read_chunk();
    EXPECT_TRUE(first && !first->empty());
    EXPECT_TRUE(sess->send_end_of_write());
    while (true) {
      auto more = co_await sess->read_chunk();
      if (!more || more->empty()) break;
    }
    status = co_await sess->wait_exit();
    c->disconnect();
  });
  EXPECT_TRUE(eow);
  EXPECT_LT(flooded, std::size_t{1} << 30);
  EXPECT_EQ(status.code, 0u);
}

}  // namespace
