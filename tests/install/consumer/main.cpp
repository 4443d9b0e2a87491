// Uses the installed public API: skiff::Error, skiff::Result, skiff::errc_name, and the
// client and server API over a socket pair: with no authentication hook the server refuses
// the client, as OpenSSH would word it.
#include <skiff/client.hpp>
#include <skiff/error.hpp>
#include <skiff/server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

skiff::Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return skiff::fail(skiff::Errc::bad_format, "not a digit");
  return c - '0';
}

// The message of the client's failure, or "" when it logged in.
std::string refused_login() {
  asio::io_context ctx;
  asio::local::stream_protocol::socket a(ctx), b(ctx);
  asio::local::connect_pair(a, b);
  auto options = std::make_shared<skiff::ServerOptions>();
  options->transport.host_keys = {skiff::PrivateKey::generate(skiff::KeyType::ed25519).value()};
  std::string message;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        skiff::ServerConnection server(skiff::make_unix_stream(std::move(b)), options);
        co_await server.run();
      },
      asio::detached);
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        skiff::ClientOptions o;
        o.user = "consumer";
        o.check_host_key = [](const skiff::HostKey&) -> asio::awaitable<skiff::Result<void>> { co_return skiff::Result<void>{}; };
        auto stream = skiff::make_unix_stream(std::move(a));
        auto client = co_await skiff::Client::start(std::move(stream), std::move(o));
        message = client ? "" : client.error().message;
      },
      asio::detached);
  ctx.run();
  return message;
}

}  // namespace

int main() {
  auto ok = parse_digit('7');
  auto bad = parse_digit('x');
  if (!ok || *ok != 7 || bad || bad.error().code != skiff::Errc::bad_format) {
    std::puts("consumer: unexpected Result values");
    return 1;
  }
  // errc_name lives in the library: this proves the link, not just the header.
  const char* name = skiff::errc_name(skiff::Errc::mac_error);
  if (name == nullptr || std::strlen(name) == 0) {
    std::puts("consumer: errc_name returned nothing");
    return 1;
  }
  std::string refused = refused_login();
  if (refused.rfind("Permission denied (", 0) != 0) {
    std::printf("consumer: login not refused as expected: '%s'\n", refused.c_str());
    return 1;
  }
  std::printf("consumer: %s / %s / %s\n", bad.error().to_string().c_str(), name, refused.c_str());
  return 0;
}
