// Runs one command on an SSH server whose host key is pinned in a known_hosts-style file,
// copying stdin to the command and its stdout and stderr to ours; exits with its status
// (255 for our own failures, as ssh).
//
// Usage: exec_client [-p PORT] [-l USER] [-i IDENTITY_FILE] -k KNOWN_HOSTS HOST COMMAND
// KNOWN_HOSTS lines: "HOSTS KEYTYPE BASE64", HOSTS a comma-separated list of names, with
// "[HOST]:PORT" for a port other than 22 (hashed entries are skiff-keygen's business, not
// this example's). The password, if the server asks for one, comes from $SKIFF_PASSWORD.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <skiff/client.hpp>

namespace {

struct Settings {
  std::string port = "22";
  std::string user;
  std::string identity;
  std::string known_hosts;
  std::string host;
  std::string command;
};

// The keys a known_hosts-style file lists for host (and port).
std::vector<skiff::PublicKey> pinned_keys(const Settings& st) {
  const std::string name = st.port == "22" ? st.host : "[" + st.host + "]:" + st.port;
  std::vector<skiff::PublicKey> keys;
  std::ifstream in(st.known_hosts);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string hosts;
    if (!(fields >> hosts) || hosts[0] == '#') continue;
    std::istringstream names(hosts);
    std::string n;
    bool match = false;
    while (std::getline(names, n, ',')) match = match || n == name;
    if (!match) continue;
    std::string rest;
    std::getline(fields, rest);
    if (auto k = skiff::PublicKey::parse(rest)) keys.push_back(*k);
  }
  return keys;
}

void write_fd(int fd, std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return;
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

asio::awaitable<void> copy_out(skiff::Channel ch, bool err) {
  std::vector<std::uint8_t> buf(32 * 1024);
  while (true) {
    auto n = err ? co_await ch.read_stderr(buf) : co_await ch.read(buf);
    if (!n || *n == 0) co_return;
    write_fd(err ? 2 : 1, std::span(buf.data(), *n));
  }
}

// Pipes, sockets and terminals are read asynchronously; files and /dev/null (which epoll
// cannot wait on) in blocking chunks, which never wait long.
asio::awaitable<void> copy_in(skiff::Channel ch) {
  std::vector<std::uint8_t> buf(32 * 1024);
  struct stat st {};
  const bool pollable = ::fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || ::isatty(0));
  std::optional<asio::posix::stream_descriptor> in;
  if (pollable) in.emplace(co_await asio::this_coro::executor, ::dup(0));
  while (true) {
    std::size_t n = 0;
    if (in) {
      std::error_code ec;
      n = co_await in->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    } else {
      ssize_t r = ::read(0, buf.data(), buf.size());
      if (r <= 0) break;
      n = static_cast<std::size_t>(r);
    }
    if (!co_await ch.write(std::span(buf.data(), n))) co_return;
  }
  (void)ch.send_eof();
}

asio::awaitable<int> run(Settings st) {
  auto keys = pinned_keys(st);
  skiff::ClientOptions o;
  o.user = st.user;
  o.check_host_key = [keys](const skiff::HostKey& k) -> asio::awaitable<skiff::Result<void>> {
    for (const auto& pinned : keys) {
      if (pinned == k.key) co_return skiff::Result<void>{};
    }
    std::cerr << "Host key " << k.key.fingerprint() << " is not pinned.\n";
    co_return skiff::fail(skiff::Errc::host_key_rejected, "Host key verification failed.");
  };
  if (!st.identity.empty()) {
    auto k = skiff::PrivateKey::load(st.identity);
    if (!k) {
      std::cerr << k.error().message << "\n";
      co_return 255;
    }
    o.identities.push_back({k->public_key(), *k});
  }
  if (const char* pw = std::getenv("SKIFF_PASSWORD")) {
    std::string password = pw;
    o.password = [password](const skiff::PasswordPrompt& p) -> asio::awaitable<std::optional<skiff::Secret>> {
      if (p.attempt > 1) co_return std::nullopt;  // a wrong one would stay wrong
      co_return skiff::Secret(password.c_str());
    };
  }
  auto client = co_await skiff::Client::connect(st.host, st.port, std::move(o));
  if (!client) {
    std::cerr << client.error().message << "\n";
    co_return 255;
  }
  auto session = co_await client->open_session();
  if (!session) {
    std::cerr << session.error().message << "\n";
    co_return 255;
  }
  if (auto r = co_await session->exec(st.command); !r) {
    std::cerr << r.error().message << "\n";
    co_return 255;
  }
  auto ex = co_await asio::this_coro::executor;
  skiff::ClientSession s = *session;
  asio::co_spawn(ex, copy_in(s), asio::detached);
  asio::co_spawn(ex, copy_out(s, true), asio::detached);
  co_await copy_out(s, false);
  auto status = co_await session->wait_exit();
  client->disconnect();
  if (status.code) co_return static_cast<int>(*status.code & 0xff);
  if (status.signal) std::cerr << "remote command killed by signal " << *status.signal << "\n";
  co_return 255;
}

int usage() {
  std::cerr << "usage: exec_client [-p port] [-l user] [-i identity_file] -k known_hosts host command\n";
  return 255;
}

}  // namespace

int main(int argc, char** argv) {
  Settings st;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i += 2) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[i + 1];
    if (a == "-p") st.port = v;
    else if (a == "-l") st.user = v;
    else if (a == "-i") st.identity = v;
    else if (a == "-k") st.known_hosts = v;
    else return usage();
  }
  if (argc - i < 2 || st.known_hosts.empty()) return usage();
  st.host = argv[i++];
  for (; i < argc; ++i) st.command += (st.command.empty() ? "" : " ") + std::string(argv[i]);
  if (st.user.empty()) {
    const char* u = std::getenv("USER");
    st.user = u ? u : "root";
  }
  asio::io_context ctx;
  int code = 255;
  asio::co_spawn(ctx, run(std::move(st)), [&](std::exception_ptr, int c) { code = c; });
  ctx.run();
  return code;
}
