// The public client and server API end to end in one io_context over a Unix socket pair:
// authentication (and its safe defaults), exec with exit status, data both ways with
// stderr kept apart, per-channel backpressure, keepalive and disconnect. Only public
// headers are used, as an embedder would.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/strand.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <skiff/client.hpp>
#include <skiff/server.hpp>

#include "api_test_support.hpp"

using namespace skiff;
using namespace std::chrono_literals;

namespace {

using namespace skiff::api_test;

std::size_t flood_written = 0;  // by the "flood" command, as it goes

// The example's kind of server: "echo ARGS", "cat" (stdin back, "done" on stderr),
// "exit N", "flood N" (N bytes of a pattern); anything else fails with 127.
asio::awaitable<void> serve_session(Session s) {
  std::optional<std::string> command;
  while (auto req = co_await s.next_request()) {
    if (auto* e = std::get_if<ExecRequest>(&req->body)) {
      command = e->command;
      (void)s.reply(true);
      break;
    }
    (void)s.reply(std::holds_alternative<EnvRequest>(req->body) || std::holds_alternative<PtyRequest>(req->body));
  }
  if (!command) co_return;
  std::uint32_t status = 0;
  if (command->starts_with("echo ")) {
    const std::string line = command->substr(5) + "\n";
    (void)co_await s.write(bytes(line));
  } else if (*command == "cat") {
    std::vector<std::uint8_t> buf(32 * 1024);
    while (true) {
      auto n = co_await s.read(buf);
      if (!n || *n == 0) break;
      if (!co_await s.write(std::span(buf.data(), *n))) break;
    }
    (void)co_await s.write_stderr(bytes("done"));
  } else if (command->starts_with("exit ")) {
    status = static_cast<std::uint32_t>(std::stoul(command->substr(5)));
  } else if (command->starts_with("flood ")) {
    std::size_t left = std::stoul(command->substr(6));
    std::vector<std::uint8_t> chunk(64 * 1024);
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<std::uint8_t>(i * 7);
    while (left > 0) {
      std::size_t n = std::min(left, chunk.size());
      if (!co_await s.write(std::span(chunk.data(), n))) break;
      left -= n;
      flood_written += n;
    }
  } else {
    status = 127;
  }
  (void)s.send_exit_status(status);
  (void)s.send_eof();
}

std::shared_ptr<ServerOptions> server_options() {
  auto o = std::make_shared<ServerOptions>();
  o->transport.host_keys = {host_key()};
  o->hooks.session = serve_session;
  return o;
}

TEST(Api, PasswordLoginExecExitStatus) {
  Pair p;
  auto o = server_options();
  std::string seen_user;
  o->hooks.check_password = [](const PasswordCheck& c) -> asio::awaitable<PasswordVerdict> {
    co_return c.user == "alice" && c.password == "sesame" ? PasswordVerdict::accept : PasswordVerdict::reject;
  };
  o->hooks.authenticated = [&](const AuthenticatedUser& u) { seen_user = u.user + ":" + u.methods.at(0); };
  std::string out;
  ExitStatus status, status2;
  unsigned prompts = 0;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    co.methods = {"password"};
    co.password = [&](const PasswordPrompt& pp) -> asio::awaitable<std::optional<Secret>> {
      ++prompts;
      const char* pw = pp.attempt == 1 ? "wrong" : "sesame";
      co_return Secret(pw);
    };
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().to_string());
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(sess.has_value());
    EXPECT_TRUE(sess->set_env("LANG", "C"));
    EXPECT_TRUE(co_await sess->exec("echo hello world"));
    out = co_await read_all(*sess);
    status = co_await sess->wait_exit();
    auto sess2 = co_await c->open_session();
    EXPECT_TRUE(co_await sess2->exec("exit 42"));
    status2 = co_await sess2->wait_exit();
    c->disconnect();
    Error e = co_await c->wait_closed();
    EXPECT_EQ(e.code, Errc::disconnected);
  });
  EXPECT_EQ(prompts, 2u);
  EXPECT_EQ(seen_user, "alice:password");
  EXPECT_EQ(out, "hello world\n");
  EXPECT_EQ(status.code, 0u);
  EXPECT_EQ(status2.code, 42u);
  ASSERT_TRUE(p.server_end);
  EXPECT_EQ(p.server_end->code, Errc::disconnected);
  EXPECT_EQ(p.server_end->disconnect_reason, 11u);
}

