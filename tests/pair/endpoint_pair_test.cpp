// ClientConnection and ServerConnection back to back in memory on a virtual clock: the
// layers joined (transport, user authentication, channels) and the routing rules between
// them.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "connection/messages.hpp"
#include "endpoint/endpoint.hpp"
#include "pair/pair_harness.hpp"
#include "transport/messages.hpp"

using namespace skiff;
using namespace skiff::endpoint;
namespace conn = skiff::connection;
namespace dc = skiff::transport::disconnect;
namespace ep = skiff::endpoint::event;

namespace {

const PrivateKey& user_key() {
  static const PrivateKey key = PrivateKey::generate(KeyType::ed25519).value();
  return key;
}

ClientConfig make_client(std::vector<std::string> methods = {"publickey", "password"}) {
  ClientConfig c;
  c.transport = test::client_config();
  c.auth.user = "erin";
  c.auth.methods = std::move(methods);
  c.auth.identities = {auth::Identity{user_key().public_key(), user_key()}};
  return c;
}

ServerConfig make_server() {
  ServerConfig s;
  s.transport = test::server_config();
  return s;
}

std::string text(const auth::SecretString& s) { return std::string(s.begin(), s.end()); }

class EndpointPair {
 public:
  EndpointPair(ClientConfig cc, ServerConfig sc) : client(std::move(cc)), server(std::move(sc)) {
    client.start(now);
    server.start(now);
  }

  // Moves bytes, answers events and fires timers (up to 1 s ahead) until nothing changes.
  void pump(int rounds = 1000000) {
    for (int i = 0; i < rounds; ++i) {
      bool progress = move(client, server, 0) | move(server, client, 1);
      progress |= drain_client() | drain_server();
      if (progress) continue;
      auto d = earliest(client.next_deadline(), server.next_deadline());
      if (!d || *d - now > std::chrono::seconds(1)) return;
      now = std::max(now, *d);
      client.on_timer(now);
      server.on_timer(now);
    }
  }

  ClientConnection client;
  ServerConnection server;
  TimePoint now{};
  std::size_t chunk = 64 << 10;  // as a runtime reading 64 KiB at a time

  // Behaviour.
  std::optional<bool> host_key_verdict = true;  // nullopt: never answered
  bool client_answers_password = true;
  std::string client_password = "hunter2", server_password = "hunter2";
  std::function<void(conn::Event&)> on_client_channel, on_server_channel;

  // What happened.
  int host_key_checks = 0;
  bool client_authenticated = false, server_authenticated = false;
  std::vector<std::string> server_methods;
  std::vector<std::string> client_auth_log, server_auth_log;
  std::vector<std::string> server_transport_log;
  std::uint64_t client_kex = 0;
  std::vector<std::uint32_t> client_unimplemented;  // sequence numbers the server did not know
  std::optional<skiff::event::Disconnected> client_end, server_end;

 private:
  static std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
    if (a && b) return std::min(*a, *b);
    return a ? a : b;
  }

  template <class From, class To>
  bool move(From& from, To& to, int direction) {
    if (eof_[direction] || !to.wants_input()) return false;
    ByteView out = from.pending_output();
    if (out.empty()) {
      if (!from.closed()) return false;
      eof_[direction] = true;
      to.feed_eof(now);
      return true;
    }
    std::size_t n = std::min(out.size(), chunk);
    Bytes bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    from.consume_output(n);
    to.feed(bytes, now);
    return true;
  }

