// skiff's way to the server and the options it gives the library: the authentication
// methods ssh would try, ClientOptions from the configuration, the TCP connect's
// messages, a ProxyCommand's pipes, and ssh's read_passphrase rules for SSH_ASKPASS.
#include "skiff/connect.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>
#include <asio/io_context.hpp>

#include "skiff/readpass.hpp"

namespace skiff::cli {
namespace {

config::ClientConfig base() {
  config::ClientConfig c;
  c.hostname = "127.0.0.1";
  c.user = "alice";
  return c;
}

TEST(SkiffConnect, AuthMethodsAsSsh) {
  auto c = base();
  // The default list without the methods skiff does not implement.
  EXPECT_EQ(auth_methods(c), (std::vector<std::string>{"publickey", "keyboard-interactive", "password"}));
  c.batch_mode = true;  // never a prompt
  EXPECT_EQ(auth_methods(c), (std::vector<std::string>{"publickey"}));
  c.batch_mode = false;
  c.preferred_authentications = "password,hostbased,publickey,password";
  c.pubkey_authentication = false;
  EXPECT_EQ(auth_methods(c), (std::vector<std::string>{"password"}));
}

TEST(SkiffConnect, OptionsFromConfig) {
  auto c = base();
  c.compression = true;
  c.rekey_limit = {1u << 20, 60};
  c.number_of_password_prompts = 1;
  c.server_alive_interval = 5;
  c.server_alive_count_max = 2;
  c.ciphers = {"aes128-ctr"};
  auto o = options_from_config(c);
  EXPECT_EQ(o.transport.compression, (std::vector<std::string>{"zlib@openssh.com", "zlib", "none"}));
  EXPECT_EQ(o.transport.rekey_bytes, 1u << 20);
  EXPECT_EQ(o.transport.rekey_interval, std::chrono::seconds(60));
  EXPECT_EQ(o.transport.ciphers, c.ciphers);
  EXPECT_EQ(o.user, "alice");
  EXPECT_EQ(o.number_of_password_prompts, 1u);
  EXPECT_EQ(o.server_alive_interval, std::chrono::seconds(5));
  EXPECT_EQ(o.server_alive_count_max, 2u);
  EXPECT_FALSE(o.check_host_key);  // the program sets the hooks
  c.compression = false;
  EXPECT_EQ(options_from_config(c).transport.compression, (std::vector<std::string>{"none"}));
}

TEST(SkiffConnect, RefusedWithSshsMessage) {
  // A port nothing listens on: bound, then closed.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  auto c = base();
  c.port = ntohs(a.sin_port);
  int null = open("/dev/null", O_WRONLY);
  Log log(Level::quiet, null);
  asio::io_context io;
  auto r = open_server_stream(io.get_executor(), c, {}, log);
  close(null);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "skiff: connect to host 127.0.0.1 port " + std::to_string(c.port) + ": Connection refused");
}

TEST(SkiffConnect, ProxyCommandPipes) {
  auto c = base();
  c.port = 2022;
  // The command sees its tokens and talks through stdin and stdout ("exec" is put in
  // front, as ssh does: a compound command needs its own shell).
  c.other["proxycommand"] = {"sh -c 'read x; echo \"$x\" %h %p %r'"};
  int null = open("/dev/null", O_WRONLY);
  Log log(Level::quiet, null);
  asio::io_context io;
  std::string got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // Apart: g++ 12 destroys the temporaries of a full-expression with co_await twice.
        auto ex = co_await asio::this_coro::executor;
        const config::ClientContext ctx;
        auto r = open_server_stream(ex, c, ctx, log);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) co_return;
        EXPECT_TRUE(r->address.empty());
        EXPECT_GT(r->proxy_pid, 0);
        std::error_code ec;
        const std::string line = "hello\n";
        std::span<const std::uint8_t> out(reinterpret_cast<const std::uint8_t*>(line.data()), line.size());
        EXPECT_EQ(co_await r->stream->write_some(out, ec), line.size()) << ec.message();
        std::uint8_t buf[256];
        for (;;) {
          std::span<std::uint8_t> in(buf);
          std::size_t n = co_await r->stream->read_some(in, ec);
          if (n == 0) break;
          got.append(reinterpret_cast<char*>(buf), n);
        }
      },
      asio::detached);
  io.run();
  close(null);
  EXPECT_EQ(got, "hello 127.0.0.1 2022 alice\n");
}

class AskpassEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-askpass-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    script_ = dir_ + "/askpass";
    std::ofstream(script_) << "#!/bin/sh\nprintf '%s' \"$1\" >" << dir_ << "/prompt\nprintf 'sesame\\r\\n'\n";
    chmod(script_.c_str(), 0755);
    null_ = open("/dev/null", O_WRONLY);
    setenv("SSH_ASKPASS", script_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("SSH_ASKPASS");
    unsetenv("SSH_ASKPASS_REQUIRE");
    close(null_);
    std::system(("rm -rf " + dir_).c_str());
  }
  std::string dir_, script_;
  int null_ = -1;
};

TEST_F(AskpassEnv, ForceUsesTheProgramWithThePrompt) {
  setenv("SSH_ASKPASS_REQUIRE", "force", 1);
  Log log(Level::quiet, null_);
  EXPECT_EQ(read_passphrase("alice@host's password: ", {}, log), "sesame");
  std::ifstream p(dir_ + "/prompt");
  std::string prompt((std::istreambuf_iterator<char>(p)), {});
  EXPECT_EQ(prompt, "alice@host's password: ");
}

TEST_F(AskpassEnv, FailedProgramGivesEmptyOrNothing) {
  setenv("SSH_ASKPASS_REQUIRE", "force", 1);
  setenv("SSH_ASKPASS", "/bin/false", 1);
  Log log(Level::quiet, null_);
  EXPECT_EQ(read_passphrase("p: ", {}, log), "");
  EXPECT_EQ(read_passphrase("p: ", {.allow_eof = true}, log), std::nullopt);
}

}  // namespace
}  // namespace skiff::cli