TEST(Api, EverythingRejectedWithoutHooks) {
  Pair p;
  auto o = server_options();
  o->methods = {"publickey", "password"};
  std::vector<std::string> failures;
  o->hooks.auth_failed = [&](const AuthFailure& f) { failures.push_back(f.method); };
  std::optional<Error> err;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    co.methods = {"publickey", "password"};
    co.identities = {{user_key().public_key(), user_key()}};
    co.number_of_password_prompts = 1;
    co.password = [](const PasswordPrompt&) -> asio::awaitable<std::optional<Secret>> { co_return Secret("x"); };
    auto c = co_await Client::start(std::move(s), co);
    if (!c) err = c.error();
  });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message, "Permission denied (publickey,password).");
  EXPECT_EQ(err->disconnect_reason, 14u);
  EXPECT_FALSE(failures.empty());
}

TEST(Api, NoHostKeyPolicyFailsBeforeAnyByte) {
  Pair p;
  std::optional<Error> err;
  std::size_t server_saw = 0;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto co = client_options();
        co.check_host_key = nullptr;
        auto c = co_await Client::start(std::move(p.client_stream), co);
        if (!c) err = c.error();
        // The stream was dropped unused: the server end sees the end and no byte.
        std::vector<std::uint8_t> buf(64);
        std::error_code ec;
        server_saw = co_await p.server_stream->read_some(buf, ec);
      },
      asio::detached);
  p.ctx.run_for(10s);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, Errc::invalid_argument);
  EXPECT_EQ(server_saw, 0u);
}

TEST(Api, WrongHostKeyRefused) {
  Pair p;
  std::optional<Error> err;
  p.run(server_options(), [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    co.check_host_key = [](const HostKey&) -> asio::awaitable<Result<void>> {
      co_return fail(Errc::host_key_rejected, "Host key verification failed.");
    };
    auto c = co_await Client::start(std::move(s), co);
    if (!c) err = c.error();
  });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, Errc::host_key_rejected);
  EXPECT_EQ(err->message, "Host key verification failed.");
}

TEST(Api, PublicKeyLoginSeesVerifiedKey) {
  Pair p;
  auto o = server_options();
  std::vector<bool> asked;
  std::vector<PublicKey> keys;
  o->hooks.check_public_key = [&](const PublicKeyCheck& c) -> asio::awaitable<bool> {
    asked.push_back(c.verified);
    co_return c.key == user_key().public_key();
  };
  o->hooks.authenticated = [&](const AuthenticatedUser& u) { keys = u.keys; };
  std::string out;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    auto other = PrivateKey::generate(KeyType::ed25519).value();
    co.identities = {{other.public_key(), other}, {user_key().public_key(), user_key()}};
    auto c = co_await Client::start(std::move(s), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    EXPECT_EQ(c->info().auth_methods, std::vector<std::string>{"publickey"});
    auto sess = co_await c->open_session();
    EXPECT_TRUE(co_await sess->exec("echo k"));
    out = co_await read_all(*sess);
  });
  EXPECT_EQ(out, "k\n");
  EXPECT_EQ(asked, (std::vector<bool>{false, false, true}));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], user_key().public_key());
}

