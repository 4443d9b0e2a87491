// skiffd's X11 display of a session (x11_display.hpp) on the public API: an X client that
// connects to 127.0.0.1:6000+N becomes an "x11" channel to the client with its address,
// carried both ways; with single_connection the listeners close after the first; close()
// (the session's end) stops them.
#include "skiffd/x11_display.hpp"

#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/write.hpp>

#include "../io/api_test_support.hpp"

using namespace skiff;
using namespace skiff::api_test;
using asio::ip::tcp;

namespace {

// Connects to 127.0.0.1:port, sends text, half-closes, reads to the end; "refused" when
// the connection fails.
asio::awaitable<std::string> x_client(unsigned port, const char* text) {
  tcp::socket sock(co_await asio::this_coro::executor);
  std::error_code ec;
  co_await sock.async_connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "refused";
  co_await asio::async_write(sock, asio::buffer(std::string_view(text)), asio::redirect_error(asio::use_awaitable, ec));
  sock.shutdown(tcp::socket::shutdown_send, ec);
  std::string got;
  std::vector<char> buf(1024);
  for (;;) {
    std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    got.append(buf.data(), n);
  }
  co_return got;
}

struct DisplayRun {
  std::vector<std::string> replies;
  std::vector<X11Channel> opened;
  unsigned number = 0;
};

DisplayRun run(bool single) {
  DisplayRun r;
  skiff::skiffd::LogOptions lo;
  lo.to_syslog = false;
  lo.level = skiff::skiffd::LogLevel::quiet;
  skiff::skiffd::ServerLog log(lo);
  Pair p;
  auto o = password_server();
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    while (auto req = co_await s.next_request()) {
      if (!std::holds_alternative<ExecRequest>(req->body)) {
        (void)s.reply(false);
        continue;
      }
      (void)s.reply(true);
      ::skiffd::X11DisplayOptions xo;
      xo.offset = 190;  // away from the displays of real sessions
      xo.single_connection = single;
      auto d = ::skiffd::X11Display::open(co_await asio::this_coro::executor, xo, log);
      EXPECT_TRUE(d.has_value());
      if (!d) break;
      r.number = (*d)->number();
      (*d)->start(s.link());
      const unsigned port = 6000 + r.number;
      r.replies.push_back(co_await x_client(port, "first"));
      r.replies.push_back(co_await x_client(port, "second"));
      (*d)->close();
      r.replies.push_back(co_await x_client(port, "after close"));
      break;
    }
    (void)s.send_exit_status(0);
    (void)s.send_eof();
  };
  p.run(o, [&](std::unique_ptr<Stream> st) -> asio::awaitable<void> {
    auto co = password_client();
    // The client's end of each x11 channel: answers with what it got, reversed.
    co.channel_open = [&r](IncomingChannel in) -> asio::awaitable<void> {
      if (auto* x = std::get_if<X11Channel>(&in.body())) r.opened.push_back(*x);
      auto ch = in.accept();
      if (!ch) co_return;
      std::string got = co_await read_all(*ch);
      std::string back(got.rbegin(), got.rend());
      (void)co_await ch->write(bytes(back));
      (void)ch->send_eof();
      co_await ch->close();
    };
    auto c = co_await Client::start(std::move(st), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(sess.has_value());
    if (!sess) co_return;
    EXPECT_TRUE(co_await sess->exec("xterm"));
    (void)co_await sess->wait_exit();
    c->disconnect();
  });
  return r;
}

TEST(SkiffdX11Display, ChannelsPerConnectionUntilClosed) {
  DisplayRun r = run(false);
  EXPECT_GE(r.number, 190u);
  EXPECT_EQ(r.replies, (std::vector<std::string>{"tsrif", "dnoces", "refused"}));
  ASSERT_EQ(r.opened.size(), 2u);
  EXPECT_EQ(r.opened[0].originator, "127.0.0.1");
  EXPECT_NE(r.opened[0].originator_port, 0u);
}

TEST(SkiffdX11Display, SingleConnection) {
  DisplayRun r = run(true);
  EXPECT_EQ(r.replies, (std::vector<std::string>{"tsrif", "refused", "refused"}));
  EXPECT_EQ(r.opened.size(), 1u);
}

TEST(SkiffdX11Display, SecondDisplayAndBadOffset) {
  // Two displays at once get different numbers (the first one's ports are taken).
  asio::io_context ctx;
  skiff::skiffd::LogOptions lo;
  lo.to_syslog = false;
  lo.level = skiff::skiffd::LogLevel::quiet;
  skiff::skiffd::ServerLog log(lo);
  ::skiffd::X11DisplayOptions xo;
  xo.offset = 190;
  auto a = ::skiffd::X11Display::open(ctx.get_executor(), xo, log);
  auto b = ::skiffd::X11Display::open(ctx.get_executor(), xo, log);
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)->number(), (*b)->number());
  xo.offset = 65535;
  EXPECT_FALSE(::skiffd::X11Display::open(ctx.get_executor(), xo, log));
}

}  // namespace
