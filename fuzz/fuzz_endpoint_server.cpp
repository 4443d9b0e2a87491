// libFuzzer target: the routing of a ServerConnection. Fuzzing its byte stream would stop
// at the first MAC (fuzz_transport_server covers that); here a real client Transport
// completes the key exchange and the ssh-userauth service request in memory, then sends
// the fuzzer's payloads through the encrypted channel, so they reach the routing as the
// peer's messages would.
//
// Input: a sequence of [u16 big-endian length][payload]; a first byte below 50 (the
// transport's own numbers, which Transport::send refuses) is moved up by 50. The server's
// application accepts every authentication decision, channel open and request, and
// consumes all data, so the fuzzer can reach the engine once it has sent a valid
// USERAUTH_REQUEST (the seed corpus holds one).
//
// Checked: no crash or sanitizer report; no channel event and no channel before the
// server is authenticated; nothing after Disconnected; output stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include <skiff/transport.hpp>

#include "endpoint/endpoint.hpp"

using namespace skiff;
namespace ep = skiff::endpoint;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_endpoint_server: invariant violated: %s\n", why);
  std::abort();
}

const PrivateKey& host_key() {
  static const PrivateKey key = PrivateKey::generate(KeyType::ed25519).value();
  return key;
}

struct Run {
  Transport client;
  ep::ServerConnection server;
  TimePoint now{};
  bool ended = false;
  bool service_ready = false;

  static TransportConfig client_config() {
    TransportConfig c;
    c.role = Role::client;
    c.kex_algorithms = {"curve25519-sha256"};
    c.ciphers = {"chacha20-poly1305@openssh.com"};
    return c;
  }
  static ep::ServerConfig server_config() {
    ep::ServerConfig s;
    s.transport.host_keys = {host_key()};
    s.transport.kex_algorithms = {"curve25519-sha256"};
    s.auth.min_failure_delay = std::chrono::milliseconds(0);
    return s;
  }

  Run() : client(client_config()), server(server_config()) {
    client.start(now);
    server.start(now);
    client.request_service("ssh-userauth");
  }

  bool move() {
    bool progress = false;
    if (auto out = client.pending_output(); !out.empty()) {
      Bytes b(out.begin(), out.end());
      client.consume_output(b.size());
      server.feed(b, now);
      progress = true;
    }
    if (auto out = server.pending_output(); !out.empty()) {
      if (out.size() > (64u << 20)) die("server output unbounded");
      Bytes b(out.begin(), out.end());
      server.consume_output(b.size());
      client.feed(b, now);
      progress = true;
    }
    return progress;
  }

  void drain_client() {
    while (auto ev = client.poll_event()) {
      if (std::holds_alternative<event::HostKeyCheck>(*ev)) client.accept_host_key();
      if (std::holds_alternative<event::ServiceAccepted>(*ev)) service_ready = true;
    }
  }

  void drain_server() {
    while (auto ev = server.poll_event()) {
      if (ended) die("event after Disconnected");
      if (std::holds_alternative<event::Disconnected>(*ev)) {
        ended = true;
      } else if (auto* a = std::get_if<ep::event::ServerAuth>(&*ev)) {
        if (std::holds_alternative<auth::server_event::CheckPassword>(a->event) ||
            std::holds_alternative<auth::server_event::CheckPublicKey>(a->event) ||
            std::holds_alternative<auth::server_event::KeyboardInteractiveStart>(a->event) ||
            std::holds_alternative<auth::server_event::KeyboardInteractiveAnswers>(a->event)) {
          (void)server.accept_auth(now);
        }
      } else if (auto* c = std::get_if<ep::event::Channel>(&*ev)) {
        if (!server.authenticated()) die("channel event before authentication");
        handle_channel(c->event);
      }
    }
    if (!server.authenticated() && server.engine().channel_count() != 0) die("channel before authentication");
  }

  void handle_channel(connection::Event& e) {
    if (auto* o = std::get_if<connection::event::OpenRequested>(&e)) {
      (void)server.accept(o->channel);
    } else if (auto* r = std::get_if<connection::event::Request>(&e)) {
      if (r->want_reply) (void)server.reply(r->channel, true);
    } else if (auto* g = std::get_if<connection::event::GlobalRequest>(&e)) {
      if (g->want_reply) (void)server.global_reply(true);
    } else if (auto* d = std::get_if<connection::event::Data>(&e)) {
      (void)server.consume(d->channel, d->bytes.size());
      (void)server.write(d->channel, d->bytes);
    } else if (auto* eof = std::get_if<connection::event::Eof>(&e)) {
      (void)server.close(eof->channel);
    }
  }

  void pump() {
    for (int i = 0; i < 10000; ++i) {
      drain_client();
      drain_server();
      if (!move()) {
        auto d = server.next_deadline();
        if (!d || *d - now > std::chrono::seconds(1)) return;
        now = std::max(now, *d);
        server.on_timer(now);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Run run;
  run.pump();
  if (!run.service_ready || run.ended) die("handshake failed");
  std::size_t pos = 0;
  while (pos + 2 <= size && !run.ended && !run.client.closed()) {
    std::size_t len = ((std::size_t{data[pos]} << 8) | data[pos + 1]) % 4096;
    pos += 2;
    len = std::min(len, size - pos);
    if (len == 0) continue;
    Bytes payload(data + pos, data + pos + len);
    pos += len;
    if (payload[0] < 50) payload[0] = static_cast<std::uint8_t>(payload[0] + 50);
    if (!run.client.send(payload)) break;
    run.pump();
  }
  return 0;
}