TEST(Api, KeyboardInteractiveConversation) {
  Pair p;
  auto o = server_options();
  o->hooks.keyboard_interactive = [](KeyboardInteractive& k) -> asio::awaitable<bool> {
    KeyboardInteractiveRequest first, second;
    first.prompts.push_back(Prompt{"Code: ", true});
    second.prompts.push_back(Prompt{"Password: ", false});
    auto a = co_await k.ask(first);
    if (!a || a->size() != 1 || (*a)[0] != "1234") co_return false;
    auto b = co_await k.ask(second);
    co_return b && b->size() == 1 && (*b)[0] == "pw";
  };
  bool ok = false;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    co.methods = {"keyboard-interactive"};
    co.keyboard_interactive = [](const KeyboardInteractiveRequest& r) -> asio::awaitable<std::optional<std::vector<Secret>>> {
      const char* answer = r.prompts.at(0).echo ? "1234" : "pw";
      co_return std::vector<Secret>{Secret(answer)};
    };
    auto c = co_await Client::start(std::move(s), co);
    ok = c.has_value();
  });
  EXPECT_TRUE(ok);
}

// Logs in with the pinned public key; the server accepts it.
asio::awaitable<Result<Client>> login(std::unique_ptr<Stream> s, const ClientOptions& base) {
  ClientOptions co = base;
  co.identities = {{user_key().public_key(), user_key()}};
  co_return co_await Client::start(std::move(s), std::move(co));
}
asio::awaitable<Result<Client>> login(std::unique_ptr<Stream> s) {
  const ClientOptions co = client_options();
  co_return co_await login(std::move(s), co);
}
std::shared_ptr<ServerOptions> pubkey_server() {
  auto o = server_options();
  o->hooks.check_public_key = [](const PublicKeyCheck& c) -> asio::awaitable<bool> {
    co_return c.key == user_key().public_key();
  };
  return o;
}

TEST(Api, EightMebibytesThroughCatWithStderrApart) {
  Pair p;
  constexpr std::size_t kSize = 8 * 1024 * 1024;
  std::vector<std::uint8_t> sent(kSize);
  for (std::size_t i = 0; i < kSize; ++i) sent[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  std::string echoed, err;
  ExitStatus status;
  p.run(pubkey_server(), [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto c = co_await login(std::move(s));
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(co_await sess->exec("cat"));
    auto ex = co_await asio::this_coro::executor;
    ClientSession ch = *sess;
    asio::co_spawn(
        ex,
        [ch, &sent]() mutable -> asio::awaitable<void> {
          for (std::size_t off = 0; off < sent.size(); off += 100000) {
            auto r = co_await ch.write(std::span(sent).subspan(off, std::min<std::size_t>(100000, sent.size() - off)));
            EXPECT_TRUE(r.has_value());
          }
          EXPECT_TRUE(ch.send_eof());
        },
        asio::detached);
    asio::co_spawn(ex, [ch, &err]() -> asio::awaitable<void> { err = co_await read_all(ch, true); }, asio::detached);
    while (true) {  // the copy-free reader
      auto chunk = co_await sess->read_chunk();
      if (!chunk || chunk->empty()) break;
      echoed.append(chunk->begin(), chunk->end());
    }
    status = co_await sess->wait_exit();
  });
  ASSERT_EQ(echoed.size(), kSize);
  EXPECT_TRUE(std::equal(sent.begin(), sent.end(), reinterpret_cast<const std::uint8_t*>(echoed.data())));
  EXPECT_EQ(err, "done");
  EXPECT_EQ(status.code, 0u);
}

TEST(Api, StalledReaderStopsOnlyItsChannel) {
  Pair p;
  flood_written = 0;
  constexpr std::size_t kFlood = 64 * 1024 * 1024;
  std::string quick;
  std::size_t flooded = 0;
  p.run(pubkey_server(), [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto c = co_await login(std::move(s));
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    auto stalled = co_await c->open_session();
    const std::string flood = "flood " + std::to_string(kFlood);
    EXPECT_TRUE(co_await stalled->exec(flood));
    // Nobody reads the flood for a while; another channel still completes, and a global
    // request (a round trip through the connection) is still answered.
    asio::steady_timer t(co_await asio::this_coro::executor, 300ms);
    co_await t.async_wait(asio::use_awaitable);
    // The writer got no further than the window (2 MiB at first) and its queue (1 MiB).
    EXPECT_LT(flood_written, 4u * 1024 * 1024);
    EXPECT_GT(flood_written, 0u);
    auto other = co_await c->open_session();
    EXPECT_TRUE(co_await other->exec("echo quick"));
    quick = co_await read_all(*other);
    EXPECT_EQ((co_await other->wait_exit()).code, 0u);
    auto g = co_await c->global_request("nobody@skiff", {});
    EXPECT_FALSE(g.has_value());
    // Now drain the flood: all of it arrives.
    std::vector<std::uint8_t> buf(256 * 1024);
    while (true) {
      auto n = co_await stalled->read(buf);
      if (!n || *n == 0) break;
      flooded += *n;
    }
  });
  EXPECT_EQ(quick, "quick\n");
  EXPECT_EQ(flooded, kFlood);
}

// A stream that, once told to, swallows everything written and delivers nothing read: a
// peer that vanished without closing.
class BlackHole final : public Stream {
 public:
  explicit BlackHole(std::unique_ptr<Stream> inner) : inner_(std::move(inner)) {}
  bool hole = false;
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> buf, std::error_code& ec) override {
    while (true) {
      std::size_t n = co_await inner_->read_some(buf, ec);
      if (!hole || ec) co_return n;
    }
  }
  asio::awaitable<std::size_t> write_some(std::span<const std::uint8_t> buf, std::error_code& ec) override {
    if (hole) co_return buf.size();
    co_return co_await inner_->write_some(buf, ec);
  }
  void shutdown_write() override { inner_->shutdown_write(); }
  void close() override { inner_->close(); }
  std::string describe() const override { return "black hole"; }

 private:
  std::unique_ptr<Stream> inner_;
};

