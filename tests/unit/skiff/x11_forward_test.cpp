// skiff's X11 forwarding on the client API, against an in-memory server that plays sshd
// (x11-req, then "x11" channels through its ConnectionLink) and a fake X display on TCP
// 127.0.0.1:6000+N: the real cookie (from a stand-in xauth) reaches the display in place
// of the fake one, a wrong cookie never reaches it, and a channel nobody asked for is
// refused with ssh's warning.
#include "skiff/x11_forward.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/write.hpp>
#include <filesystem>
#include <fstream>

#include "../io/api_test_support.hpp"
#include "skiff/x11_auth.hpp"

using namespace skiff;
using namespace skiff::api_test;
using namespace std::chrono_literals;

namespace {

const std::string kRealHex = "00112233445566778899aabbccddeeff";

std::vector<std::uint8_t> setup_packet(const std::vector<std::uint8_t>& cookie) {
  std::vector<std::uint8_t> b{0x6c, 0, 11, 0, 0, 0, 18, 0, static_cast<std::uint8_t>(cookie.size()), 0, 0, 0};
  std::string name = "MIT-MAGIC-COOKIE-1";
  b.insert(b.end(), name.begin(), name.end());
  b.push_back(0);
  b.push_back(0);
  b.insert(b.end(), cookie.begin(), cookie.end());
  return b;
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/skiff-x11-test-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// What the session's X client would do: open an x11 channel, send a setup packet with
// cookie, read what comes back until the end.
asio::awaitable<std::string> x_client(Session& s, const std::vector<std::uint8_t>& cookie) {
  const ChannelOpenBody body = X11Channel{"127.0.0.1", 40000};
  auto ch = co_await s.link().open_channel(body);
  if (!ch) co_return "refused: " + ch.error().message;
  auto packet = setup_packet(cookie);
  packet.push_back('!');  // a request right behind the setup
  (void)co_await ch->write(packet);
  (void)ch->send_eof();
  std::string got = co_await read_all(*ch);
  co_await ch->close();
  co_return got;
}

struct X11Run {
  std::string good, wrong, unasked;
  std::vector<std::string> display_saw;
  std::string log;
};

X11Run run(bool ask) {
  TempDir dir;
  // A stand-in xauth: `xauth list DISPLAY` prints one entry.
  const std::string xauth = dir.path + "/xauth";
  std::ofstream(xauth) << "#!/bin/sh\necho \"host/unix:0  MIT-MAGIC-COOKIE-1  " << kRealHex << "\"\n";
  ::chmod(xauth.c_str(), 0755);
  const std::string log_path = dir.path + "/log";
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

  X11Run r;
  Pair p;
  // The fake display: the first free 6000+N on 127.0.0.1; each connection's bytes are kept,
  // and it answers "OK".
  asio::ip::tcp::acceptor display(p.ctx);
  unsigned n = 0;
  for (n = 150; n < 400; ++n) {
    std::error_code ec;
    display.open(asio::ip::tcp::v4(), ec);
    display.bind({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(6000 + n)}, ec);
    if (!ec) break;
    display.close(ec);
  }
  display.listen();
  ::setenv("DISPLAY", ("127.0.0.1:" + std::to_string(n)).c_str(), 1);
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          asio::ip::tcp::socket sock(p.ctx);
          std::error_code ec;
          co_await display.async_accept(sock, asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
          std::string got;
          std::vector<char> buf(4096);
          for (;;) {
            std::size_t k = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            got.append(buf.data(), k);
            if (!got.empty() && got.back() == '!') break;
          }
          r.display_saw.push_back(got);
          if (!ec) co_await asio::async_write(sock, asio::buffer(std::string_view("OK")), asio::redirect_error(asio::use_awaitable, ec));
          sock.close(ec);
        }
      },
      asio::detached);

  auto o = password_server();
  std::vector<std::uint8_t> fake;
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    while (auto req = co_await s.next_request()) {
      if (auto* x = std::get_if<X11Request>(&req->body)) {
        fake = *cli::from_hex(x->auth_cookie);
        (void)s.reply(true);
      } else if (std::holds_alternative<ExecRequest>(req->body)) {
        (void)s.reply(true);
        if (ask) {
          r.good = co_await x_client(s, fake);
          const std::vector<std::uint8_t> wrong(16, 0x42);
          r.wrong = co_await x_client(s, wrong);
        } else {
          const std::vector<std::uint8_t> any(16, 0x42);
          r.unasked = co_await x_client(s, any);
        }
        (void)s.send_exit_status(0);
        (void)s.send_eof();
        co_return;
      } else {
        (void)s.reply(false);
      }
    }
  };
  cli::Log log(cli::Level::debug3, log_fd);
  auto x11 = std::make_shared<cli::X11Forwarder>(cli::X11Settings{true, true, 1200, xauth}, log);
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = password_client();
    co.channel_open = [x11](IncomingChannel in) { return cli::X11Forwarder::handle(x11, std::move(in)); };
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(sess.has_value());
    if (!sess) co_return;
    if (ask) co_await x11->request(*sess);
    EXPECT_TRUE(co_await sess->exec("xclock"));
    (void)co_await sess->wait_exit();
    c->disconnect();
    std::error_code ec;
    display.close(ec);
  });
  ::unsetenv("DISPLAY");
  ::close(log_fd);
  std::ifstream in(log_path);
  r.log.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

TEST(SkiffX11Forward, RealCookieReachesTheDisplayWrongOneDoesNot) {
  X11Run r = run(true);
  EXPECT_EQ(r.good, "OK");
  EXPECT_EQ(r.wrong, "");  // closed without a byte from the display
  auto real = *cli::from_hex(kRealHex);
  auto want = setup_packet(real);
  want.push_back('!');
  ASSERT_GE(r.display_saw.size(), 1u);
  EXPECT_EQ(r.display_saw[0], std::string(want.begin(), want.end()));
  // The wrong cookie's connection to the display (made before the channel was accepted,
  // as ssh) carried nothing.
  for (std::size_t i = 1; i < r.display_saw.size(); ++i) EXPECT_EQ(r.display_saw[i], "");
  EXPECT_NE(r.log.find("Requesting X11 forwarding with authentication spoofing."), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("X11 connection rejected because of wrong authentication."), std::string::npos) << r.log;
}

TEST(SkiffX11Forward, ChannelNotAskedForIsRefused) {
  X11Run r = run(false);
  EXPECT_EQ(r.unasked, "refused: channel 1: open failed: administratively prohibited: open failed") << r.log;
  EXPECT_TRUE(r.display_saw.empty());
  EXPECT_NE(r.log.find("Warning: ssh server tried X11 forwarding.\r\n"
                       "Warning: this is probably a break-in attempt by a malicious server."),
            std::string::npos)
      << r.log;
}

}  // namespace