  bool drain_client() {
    bool any = false;
    while (auto ev = client.poll_event()) {
      any = true;
      if (std::holds_alternative<skiff::event::HostKeyCheck>(*ev)) {
        ++host_key_checks;
        if (host_key_verdict == true) client.accept_host_key();
        if (host_key_verdict == false) client.reject_host_key("rejected by test");
      } else if (auto* t = std::get_if<ep::TransportInfo>(&*ev)) {
        if (std::holds_alternative<skiff::event::KexComplete>(t->event)) ++client_kex;
        if (auto* u = std::get_if<skiff::event::Unimplemented>(&t->event)) client_unimplemented.push_back(u->sequence);
      } else if (auto* a = std::get_if<ep::ClientAuth>(&*ev)) {
        if (std::holds_alternative<auth::client_event::PasswordNeeded>(a->event)) {
          client_auth_log.push_back("password?");
          if (client_answers_password) {
            EXPECT_TRUE(client.provide_password(auth::SecretString(client_password)));
          }
        } else if (std::holds_alternative<auth::client_event::Authenticated>(a->event)) {
          client_authenticated = true;
          client_auth_log.push_back("authenticated");
        } else if (std::holds_alternative<auth::client_event::Failed>(a->event)) {
          client_auth_log.push_back("failed");
        }
      } else if (auto* c = std::get_if<ep::Channel>(&*ev)) {
        if (on_client_channel) on_client_channel(c->event);
      } else if (auto* d = std::get_if<skiff::event::Disconnected>(&*ev)) {
        client_end = *d;
      }
    }
    return any;
  }

  bool drain_server() {
    bool any = false;
    while (auto ev = server.poll_event()) {
      any = true;
      if (auto* t = std::get_if<ep::TransportInfo>(&*ev)) {
        server_transport_log.push_back(std::visit(
            [](auto& e) -> std::string {
              using E = std::decay_t<decltype(e)>;
              if constexpr (std::is_same_v<E, skiff::event::KexComplete>) return "kex";
              if constexpr (std::is_same_v<E, skiff::event::ServiceRequested>) return "service";
              if constexpr (std::is_same_v<E, skiff::event::VersionReceived>) return "version";
              return "other";
            },
            t->event));
      } else if (auto* a = std::get_if<ep::ServerAuth>(&*ev)) {
        if (auto* pw = std::get_if<auth::server_event::CheckPassword>(&a->event)) {
          server_auth_log.push_back("password");
          EXPECT_TRUE(text(pw->password) == server_password ? server.accept_auth(now) : server.reject_auth(now));
        } else if (auto* pk = std::get_if<auth::server_event::CheckPublicKey>(&a->event)) {
          server_auth_log.push_back(pk->verified ? "publickey signed" : "publickey query");
          EXPECT_TRUE(pk->key == user_key().public_key() ? server.accept_auth(now) : server.reject_auth(now));
        } else if (auto* ok = std::get_if<auth::server_event::Authenticated>(&a->event)) {
          server_authenticated = true;
          server_methods = ok->methods;
        } else if (auto* d = std::get_if<auth::server_event::Disconnect>(&a->event)) {
          server_auth_log.push_back("disconnect " + std::to_string(d->reason));
        }
      } else if (auto* c = std::get_if<ep::Channel>(&*ev)) {
        if (on_server_channel) on_server_channel(c->event);
      } else if (auto* d = std::get_if<skiff::event::Disconnected>(&*ev)) {
        server_end = *d;
      }
    }
    return any;
  }

  bool eof_[2] = {false, false};
};

std::string as_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