TEST(Api, KeepaliveEndsConnectionToSilentServer) {
  Pair p;
  std::optional<Error> end;
  auto started = Clock::now();
  Clock::duration took{};
  p.run(pubkey_server(), [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto hole = std::make_unique<BlackHole>(std::move(s));
    auto* h = hole.get();
    auto co = client_options();
    co.server_alive_interval = 1s;
    co.server_alive_count_max = 2;
    co.host_name = "example";
    auto c = co_await login(std::move(hole), co);
    EXPECT_TRUE(c.has_value());
    if (!c) co_return;
    // Answered keepalives keep it open past several intervals.
    asio::steady_timer t(co_await asio::this_coro::executor, 2500ms);
    co_await t.async_wait(asio::use_awaitable);
    EXPECT_TRUE(c->is_open());
    h->hole = true;
    started = Clock::now();
    end = co_await c->wait_closed();
    took = Clock::now() - started;
  });
  ASSERT_TRUE(end);
  EXPECT_EQ(end->code, Errc::timeout);
  EXPECT_EQ(end->message, "Timeout, server example not responding.");
  EXPECT_GE(took, 2s);
  EXPECT_LE(took, 6s);
}

TEST(Api, ClientAliveEndsConnectionToSilentClient) {
  Pair p;
  auto o = pubkey_server();
  o->client_alive_interval = 1s;
  o->client_alive_count_max = 1;
  BlackHole* hole = nullptr;
  std::optional<Error> server_end;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto h = std::make_unique<BlackHole>(std::move(p.server_stream));
        hole = h.get();
        ServerConnection conn(std::move(h), o);
        server_end = co_await conn.run();
      },
      asio::detached);
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto c = co_await login(std::move(p.client_stream));
        if (!c) co_return;
        hole->hole = true;  // the server hears nothing more from the client
        co_await c->wait_closed();
      },
      asio::detached);
  p.ctx.run_for(20s);
  ASSERT_TRUE(server_end);
  EXPECT_EQ(server_end->code, Errc::timeout);
  EXPECT_EQ(server_end->message, "Timeout, client not responding from user alice black hole");
}

