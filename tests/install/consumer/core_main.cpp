// Uses the installed sans-I/O core directly, without the Asio runtime: a ClientConnection
// and a ServerConnection joined in memory log in with a public key, the client runs
// "exec" on a session channel and the server answers with output and an exit status.
// Exits 0 when the client saw exactly what the server sent.
#include <cstdio>
#include <string>
#include <variant>

#include <skiff/key.hpp>

#include "endpoint/endpoint.hpp"

using namespace skiff;
namespace conn = skiff::connection;

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "core consumer: %s\n", what);
  return 1;
}

// Bytes from one side to the other; true if any moved.
template <class From, class To>
bool carry(From& from, To& to, TimePoint now) {
  ByteView out = from.pending_output();
  if (out.empty() || !to.wants_input()) return false;
  Bytes bytes(out.begin(), out.end());
  from.consume_output(bytes.size());
  to.feed(bytes, now);
  return true;
}

}  // namespace

int main() {
  auto host_key = PrivateKey::generate(KeyType::ed25519);
  auto user_key = PrivateKey::generate(KeyType::ed25519);
  if (!host_key || !user_key) return fail("key generation failed");

  endpoint::ClientConfig cc;
  cc.auth.user = "consumer";
  cc.auth.methods = {"publickey"};
  cc.auth.identities = {auth::Identity{user_key->public_key(), *user_key}};
  endpoint::ServerConfig sc;
  sc.transport.host_keys = {*host_key};
  sc.auth.methods = {"publickey"};

  endpoint::ClientConnection client(std::move(cc));
  endpoint::ServerConnection server(std::move(sc));
  const TimePoint now{};
  client.start(now);
  server.start(now);

  bool exec_sent = false, host_key_seen = false;
  std::string output;
  std::optional<std::uint32_t> exit_status;
  conn::ChannelId client_channel = 0;
  for (int round = 0; round < 100000; ++round) {
    bool progress = carry(client, server, now) | carry(server, client, now);
    while (auto ev = client.poll_event()) {
      progress = true;
      if (auto* hk = std::get_if<skiff::event::HostKeyCheck>(&*ev)) {
        host_key_seen = hk->host_key_blob == host_key->public_key().blob();
        if (!host_key_seen) return fail("wrong host key");
        client.accept_host_key();
      } else if (auto* a = std::get_if<endpoint::event::ClientAuth>(&*ev)) {
        if (std::holds_alternative<auth::client_event::Authenticated>(a->event)) {
          auto id = client.open(conn::SessionOpen{});
          if (!id) return fail("open failed");
          client_channel = *id;
        }
      } else if (auto* c = std::get_if<endpoint::event::Channel>(&*ev)) {
        if (std::holds_alternative<conn::event::Opened>(c->event) && !exec_sent) {
          exec_sent = static_cast<bool>(client.request(client_channel, conn::ExecReq{"answer"}, true));
        } else if (auto* d = std::get_if<conn::event::Data>(&c->event)) {
          output.append(d->bytes.begin(), d->bytes.end());
          (void)client.consume(d->channel, d->bytes.size());
        } else if (auto* r = std::get_if<conn::event::Request>(&c->event)) {
          if (auto* st = std::get_if<conn::ExitStatusReq>(&r->body)) exit_status = st->status;
        } else if (std::holds_alternative<conn::event::Closed>(c->event)) {
          if (output != "42\n" || exit_status != 7u) return fail("unexpected output or exit status");
          std::printf("core consumer: exec answered \"42\", exit status 7\n");
          return 0;
        }
      } else if (std::holds_alternative<skiff::event::Disconnected>(*ev)) {
        return fail("client disconnected");
      }
    }
    while (auto ev = server.poll_event()) {
      progress = true;
      if (auto* a = std::get_if<endpoint::event::ServerAuth>(&*ev)) {
        if (auto* pk = std::get_if<auth::server_event::CheckPublicKey>(&a->event)) {
          // Only a verified signature by the user's key logs in (a query is answered too).
          (void)(pk->key == user_key->public_key() ? server.accept_auth(now) : server.reject_auth(now));
        }
      } else if (auto* c = std::get_if<endpoint::event::Channel>(&*ev)) {
        if (auto* o = std::get_if<conn::event::OpenRequested>(&c->event)) {
          (void)server.accept(o->channel);
        } else if (auto* r = std::get_if<conn::event::Request>(&c->event)) {
          auto* exec = std::get_if<conn::ExecReq>(&r->body);
          (void)server.reply(r->channel, exec && exec->command == "answer");
          if (exec) {
            const std::string answer = "42\n";
            (void)server.write(r->channel, ByteView(reinterpret_cast<const std::uint8_t*>(answer.data()), answer.size()));
            (void)server.request(r->channel, conn::ExitStatusReq{7}, false);
            (void)server.send_eof(r->channel);
            (void)server.close(r->channel);
          }
        }
      } else if (std::holds_alternative<skiff::event::Disconnected>(*ev)) {
        return fail("server disconnected");
      }
    }
    if (!progress) break;
  }
  return fail("the exchange stopped before the channel closed");
}