TEST(EndpointPair, PublicKeyThenPasswordThenExecSession) {
  auto sc = make_server();
  sc.auth.authentication_methods = {{"publickey", "password"}};
  EndpointPair p(make_client(), std::move(sc));

  // The server: accept the session, run "exec", answer with stdout, stderr and an exit
  // status, close when the client's input ends.
  std::string server_stdin;
  bool server_closed = false;
  p.on_server_channel = [&](conn::Event& e) {
    if (auto* o = std::get_if<conn::event::OpenRequested>(&e)) {
      EXPECT_TRUE(std::holds_alternative<conn::SessionOpen>(o->body));
      ASSERT_TRUE(p.server.accept(o->channel));
    } else if (auto* r = std::get_if<conn::event::Request>(&e)) {
      auto* exec = std::get_if<conn::ExecReq>(&r->body);
      ASSERT_NE(exec, nullptr);
      EXPECT_EQ(exec->command, "uname -a");
      ASSERT_TRUE(p.server.reply(r->channel, true));
      ASSERT_EQ(p.server.write(r->channel, Bytes{'o', 'u', 't'}).value(), 3u);
      ASSERT_EQ(p.server.write(r->channel, Bytes{'e', 'r', 'r'}, 1).value(), 3u);
      ASSERT_TRUE(p.server.request(r->channel, conn::ExitStatusReq{3}, false));
      ASSERT_TRUE(p.server.send_eof(r->channel));
    } else if (auto* d = std::get_if<conn::event::Data>(&e)) {
      server_stdin += as_string(d->bytes);
      ASSERT_TRUE(p.server.consume(d->channel, d->bytes.size()));
    } else if (auto* eof = std::get_if<conn::event::Eof>(&e)) {
      ASSERT_TRUE(p.server.close(eof->channel));
    } else if (std::holds_alternative<conn::event::Closed>(e)) {
      server_closed = true;
    }
  };
  std::map<std::uint32_t, std::string> client_out;
  std::optional<bool> exec_ok;
  std::optional<std::uint32_t> exit_status;
  bool client_eof = false, client_closed = false;
  p.on_client_channel = [&](conn::Event& e) {
    if (auto* o = std::get_if<conn::event::Opened>(&e)) {
      ASSERT_TRUE(p.client.request(o->channel, conn::ExecReq{"uname -a"}, true));
      ASSERT_EQ(p.client.write(o->channel, Bytes{'i', 'n'}).value(), 2u);
      ASSERT_TRUE(p.client.send_eof(o->channel));
    } else if (auto* r = std::get_if<conn::event::RequestReply>(&e)) {
      exec_ok = r->success;
    } else if (auto* d = std::get_if<conn::event::Data>(&e)) {
      client_out[d->stream] += as_string(d->bytes);
      // The server's CLOSE may already have freed the channel (its Closed event is
      // queued behind this Data): consume() then has nothing left to give back.
      (void)p.client.consume(d->channel, d->bytes.size());
    } else if (auto* q = std::get_if<conn::event::Request>(&e)) {
      if (auto* s = std::get_if<conn::ExitStatusReq>(&q->body)) exit_status = s->status;
    } else if (std::holds_alternative<conn::event::Eof>(e)) {
      client_eof = true;
    } else if (std::holds_alternative<conn::event::Closed>(e)) {
      client_closed = true;
    }
  };

  p.pump();
  ASSERT_FALSE(p.client_end);
  ASSERT_FALSE(p.server_end);
  EXPECT_EQ(p.host_key_checks, 1);
  ASSERT_TRUE(p.client_authenticated);
  ASSERT_TRUE(p.server_authenticated);
  EXPECT_TRUE(p.client.authenticated());
  EXPECT_TRUE(p.server.authenticated());
  EXPECT_EQ(p.server_methods, (std::vector<std::string>{"publickey", "password"}));
  EXPECT_EQ(p.server_auth_log, (std::vector<std::string>{"publickey query", "publickey signed", "password"}));

  auto ch = p.client.open(conn::SessionOpen{});
  ASSERT_TRUE(ch);
  p.pump();
  ASSERT_FALSE(p.client_end);
  ASSERT_FALSE(p.server_end);
  EXPECT_EQ(exec_ok, true);
  EXPECT_EQ(client_out[0], "out");
  EXPECT_EQ(client_out[1], "err");
  EXPECT_EQ(exit_status, 3u);
  EXPECT_TRUE(client_eof);
  EXPECT_EQ(server_stdin, "in");
  EXPECT_TRUE(client_closed);
  EXPECT_TRUE(server_closed);
  EXPECT_EQ(p.client.engine().channel_count(), 0u);
  EXPECT_EQ(p.server.engine().channel_count(), 0u);
}