TEST(Api, SessionRequestsReachTheServerInOrder) {
  Pair p;
  auto o = pubkey_server();
  std::vector<std::string> seen;
  o->hooks.session = [&](Session s) -> asio::awaitable<void> {
    while (auto req = co_await s.next_request()) {
      std::visit(
          [&](auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, PtyRequest>) seen.push_back("pty " + r.term + " " + std::to_string(r.size.columns));
            if constexpr (std::is_same_v<T, EnvRequest>) seen.push_back("env " + r.name + "=" + r.value);
            if constexpr (std::is_same_v<T, ShellRequest>) seen.push_back("shell");
            if constexpr (std::is_same_v<T, WindowSize>) seen.push_back("winch " + std::to_string(r.rows));
            if constexpr (std::is_same_v<T, SignalRequest>) seen.push_back("signal " + r.name);
          },
          req->body);
      (void)s.reply(!std::holds_alternative<EnvRequest>(req->body));
      if (std::holds_alternative<SignalRequest>(req->body)) {
        (void)s.send_exit_signal("TERM", true, "terminated");
        break;
      }
    }
  };
  ExitStatus status;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto c = co_await login(std::move(s));
    if (!c) co_return;
    auto sess = co_await c->open_session();
    PtyRequest pty;
    pty.term = "vt100";
    pty.size.columns = 132;
    pty.modes = {{53, 1}};
    EXPECT_TRUE(co_await sess->request_pty(pty));
    EXPECT_TRUE(sess->set_env("A", "b"));
    EXPECT_TRUE(co_await sess->shell());
    EXPECT_TRUE(sess->window_change({80, 50, 0, 0}));
    EXPECT_TRUE(sess->signal("INT"));
    status = co_await sess->wait_exit();
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"pty vt100 132", "env A=b", "shell", "winch 50", "signal INT"}));
  EXPECT_FALSE(status.code);
  EXPECT_EQ(status.signal, "TERM");
  EXPECT_TRUE(status.core_dumped);
  EXPECT_EQ(status.message, "terminated");
}

TEST(Api, SessionEndingWithoutExitStatus) {
  Pair p;
  auto o = pubkey_server();
  o->hooks.session = [](Session s) -> asio::awaitable<void> {
    (void)co_await s.next_request();
    (void)s.reply(true);
  };
  ExitStatus status{3, "X"};
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto c = co_await login(std::move(s));
    if (!c) co_return;
    auto sess = co_await c->open_session();
    EXPECT_TRUE(co_await sess->exec("anything"));
    status = co_await sess->wait_exit();
    EXPECT_TRUE(c->is_open());
  });
  EXPECT_FALSE(status.code);
  EXPECT_FALSE(status.signal);
}

TEST(Api, ServerApplicationDisconnects) {
  Pair p;
  auto o = pubkey_server();
  std::optional<ServerConnection> server;
  o->hooks.session = [&](Session) -> asio::awaitable<void> {
    server->disconnect("maintenance");
    co_return;
  };
  std::optional<Error> client_end, server_end;
  std::string logged;
  o->hooks.disconnected = [&](const Error& e) { logged = e.message; };
  server.emplace(std::move(p.server_stream), o);
  asio::co_spawn(
      p.ctx, [&]() -> asio::awaitable<void> { server_end = co_await server->run(); }, asio::detached);
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto c = co_await login(std::move(p.client_stream));
        if (!c) co_return;
        auto sess = co_await c->open_session();
        client_end = co_await c->wait_closed();
      },
      asio::detached);
  p.ctx.run_for(30s);
  ASSERT_TRUE(client_end);
  EXPECT_EQ(client_end->code, Errc::disconnected);
  EXPECT_EQ(client_end->disconnect_reason, 11u);
  EXPECT_NE(client_end->message.find("maintenance"), std::string::npos) << client_end->message;
  ASSERT_TRUE(server_end);
  EXPECT_EQ(logged, server_end->message);
}

