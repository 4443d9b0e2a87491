// An SSH server whose "exec" requests are answered by C++ code instead of a shell:
//   echo ARGS      prints ARGS
//   cat            copies stdin to stdout, then "N bytes" to stderr
//   wc             prints the number of bytes of stdin
//   exit N         exits with status N
//   kill SIG       ends with exit-signal SIG
// Anything else: "unknown command" on stderr, exit status 127. Shells, ptys and
// subsystems are refused.
//
// Usage: exec_server [-l ADDRESS] [-p PORT] [-h HOST_KEY_FILE] [-u USER]
//                    [--password PASSWORD] [--authorized-keys FILE]
// Port 0 picks a free port; "listening on ADDRESS port N" goes to stdout once it listens.
// Without -h a fresh Ed25519 host key is used; with -h the file is read, or created. Its
// public key is printed as "host key: ssh-ed25519 AAAA...". Without --password and
// --authorized-keys nobody can log in (the library's safe default).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>

#include <skiff/server.hpp>

namespace {

struct Settings {
  std::string address = "127.0.0.1";
  unsigned short port = 2222;
  std::string host_key_file;
  std::string user;  // empty: any user name
  std::optional<std::string> password;
  std::vector<skiff::PublicKey> authorized;
};

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

asio::awaitable<std::size_t> drain_stdin(skiff::Session& s, bool echo) {
  std::vector<std::uint8_t> buf(32 * 1024);
  std::size_t total = 0;
  while (true) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) break;
    total += *n;
    if (echo && !co_await s.write(std::span(buf.data(), *n))) break;
  }
  co_return total;
}

// Runs one command; returns its exit status, or nullopt when it ended by a signal.
asio::awaitable<std::optional<std::uint32_t>> run_command(skiff::Session& s, const std::string& command) {
  std::istringstream words(command);
  std::string verb;
  words >> verb;
  std::string rest = command.size() > verb.size() ? command.substr(verb.size() + 1) : std::string();
  if (verb == "echo") {
    const std::string line = rest + "\n";
    co_await s.write(as_bytes(line));
    co_return 0;
  }
  if (verb == "cat" || verb == "wc") {
    std::size_t n = co_await drain_stdin(s, verb == "cat");
    const std::string count = std::to_string(n) + (verb == "cat" ? " bytes\n" : "\n");
    if (verb == "cat") {
      co_await s.write_stderr(as_bytes(count));
    } else {
      co_await s.write(as_bytes(count));
    }
    co_return 0;
  }
  if (verb == "exit") co_return static_cast<std::uint32_t>(std::strtoul(rest.c_str(), nullptr, 10));
  if (verb == "kill") {
    (void)s.send_exit_signal(rest.empty() ? "TERM" : rest, false, "killed by request");
    co_return std::nullopt;
  }
  const std::string msg = verb + ": unknown command\n";
  co_await s.write_stderr(as_bytes(msg));
  co_return 127;
}

asio::awaitable<void> serve_session(skiff::Session s) {
  while (auto request = co_await s.next_request()) {
    if (auto* exec = std::get_if<skiff::ExecRequest>(&request->body)) {
      (void)s.reply(true);
      std::cerr << "exec for " << s.user().user << ": " << exec->command << "\n";
      auto status = co_await run_command(s, exec->command);
      if (status) (void)s.send_exit_status(*status);
      (void)s.send_eof();
      co_return;  // the library closes the channel
    }
    // Environment variables are accepted and ignored; the rest is refused.
    (void)s.reply(std::holds_alternative<skiff::EnvRequest>(request->body));
  }
}

std::shared_ptr<skiff::ServerOptions> make_options(const Settings& st, skiff::PrivateKey host_key) {
  auto o = std::make_shared<skiff::ServerOptions>();
  o->transport.host_keys = {std::move(host_key)};
  o->methods.clear();
  if (!st.authorized.empty()) {
    o->methods.push_back("publickey");
    o->hooks.check_public_key = [st](const skiff::PublicKeyCheck& c) -> asio::awaitable<bool> {
      if (!st.user.empty() && c.user != st.user) co_return false;
      for (const auto& k : st.authorized) {
        if (k == c.key) co_return true;
      }
      co_return false;
    };
  }
  if (st.password) {
    o->methods.push_back("password");
    o->hooks.check_password = [st](const skiff::PasswordCheck& c) -> asio::awaitable<skiff::PasswordVerdict> {
      bool ok = (st.user.empty() || c.user == st.user) && c.password == skiff::Secret(st.password->c_str());
      co_return ok ? skiff::PasswordVerdict::accept : skiff::PasswordVerdict::reject;
    };
  }
  o->hooks.authenticated = [](const skiff::AuthenticatedUser& u) {
    std::cerr << "Accepted " << u.methods.back() << " for " << u.user << " from " << u.peer << "\n";
  };
  o->hooks.auth_failed = [](const skiff::AuthFailure& f) {
    std::cerr << "Failed " << f.method << " for " << f.user << " from " << f.peer << "\n";
  };
  o->hooks.session = serve_session;
  return o;
}

std::optional<skiff::PrivateKey> host_key(const std::string& file) {
  if (!file.empty() && std::filesystem::exists(file)) {
    auto k = skiff::PrivateKey::load(file);
    if (!k) std::cerr << "exec_server: " << k.error().message << "\n";
    return k ? std::optional(*k) : std::nullopt;
  }
  auto k = skiff::PrivateKey::generate(skiff::KeyType::ed25519);
  if (!k) return std::nullopt;
  if (!file.empty()) {
    auto text = k->to_file_text();
    std::ofstream out(file);
    out << *text;
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  return *k;
}

asio::awaitable<void> listen(asio::ip::tcp::acceptor& acceptor, std::shared_ptr<const skiff::ServerOptions> options) {
  auto ex = acceptor.get_executor();
  while (true) {
    std::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    // One coroutine per connection, all on this one thread.
    asio::co_spawn(
        ex,
        [options, s = std::move(socket)]() mutable -> asio::awaitable<void> {
          skiff::ServerConnection conn(skiff::make_tcp_stream(std::move(s)), options);
          skiff::Error e = co_await conn.run();
          std::cerr << "connection from " << conn.peer() << " ended: " << e.message << "\n";
        },
        asio::detached);
  }
}

int usage() {
  std::cerr << "usage: exec_server [-l address] [-p port] [-h host_key_file] [-u user]\n"
               "                   [--password password] [--authorized-keys file]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Settings st;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "-l") {
      st.address = v;
    } else if (a == "-p") {
      st.port = static_cast<unsigned short>(std::stoul(v));
    } else if (a == "-h") {
      st.host_key_file = v;
    } else if (a == "-u") {
      st.user = v;
    } else if (a == "--password") {
      st.password = v;
    } else if (a == "--authorized-keys") {
      std::ifstream in(v);
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (auto k = skiff::PublicKey::parse(line)) st.authorized.push_back(*k);
      }
    } else {
      return usage();
    }
  }
  auto key = host_key(st.host_key_file);
  if (!key) return 1;
  auto options = make_options(st, *key);

  asio::io_context ctx;
  asio::ip::tcp::acceptor acceptor(ctx, {asio::ip::make_address(st.address), st.port});
  std::cout << "host key: " << key->public_key().to_openssh_line() << "\n"
            << "listening on " << st.address << " port " << acceptor.local_endpoint().port() << std::endl;
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code, int) {
    acceptor.close();
    ctx.stop();
  });
  asio::co_spawn(ctx, listen(acceptor, options), asio::detached);
  ctx.run();
  return 0;
}