TEST(EndpointPair, NoMethodLeftEndsWithReason14) {
  auto cc = make_client({"password"});
  cc.auth.number_of_password_prompts = 2;
  EndpointPair p(std::move(cc), make_server());
  p.client_password = "wrong";
  p.pump();
  EXPECT_FALSE(p.server_authenticated);
  EXPECT_EQ(p.client_auth_log, (std::vector<std::string>{"password?", "password?", "failed"}));
  ASSERT_TRUE(p.client_end);
  EXPECT_FALSE(p.client_end->by_peer);
  EXPECT_EQ(p.client_end->reason, dc::kNoMoreAuthMethodsAvailable);
  EXPECT_EQ(p.client_end->description, "Permission denied (publickey,keyboard-interactive,password).");
  ASSERT_TRUE(p.server_end);
  EXPECT_TRUE(p.server_end->by_peer);
  EXPECT_EQ(p.server_end->reason, dc::kNoMoreAuthMethodsAvailable);
}

TEST(EndpointPair, MaxAuthTriesEndsWithReason2) {
  auto cc = make_client({"password"});
  cc.auth.number_of_password_prompts = 10;
  auto sc = make_server();
  sc.auth.max_auth_tries = 3;
  EndpointPair p(std::move(cc), std::move(sc));
  p.client_password = "wrong";
  p.pump();
  EXPECT_EQ(p.server_auth_log, (std::vector<std::string>{"password", "password", "password", "disconnect 2"}));
  ASSERT_TRUE(p.server_end);
  EXPECT_EQ(p.server_end->reason, dc::kProtocolError);
  ASSERT_TRUE(p.client_end);
  EXPECT_TRUE(p.client_end->by_peer);
  EXPECT_EQ(p.client_end->reason, dc::kProtocolError);
  EXPECT_FALSE(p.client_authenticated);
}

// A session whose channels move data server -> client, the client consuming per channel
// unless stalled.
struct Transfer {
  explicit Transfer(EndpointPair& pair) : p(pair) {
    p.on_server_channel = [this](conn::Event& e) {
      if (auto* o = std::get_if<conn::event::OpenRequested>(&e)) {
        ASSERT_TRUE(p.server.accept(o->channel));
      }
    };
    p.on_client_channel = [this](conn::Event& e) {
      if (auto* o = std::get_if<conn::event::Opened>(&e)) opened.push_back(o->channel);
      if (auto* d = std::get_if<conn::event::Data>(&e)) {
        received[d->channel] += as_string(d->bytes);
        if (!stalled.contains(d->channel)) {
          ASSERT_TRUE(p.client.consume(d->channel, d->bytes.size()));
        }
      }
    };
  }
  // Feeds `want` bytes into server channel `sch` as fast as it takes them.
  void push(conn::ChannelId sch, const std::string& data, std::size_t& sent) {
    if (sent >= data.size()) return;
    auto n = p.server.write(sch, ByteView(reinterpret_cast<const std::uint8_t*>(data.data()) + sent,
                                          data.size() - sent));
    ASSERT_TRUE(n);
    sent += *n;
  }
  EndpointPair& p;
  std::vector<conn::ChannelId> opened;
  std::map<conn::ChannelId, std::string> received;
  std::set<conn::ChannelId> stalled;
};

std::string pattern(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 24);
  }
  return s;
}

ClientConfig small_window_client() {
  auto cc = make_client({"publickey"});
  cc.engine.initial_window = 4096;
  cc.engine.max_window = 16384;
  cc.engine.max_packet = 1024;
  return cc;
}

TEST(EndpointPair, LargeTransferWithSmallWindowsAndRekeyInTheMiddle) {
  auto sc = make_server();
  sc.engine.send_queue_limit = 8192;
  EndpointPair p(small_window_client(), std::move(sc));
  p.chunk = 1000;  // partial packets on every hop
  Transfer t(p);
  p.pump();
  ASSERT_TRUE(p.client_authenticated);
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  p.pump();
  ASSERT_EQ(t.opened.size(), 1u);
  conn::ChannelId cch = t.opened[0];
  conn::ChannelId sch = 0;  // the server's first channel id

  const std::string data = pattern(1 << 20, 7);
  std::size_t sent = 0;
  bool rekeyed = false;
  std::uint64_t kex_before = p.client_kex;
  for (int round = 0; round < 100000 && t.received[cch].size() < data.size(); ++round) {
    t.push(sch, data, sent);
    if (!rekeyed && sent > data.size() / 2) {
      p.client.transport().request_rekey();
      rekeyed = true;
    }
    p.pump();
    ASSERT_FALSE(p.client_end);
    ASSERT_FALSE(p.server_end);
    auto st = p.client.stats(cch);
    ASSERT_TRUE(st);
    EXPECT_LE(st->window_size, 16384u);
  }
  EXPECT_TRUE(t.received[cch] == data);
  EXPECT_EQ(p.client_kex, kex_before + 1);
  EXPECT_EQ(p.client.transport().exchanges_completed(), 2u);
}