// A peer that closes the stream without a DISCONNECT: no reason code is made up (the
// API once reported it as a DISCONNECT with reason 10, "connection lost").
TEST(Api, StreamClosedWithoutDisconnectHasNoReason) {
  asio::io_context ctx;
  asio::local::stream_protocol::socket a(ctx), b(ctx);
  asio::local::connect_pair(a, b);
  const int server_fd = b.native_handle();
  auto o = pubkey_server();
  o->hooks.session = [server_fd](Session) -> asio::awaitable<void> {
    ::shutdown(server_fd, SHUT_RDWR);
    co_return;
  };
  ServerConnection server(make_unix_stream(std::move(b)), o);
  asio::co_spawn(
      ctx, [&]() -> asio::awaitable<void> { (void)co_await server.run(); }, asio::detached);
  std::optional<Error> client_end;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        auto stream = make_unix_stream(std::move(a));  // named: no temporaries into coroutines (g++ 12)
        auto c = co_await login(std::move(stream));
        if (!c) co_return;
        auto sess = co_await c->open_session();
        client_end = co_await c->wait_closed();
      },
      asio::detached);
  ctx.run_for(30s);
  ASSERT_TRUE(client_end);
  EXPECT_EQ(client_end->code, Errc::disconnected);
  EXPECT_EQ(client_end->disconnect_reason, 0u);
  EXPECT_EQ(client_end->message, "connection closed by peer");
}

TEST(Api, ConnectRefused) {
  asio::io_context ctx;
  std::optional<Error> refused;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        // A port nobody listens on: bind one, note it, close it.
        asio::ip::tcp::acceptor a(ctx, {asio::ip::make_address("127.0.0.1"), 0});
        const std::string port = std::to_string(a.local_endpoint().port());
        a.close();
        auto c = co_await Client::connect("127.0.0.1", port, client_options());
        if (!c) refused = c.error();
      },
      asio::detached);
  ctx.run_for(20s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, Errc::io_error);
  EXPECT_EQ(refused->message.rfind("connect to host 127.0.0.1 port ", 0), 0u) << refused->message;
}

