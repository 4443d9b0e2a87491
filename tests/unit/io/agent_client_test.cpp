// skiff::AgentClient against an in-process agent (agent::KeyStore behind an Asio Unix
// socket acceptor): add with constraints, list, sign with each RSA hash, remove, lock,
// unlock, and the errors for a refused operation and for no agent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <skiff/agent.hpp>

#include "agent/framer.hpp"
#include "agent/key_store.hpp"

using namespace skiff;
using asio::local::stream_protocol;

namespace {

// One connection served by the key store until the client closes it.
asio::awaitable<void> serve_one(stream_protocol::acceptor& acceptor, agent::KeyStore& store) {
  auto sock = co_await acceptor.async_accept(asio::use_awaitable);
  agent::Framer framer;
  std::uint8_t buf[4096];
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    framer.append(wire::ByteView(buf, n));
    for (;;) {
      auto msg = framer.next();
      if (!msg || !*msg) break;
      auto out = store.handle(**msg, agent::Clock::now());
      if (out.confirm) out.reply = store.finish_confirm(*out.confirm, false, agent::Clock::now());
      co_await asio::async_write(sock, asio::buffer(out.reply), asio::use_awaitable);
    }
  }
}

struct TempSocket {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("skiff-agent-test-" + std::to_string(getpid()) + ".sock")).string();
  TempSocket() { std::filesystem::remove(path); }
  ~TempSocket() { std::filesystem::remove(path); }
};

}  // namespace

TEST(AgentClient, AgainstKeyStore) {
  TempSocket ts;
  asio::io_context io;
  stream_protocol::acceptor acceptor(io, stream_protocol::endpoint(ts.path));
  agent::KeyStore store(agent::KeyStoreConfig{std::nullopt, limits::kMaxAgentIdentities, false});
  asio::co_spawn(io, serve_one(acceptor, store), [](std::exception_ptr) {});

  const auto ed = *PrivateKey::generate(KeyType::ed25519);
  const auto rsa = *PrivateKey::generate(KeyType::rsa, 2048);
  bool done = false;
  auto client_side = [&]() -> asio::awaitable<void> {
    AgentClient c(co_await asio::this_coro::executor);
    EXPECT_TRUE(co_await c.connect(ts.path));
    const std::string ed_comment = "ed", rsa_comment = "rsa";
    const AgentConstraints none{}, confirm{std::nullopt, true};
    EXPECT_TRUE(co_await c.add(ed, ed_comment, none));
    EXPECT_TRUE(co_await c.add(rsa, rsa_comment, confirm));
    auto ids = co_await c.list();
    EXPECT_TRUE(ids) << ids.error().message;
    EXPECT_EQ(ids ? ids->size() : 0u, 2u);
    if (!ids || ids->size() != 2) co_return;
    EXPECT_EQ((*ids)[0].comment, "ed");
    EXPECT_TRUE((*ids)[0].key && *(*ids)[0].key == ed.public_key());

    const std::vector<std::uint8_t> data{1, 2, 3};
    const std::string ed_alg = "ssh-ed25519";
    auto sig = co_await c.sign((*ids)[0].blob, data, ed_alg);
    EXPECT_TRUE(sig);
    if (sig) {
      EXPECT_TRUE(verify_signature((*ids)[0].blob, ed_alg, data, *sig));
    }
    // The RSA key needs confirmation, which this agent refuses.
    const std::string rsa_alg = "rsa-sha2-256";
    auto refused = co_await c.sign((*ids)[1].blob, data, rsa_alg);
    EXPECT_FALSE(refused);
    if (refused) co_return;
    EXPECT_EQ(refused.error().code, Errc::protocol_error);
    EXPECT_TRUE(co_await c.add(rsa, rsa_comment, none));  // again, without confirm
    for (const std::string alg : {"rsa-sha2-256", "rsa-sha2-512"}) {
      auto s = co_await c.sign((*ids)[1].blob, data, alg);
      EXPECT_TRUE(s);
      if (s) {
        EXPECT_TRUE(verify_signature((*ids)[1].blob, alg, data, *s));
      }
    }

    const Secret pw("pass"), wrong("wrong");
    EXPECT_TRUE(co_await c.lock(pw));
    auto locked = co_await c.list();
    EXPECT_TRUE(locked && locked->empty());
    EXPECT_FALSE(co_await c.unlock(wrong));
    EXPECT_TRUE(co_await c.unlock(pw));
    EXPECT_TRUE(co_await c.remove((*ids)[0].blob));
    EXPECT_FALSE(co_await c.remove((*ids)[0].blob));
    EXPECT_TRUE(co_await c.remove_all());
    auto empty = co_await c.list();
    EXPECT_TRUE(empty && empty->empty());
    c.close();
    done = true;
  };
  asio::co_spawn(io, client_side(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  EXPECT_TRUE(done);
}

TEST(AgentClient, NoAgent) {
  asio::io_context io;
  bool done = false;
  auto client_side = [&]() -> asio::awaitable<void> {
    AgentClient c(co_await asio::this_coro::executor);
    const std::string path = "/nonexistent/skiff-agent.sock";
    auto r = co_await c.connect(path);
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::not_found) << r.error().message;
    }
    EXPECT_FALSE(c.is_open());
    auto l = co_await c.list();
    EXPECT_FALSE(l);
    done = true;
  };
  asio::co_spawn(io, client_side(), [](std::exception_ptr) {});
  io.run();
  EXPECT_TRUE(done);
}