TEST(EndpointPair, StalledReaderDoesNotBlockAnotherChannel) {
  EndpointPair p(small_window_client(), make_server());
  Transfer t(p);
  p.pump();
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  p.pump();
  ASSERT_EQ(t.opened.size(), 2u);
  t.stalled.insert(t.opened[0]);

  const std::string a = pattern(200000, 1), b = pattern(200000, 2);
  std::size_t sent_a = 0, sent_b = 0;
  for (int round = 0; round < 100000 && t.received[t.opened[1]].size() < b.size(); ++round) {
    t.push(0, a, sent_a);
    t.push(1, b, sent_b);
    p.pump();
    ASSERT_FALSE(p.client_end);
  }
  EXPECT_TRUE(t.received[t.opened[1]] == b);
  // The stalled channel holds one window of data, the rest waits on the server.
  EXPECT_EQ(t.received[t.opened[0]].size(), 4096u);
  EXPECT_GT(p.server.stats(0)->queued, 0u);
  EXPECT_EQ(p.server.stats(0)->remote_window, 0u);

  // The reader resumes: everything arrives.
  t.stalled.clear();
  ASSERT_TRUE(p.client.consume(t.opened[0], t.received[t.opened[0]].size()));
  for (int round = 0; round < 100000 && t.received[t.opened[0]].size() < a.size(); ++round) {
    t.push(0, a, sent_a);
    p.pump();
  }
  EXPECT_TRUE(t.received[t.opened[0]] == a);
}

TEST(EndpointPair, EngineOutputWaitsWhileTheTransportIsFullThenResumes) {
  auto cc = make_client({"publickey"});
  cc.engine.initial_window = cc.engine.max_window = 4 << 20;
  auto sc = make_server();
  sc.engine.send_queue_limit = 4 << 20;
  EndpointPair p(std::move(cc), std::move(sc));
  Transfer t(p);
  p.pump();
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  p.pump();
  ASSERT_EQ(t.opened.size(), 1u);

  // A key exchange starts: the transport queues upper-layer messages only up to its cap,
  // the rest must stay in the engine.
  p.server.transport().request_rekey();
  const std::string data = pattern(4 << 20, 3);
  std::size_t sent = 0;
  t.push(0, data, sent);
  ASSERT_EQ(sent, data.size());
  EXPECT_TRUE(p.server.transport().kex_in_progress());
  EXPECT_FALSE(p.server.transport().can_send()) << p.server.stats(0)->queued << " " << p.server.stats(0)->remote_window;
  EXPECT_GT(p.server.stats(0)->queued, 0u);

  p.pump();
  ASSERT_FALSE(p.client_end) << p.client_end->description << " by_peer=" << p.client_end->by_peer << " " << p.client_end->error.to_string();
  EXPECT_TRUE(t.received[t.opened[0]] == data);
  EXPECT_EQ(p.server.stats(0)->queued, 0u);
  EXPECT_EQ(p.server.transport().exchanges_completed(), 2u);
}