TEST(Api, PasswordChangeRequested) {
  Pair p;
  auto o = server_options();
  o->methods = {"password"};
  std::vector<std::string> checks;
  o->hooks.check_password = [&](const PasswordCheck& c) -> asio::awaitable<PasswordVerdict> {
    checks.push_back(std::string(c.password.c_str()) + ">" + (c.new_password ? c.new_password->c_str() : ""));
    co_return c.new_password && *c.new_password == "new" ? PasswordVerdict::accept : PasswordVerdict::change_required;
  };
  std::string prompt;
  bool ok = false;
  p.run(o, [&](std::unique_ptr<Stream> s) -> asio::awaitable<void> {
    auto co = client_options();
    co.methods = {"password"};
    co.password = [](const PasswordPrompt&) -> asio::awaitable<std::optional<Secret>> { co_return Secret("old"); };
    co.password_change = [&](const std::string& pr) -> asio::awaitable<std::optional<PasswordChange>> {
      prompt = pr;
      co_return PasswordChange{Secret("old"), Secret("new")};
    };
    auto c = co_await Client::start(std::move(s), std::move(co));
    ok = c.has_value();
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(prompt, "Password change required");
  EXPECT_EQ(checks, (std::vector<std::string>{"old>", "old>new"}));
}

// Many connections share one io_context and one ServerOptions, each with its own session.
TEST(Api, ManyConnectionsOnOneContext) {
  constexpr int kConnections = 40;
  asio::io_context ctx;
  auto o = pubkey_server();
  int done = 0;
  for (int i = 0; i < kConnections; ++i) {
    asio::local::stream_protocol::socket a(ctx), b(ctx);
    asio::local::connect_pair(a, b);
    asio::co_spawn(
        ctx,
        [o, b = std::move(b)]() mutable -> asio::awaitable<void> {
          ServerConnection conn(make_unix_stream(std::move(b)), o);
          co_await conn.run();
        },
        asio::detached);
    asio::co_spawn(
        ctx,
        [i, &done, a = std::move(a)]() mutable -> asio::awaitable<void> {
          auto stream = make_unix_stream(std::move(a));
          auto c = co_await login(std::move(stream));
          if (!c) co_return;
          auto sess = co_await c->open_session();
          if (!sess) co_return;
          const std::string cmd = "echo " + std::to_string(i);
          (void)co_await sess->exec(cmd);
          if (co_await read_all(*sess) == std::to_string(i) + "\n" && (co_await sess->wait_exit()).code == 0u) ++done;
        },
        asio::detached);
  }
  ctx.run_for(60s);
  EXPECT_EQ(done, kConnections);
}

// The inetd / ProxyCommand shape: each side on a pair of pipes instead of a socket.
TEST(Api, OverPipes) {
  int to_server[2], to_client[2];
  ASSERT_EQ(::pipe(to_server), 0);
  ASSERT_EQ(::pipe(to_client), 0);
  asio::io_context ctx;
  auto o = pubkey_server();
  std::string out;
  std::vector<std::string> debug;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        ServerConnection conn(make_fd_stream(ctx.get_executor(), to_server[0], to_client[1]), o);
        co_await conn.run();
      },
      asio::detached);
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        auto co = client_options();
        co.debug = [&](const std::string& line) { debug.push_back(line); };
        auto stream = make_fd_stream(ctx.get_executor(), to_client[0], to_server[1]);
        auto c = co_await login(std::move(stream), co);
        if (!c) co_return;
        auto sess = co_await c->open_session();
        EXPECT_TRUE(co_await sess->exec("echo piped"));
        out = co_await read_all(*sess);
      },
      asio::detached);
  ctx.run_for(30s);
  EXPECT_EQ(out, "piped\n");
  ASSERT_FALSE(debug.empty());
  EXPECT_TRUE(debug.front().starts_with("Remote protocol version 2.0, remote software version skiff_")) << debug.front();
  EXPECT_EQ(debug.back(), "Authentication succeeded (publickey).");
}

// An io_context run by several threads: each connection on its own strand stays
// single-threaded.
TEST(Api, ConnectionsOnStrandsOfAThreadedContext) {
  constexpr int kConnections = 24;
  asio::io_context ctx;
  auto o = pubkey_server();
  std::atomic<int> done = 0;
  for (int i = 0; i < kConnections; ++i) {
    asio::local::stream_protocol::socket a(ctx), b(ctx);
    asio::local::connect_pair(a, b);
    asio::co_spawn(
        asio::make_strand(ctx),
        [o, b = std::move(b)]() mutable -> asio::awaitable<void> {
          ServerConnection conn(make_unix_stream(std::move(b)), o);
          co_await conn.run();
        },
        asio::detached);
    asio::co_spawn(
        asio::make_strand(ctx),
        [&done, a = std::move(a)]() mutable -> asio::awaitable<void> {
          auto stream = make_unix_stream(std::move(a));
          auto c = co_await login(std::move(stream));
          if (!c) co_return;
          auto sess = co_await c->open_session();
          if (!sess) co_return;
          (void)co_await sess->exec("cat");
          std::vector<std::uint8_t> data(300000, 0x5a);
          (void)co_await sess->write(data);
          (void)sess->send_eof();
          if ((co_await read_all(*sess)).size() == data.size()) ++done;
        },
        asio::detached);
  }
  std::thread other([&] { ctx.run_for(60s); });
  ctx.run_for(60s);
  other.join();
  EXPECT_EQ(done.load(), kConnections);
}

}  // namespace