// The two tests below stop the client at its password prompt: authentication is under way.
TEST(EndpointPair, ChannelOpenBeforeAuthenticationEndsTheConnection) {
  EndpointPair p(make_client({"password"}), make_server());
  p.client_answers_password = false;
  p.pump();
  ASSERT_EQ(p.client_auth_log, std::vector<std::string>{"password?"});
  // The wrapper holds engine output until authenticated; a raw open goes through the transport.
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  p.pump();
  EXPECT_FALSE(p.server_end);
  ASSERT_TRUE(p.client.transport().send(conn::encode(conn::ChannelOpen{5, 1024, 1024, conn::SessionOpen{}})));
  p.pump();
  ASSERT_TRUE(p.server_end);
  EXPECT_FALSE(p.server_end->by_peer);
  EXPECT_EQ(p.server_end->reason, dc::kProtocolError);
  ASSERT_TRUE(p.client_end);
  EXPECT_TRUE(p.client_end->by_peer);
  EXPECT_EQ(p.client_end->reason, dc::kProtocolError);
  EXPECT_FALSE(p.server.authenticated());
  EXPECT_TRUE(p.server_auth_log.empty());
}

TEST(EndpointPair, UnknownMessagesAfterAuthenticationAreAnsweredUnimplemented) {
  // RFC 4253 11.4: OpenSSH answers a message number it does not know and goes on; so
  // must skiff (an unassigned connection number, a reserved one, a local extension; 192 and 193
  // are ping and pong).
  EndpointPair p(make_client({"password"}), make_server());
  p.pump();
  ASSERT_TRUE(p.server.authenticated());
  for (std::uint8_t number : {85, 120, 200})
    ASSERT_TRUE(p.client.transport().send(Bytes{number, 1, 2, 3}));
  p.pump();
  EXPECT_FALSE(p.server_end);
  EXPECT_FALSE(p.client_end);
  ASSERT_EQ(p.client_unimplemented.size(), 3u);  // in order, one per packet sent
  const std::uint32_t first = p.client_unimplemented[0];
  EXPECT_EQ(first, 3u);  // strict kex: 0 service request, 1 none, 2 password
  EXPECT_EQ(p.client_unimplemented, (std::vector<std::uint32_t>{first, first + 1, first + 2}));
  // The connection still works.
  ASSERT_TRUE(p.client.open(conn::SessionOpen{}));
  p.pump();
  EXPECT_FALSE(p.server_end);
}

TEST(EndpointPair, UnsolicitedUserauthSuccessEndsTheConnection) {
  EndpointPair p(make_client({"password"}), make_server());
  p.client_answers_password = false;
  p.pump();
  ASSERT_EQ(p.client_auth_log, std::vector<std::string>{"password?"});
  ASSERT_TRUE(p.server.transport().send(Bytes{auth::msg::kSuccess}));
  p.pump();
  EXPECT_FALSE(p.client_authenticated);
  EXPECT_FALSE(p.client.authenticated());
  ASSERT_TRUE(p.client_end);
  EXPECT_FALSE(p.client_end->by_peer);
  EXPECT_EQ(p.client_end->reason, dc::kProtocolError);
  ASSERT_TRUE(p.server_end);
  EXPECT_TRUE(p.server_end->by_peer);
}

TEST(EndpointPair, UnansweredHostKeyBlocksAndRejectedHostKeyEnds) {
  EndpointPair p(make_client(), make_server());
  p.host_key_verdict = std::nullopt;
  p.pump();
  EXPECT_EQ(p.host_key_checks, 1);
  EXPECT_FALSE(p.client_end);
  EXPECT_EQ(p.client_kex, 0u);
  EXPECT_EQ(p.server_transport_log, std::vector<std::string>{"version"});

  p.client.reject_host_key("not in known_hosts");
  p.pump();
  ASSERT_TRUE(p.client_end);
  EXPECT_EQ(p.client_end->reason, dc::kHostKeyNotVerifiable);
  ASSERT_TRUE(p.server_end);
  EXPECT_TRUE(p.server_end->by_peer);
  EXPECT_EQ(p.server_end->reason, dc::kHostKeyNotVerifiable);
  // No NEWKEYS, no service request reached the server: only the DISCONNECT.
  EXPECT_EQ(p.server_transport_log, std::vector<std::string>{"version"});
  EXPECT_FALSE(p.server.authenticated());
}

}  // namespace
