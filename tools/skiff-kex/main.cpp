// skiff-kex: the transport layer on its own, against a real peer. As a client it
// connects, runs the key exchange, checks the host key, asks for the ssh-userauth
// service and rekeys; as a server it does the same for a connecting client. It exists
// to show and test the transport before the login layers do, and to be the project's
// main job until skiffd can log users in.
//
//   skiff-kex [-p port] [-o Option=value]... [--known-host-key file] [--auth-none user]
//             [--rekey n] [--wait-peer-rekey n] [-v] host
//   skiff-kex --server [-p port | -i] [--host-keys-out file] [--accept-none-auth]
//             [--rekey n] [--once] [-o Option=value]... [-v]
//
// For tests of a peer's handling of bad input, raw upper-layer payloads can be sent:
//   --send HEX[*N]     a payload in hex (N times); repeatable. A client sends them once
//                      authenticated (or, with --send-early, right after ssh-userauth was
//                      accepted, before any authentication); a server right after it
//                      accepted the client's service request (the transport sends
//                      nothing of the layers above before that).
//   --send @T          (between payloads) wait until the peer sends a message numbered T
//                      (e.g. @91: a channel open was confirmed) before sending the rest.
//                      The tool then waits for the peer to end the connection: exit 0 if
//                      it did within --wait-close seconds (default 10), 3 if not.
//   --auth-password U  log in as U with the password in $SKIFF_KEX_PASSWORD.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "io/byte_stream.hpp"
#include "io/transport_runner.hpp"
#include "keys/fingerprint.hpp"
#include "transport/algorithms.hpp"
#include "wire/base64.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using namespace skiff;

namespace {

struct Options {
  bool server = false;
  bool inetd = false;
  bool once = false;
  std::string host;
  std::string port = "22";
  std::vector<std::string> settings;  // -o Key=Value
  std::string known_host_key;
  std::string auth_none_user;
  std::string host_keys_out;
  std::string moduli = "/etc/ssh/moduli";
  bool accept_none_auth = false;
  int rekeys = 0;
  int wait_peer_rekeys = 0;
  int verbose = 0;
  std::string auth_password_user;
  std::vector<Bytes> sends;
  bool send_early = false;
  int wait_close = 10;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: skiff-kex [-p port] [-o Option=value] [--known-host-key file] [--auth-none user]\n"
               "                 [--rekey n] [--wait-peer-rekey n] [-v] host\n"
               "       skiff-kex --server [-p port | -i] [--host-keys-out file] [--accept-none-auth]\n"
               "                 [--rekey n] [--once] [-o Option=value] [-v]\n"
               "       (both) [--send HEX[*N]]... [--send-early] [--wait-close s] [--auth-password user]\n");
  std::exit(255);
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "skiff-kex: %s\n", msg.c_str());
  std::exit(255);
}

// "HEX" or "HEX*N": the payload, N times.
void add_sends(Options& o, const std::string& spec) {
  if (spec.size() > 1 && spec[0] == '@') {  // a wait marker: {0xff, T}
    long t = std::strtol(spec.c_str() + 1, nullptr, 10);
    if (t < 1 || t > 255) die("bad --send wait marker: " + spec);
    o.sends.push_back(Bytes{0xff, static_cast<std::uint8_t>(t)});
    return;
  }
  std::string hex = spec;
  long n = 1;
  if (auto star = spec.find('*'); star != std::string::npos) {
    hex = spec.substr(0, star);
    n = std::strtol(spec.c_str() + star + 1, nullptr, 10);
  }
  if (hex.empty() || hex.size() % 2 != 0 || n < 1 || n > 1000000) die("bad --send payload: " + spec);
  Bytes payload;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    std::string byte = hex.substr(i, 2);
    unsigned long v = std::strtoul(byte.c_str(), &end, 16);
    if (end != byte.c_str() + 2) die("bad hex in --send: " + spec);
    payload.push_back(static_cast<std::uint8_t>(v));
  }
  for (long i = 0; i < n; ++i) o.sends.push_back(payload);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--server") o.server = true;
    else if (a == "-i") o.inetd = true;
    else if (a == "--once") o.once = true;
    else if (a == "-p") o.port = next();
    else if (a == "-o") o.settings.push_back(next());
    else if (a == "--known-host-key") o.known_host_key = next();
    else if (a == "--auth-none") o.auth_none_user = next();
    else if (a == "--host-keys-out") o.host_keys_out = next();
    else if (a == "--moduli") o.moduli = next();
    else if (a == "--accept-none-auth") o.accept_none_auth = true;
    else if (a == "--rekey") o.rekeys = std::atoi(next().c_str());
    else if (a == "--wait-peer-rekey") o.wait_peer_rekeys = std::atoi(next().c_str());
    else if (a == "-v") ++o.verbose;
    else if (a == "--send") add_sends(o, next());
    else if (a == "--send-early") o.send_early = true;
    else if (a == "--wait-close") o.wait_close = std::atoi(next().c_str());
    else if (a == "--auth-password") o.auth_password_user = next();
    else if (a == "--list" || a == "-Q") {
      // Like ssh -Q: every algorithm of a kind that skiff implements.
      std::string kind = next();
      using transport::AlgorithmKind;
      AlgorithmKind k = kind == "kex" ? AlgorithmKind::kex
                        : kind == "cipher" ? AlgorithmKind::cipher
                        : kind == "mac" ? AlgorithmKind::mac
                        : kind == "key" ? AlgorithmKind::host_key
                        : kind == "compression" ? AlgorithmKind::compression
                                                : (usage(), AlgorithmKind::kex);
      for (const auto& name : transport::supported_algorithms(k)) std::printf("%s\n", name.c_str());
      std::exit(0);
    }
    else if (!a.empty() && a[0] == '-') usage();
    else if (o.host.empty()) o.host = a;
    else usage();
  }
  if (!o.server && o.host.empty()) usage();
  if (o.server && o.send_early) usage();  // a server can send nothing before the service is accepted
  return o;
}

void apply_settings(const Options& o, TransportConfig& cfg) {
  using transport::AlgorithmKind;
  for (const auto& s : o.settings) {
    auto eq = s.find('=');
    if (eq == std::string::npos) die("bad -o option: " + s);
    std::string key = s.substr(0, eq), value = s.substr(eq + 1);
    auto list = [&](AlgorithmKind kind) {
      auto r = transport::apply_algorithm_spec(kind, value);
      if (!r) die(key + ": " + r.error().message);
      return *r;
    };
    if (key == "KexAlgorithms") cfg.kex_algorithms = list(AlgorithmKind::kex);
    else if (key == "HostKeyAlgorithms") cfg.host_key_algorithms = list(AlgorithmKind::host_key);
    else if (key == "Ciphers") cfg.ciphers = list(AlgorithmKind::cipher);
    else if (key == "MACs") cfg.macs = list(AlgorithmKind::mac);
    else if (key == "Compression")
      cfg.compression = value == "yes" ? std::vector<std::string>{"zlib@openssh.com", "zlib", "none"}
                                       : std::vector<std::string>{"none"};
    else if (key == "RekeyLimit") cfg.rekey_bytes = std::strtoull(value.c_str(), nullptr, 10);
    else die("unknown option " + key);
  }
}

std::string describe(const NegotiatedAlgorithms& a) {
  std::string s = "kex " + a.kex + ", host key " + a.host_key + ", cipher " + a.cipher_c2s + "/" + a.cipher_s2c;
  s += ", mac " + (a.mac_c2s.empty() ? std::string("<implicit>") : a.mac_c2s) + "/" +
       (a.mac_s2c.empty() ? std::string("<implicit>") : a.mac_s2c);
  s += ", compression " + a.compression_c2s + "/" + a.compression_s2c;
  if (a.strict_kex) s += ", strict kex";
  return s;
}

std::string public_key_line(const PrivateKey& key) {
  return key.type_name() + " " + wire::base64_encode(key.public_blob());
}

// A blob from a "type base64 [comment]" line.
std::optional<Bytes> read_public_key_file(const std::string& path) {
  std::ifstream f(path);
  std::string type, b64;
  if (!(f >> type >> b64)) return std::nullopt;
  return wire::base64_decode(b64);
}

// The upper-layer messages this tool answers itself (only what a transport test needs).
constexpr std::uint8_t kUserauthRequest = 50, kUserauthFailure = 51, kUserauthSuccess = 52;
constexpr std::uint8_t kGlobalRequest = 80, kRequestFailure = 82, kChannelOpen = 90, kChannelOpenFailure = 92;

struct Session {
  Options opt;
  int rekeys_done = 0;
  int peer_rekeys = 0;
  bool rekey_requested_by_us = false;
  bool authenticated = false;
  bool nudge_peer = false;
  bool sent = false;  // the --send payloads went out: now only the peer may end it
  bool peer_ended = false;
  std::size_t next_send = 0;   // index into opt.sends
  int waiting_for = -1;        // a message number the rest of the sends waits for
  int exit_code = 0;
};

// Sends the crafted payloads from where it stopped, up to the next wait marker.
void send_crafted(Session& s, io::TransportRunner& r) {
  if (s.waiting_for >= 0) return;
  std::size_t n = 0;
  while (s.next_send < s.opt.sends.size()) {
    const Bytes& p = s.opt.sends[s.next_send++];
    if (p.size() == 2 && p[0] == 0xff) {
      s.waiting_for = p[1];
      break;
    }
    if (!r.transport().send(p)) break;
    ++n;
  }
  s.sent = true;
  std::fprintf(stderr, "skiff-kex: sent %zu crafted payload(s)%s\n", n,
               s.waiting_for >= 0 ? ", waiting for the peer's next step" : "");
}

void maybe_next_step(Session& s, io::TransportRunner& r) {
  Transport& t = r.transport();
  if (!s.opt.sends.empty()) return;  // crafted input: wait for the peer's verdict
  bool ready = s.opt.auth_none_user.empty() || s.authenticated || s.opt.server;
  if (s.opt.server) ready = s.authenticated || !s.opt.accept_none_auth;
  if (!ready || t.kex_in_progress()) return;
  if (s.rekeys_done < s.opt.rekeys) {
    s.rekey_requested_by_us = true;
    t.request_rekey();
    return;
  }
  if (!s.opt.server && s.peer_rekeys < s.opt.wait_peer_rekeys) {
    // OpenSSH checks its rekey limits only when it sends: ask for a reply now and then.
    s.nudge_peer = true;
    return;
  }
  if (!s.opt.server) {
    std::fprintf(stderr, "skiff-kex: done, disconnecting\n");
    t.disconnect(11, "disconnected by user");
  }
}

void handle_upper(Session& s, io::TransportRunner& r, ByteView payload) {
  Transport& t = r.transport();
  if (s.waiting_for >= 0 && payload[0] == s.waiting_for) {
    s.waiting_for = -1;
    send_crafted(s, r);
    return;
  }
  wire::Reader rd(payload.subspan(1));
  Bytes reply;
  wire::Writer w(reply);
  switch (payload[0]) {
    case kUserauthRequest: {
      if (!s.opt.server) break;
      auto user = rd.text(256);
      auto service = rd.text(256);
      auto method = rd.text(256);
      bool ok = user && service && method && *method == "none" && s.opt.accept_none_auth;
      if (ok) {
        w.byte(kUserauthSuccess);
        (void)t.send(reply);
        s.authenticated = true;
        t.user_authenticated();
        std::fprintf(stderr, "skiff-kex: accepted 'none' authentication for %.*s\n", static_cast<int>(user->size()),
                     user->data());
        maybe_next_step(s, r);
      } else {
        std::vector<std::string> methods{"publickey", "password"};
        w.byte(kUserauthFailure).name_list(methods).boolean(false);
        (void)t.send(reply);
      }
      return;
    }
    case kUserauthSuccess:
      if (s.opt.server) break;
      s.authenticated = true;
      t.user_authenticated();
      std::fprintf(stderr, "skiff-kex: authenticated with '%s'\n",
                   s.opt.auth_password_user.empty() ? "none" : "password");
      if (!s.opt.sends.empty() && !s.opt.send_early) send_crafted(s, r);
      maybe_next_step(s, r);
      return;
    case kUserauthFailure: {
      if (s.opt.server || s.opt.send_early) break;
      auto methods = rd.text();
      std::fprintf(stderr, "skiff-kex: authentication refused; server allows: %.*s\n",
                   methods ? static_cast<int>(methods->size()) : 0, methods ? methods->data() : "");
      s.exit_code = 1;
      t.disconnect(11, "authentication refused");
      return;
    }
    case kGlobalRequest: {
      auto name = rd.text(256);
      auto want = rd.boolean();
      if (name && want && *want) {
        w.byte(kRequestFailure);
        (void)t.send(reply);
      }
      return;
    }
    case kChannelOpen: {
      auto type = rd.text(256);
      auto sender = rd.u32();
      if (sender) {
        w.byte(kChannelOpenFailure).u32(*sender).u32(1).string("skiff-kex opens no channels").string("");
        (void)t.send(reply);
      }
      return;
    }
    default:
      break;
  }
}

asio::awaitable<void> run_connection(Session& s, Transport& t, std::unique_ptr<io::ByteStream> stream,
                                     std::optional<Bytes> pinned) {
  auto ex = co_await asio::this_coro::executor;
  io::TransportRunner runner(ex, t, std::move(stream));
  // Outlives this frame: the nudging coroutine may wake after the connection ended, and
  // must then touch nothing of it.
  auto nudge_timer = std::make_shared<asio::steady_timer>(ex);
  auto finished = std::make_shared<bool>(false);
  asio::co_spawn(
      ex,
      [&s, &t, &runner, nudge_timer, finished]() -> asio::awaitable<void> {
        int waited_ms = 0;
        while (!*finished) {
          nudge_timer->expires_after(std::chrono::milliseconds(500));
          std::error_code ec;
          co_await nudge_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (*finished) break;
          if (s.sent && (waited_ms += 500) > s.opt.wait_close * 1000 && !t.closed()) {
            std::fprintf(stderr, "skiff-kex: the peer did not end the connection within %d s\n", s.opt.wait_close);
            s.exit_code = 3;
            t.disconnect(11, "crafted input test over");
            runner.notify();
          }
          if (s.nudge_peer && !t.closed() && !t.kex_in_progress()) {
            Bytes m;
            wire::Writer(m).byte(kGlobalRequest).string("keepalive@openssh.com").boolean(true);
            (void)t.send(m);
            runner.notify();
          }
        }
      },
      asio::detached);
  Error end = co_await runner.run([&](TransportEvent& ev, io::TransportRunner& r) {
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, event::VersionReceived>) {
            for (const auto& l : e.banner_lines) std::fprintf(stderr, "%s\n", l.c_str());
            std::fprintf(stderr, "skiff-kex: remote software version %s\n", e.peer_version.c_str());
          } else if constexpr (std::is_same_v<E, event::HostKeyCheck>) {
            std::string fp = keys::fingerprint_sha256(e.host_key_blob);
            std::fprintf(stderr, "skiff-kex: server host key: %s %s (signature %s verified)\n",
                         e.algorithm.c_str(), fp.c_str(), e.algorithm.c_str());
            if (pinned) {
              if (*pinned == e.host_key_blob) {
                std::fprintf(stderr, "skiff-kex: host key matches %s\n", s.opt.known_host_key.c_str());
                r.transport().accept_host_key();
              } else {
                std::fprintf(stderr, "skiff-kex: HOST KEY MISMATCH with %s\n", s.opt.known_host_key.c_str());
                s.exit_code = 255;
                r.transport().reject_host_key("host key does not match the pinned key");
              }
            } else {
              std::fprintf(stderr, "skiff-kex: no pinned key given (--known-host-key): accepting for this run\n");
              r.transport().accept_host_key();
            }
          } else if constexpr (std::is_same_v<E, event::KexComplete>) {
            if (e.initial) {
              std::fprintf(stderr, "skiff-kex: key exchange complete: %s\n", describe(e.algorithms).c_str());
              if (!s.opt.server) r.transport().request_service("ssh-userauth");
            } else if (s.rekey_requested_by_us) {
              s.rekey_requested_by_us = false;
              ++s.rekeys_done;
              std::fprintf(stderr, "skiff-kex: rekey %d completed (started by us): %s\n", s.rekeys_done,
                           describe(e.algorithms).c_str());
            } else {
              ++s.peer_rekeys;
              std::fprintf(stderr, "skiff-kex: rekey completed (started by peer), %d so far\n", s.peer_rekeys);
            }
            if (!e.initial) maybe_next_step(s, r);
          } else if constexpr (std::is_same_v<E, event::ServiceAccepted>) {
            std::fprintf(stderr, "skiff-kex: service %s accepted\n", e.name.c_str());
            if (!s.opt.sends.empty() && s.opt.send_early) {
              send_crafted(s, r);
            } else if (!s.opt.auth_password_user.empty()) {
              const char* pw = std::getenv("SKIFF_KEX_PASSWORD");
              Bytes m;
              wire::Writer(m)
                  .byte(kUserauthRequest)
                  .string(s.opt.auth_password_user)
                  .string("ssh-connection")
                  .string("password")
                  .boolean(false)
                  .string(pw ? pw : "");
              (void)r.transport().send(m);
            } else if (!s.opt.auth_none_user.empty()) {
              Bytes m;
              wire::Writer(m).byte(kUserauthRequest).string(s.opt.auth_none_user).string("ssh-connection").string(
                  "none");
              (void)r.transport().send(m);
            } else {
              maybe_next_step(s, r);
            }
          } else if constexpr (std::is_same_v<E, event::ServiceRequested>) {
            std::fprintf(stderr, "skiff-kex: client requested service %s\n", e.name.c_str());
            if (!s.opt.sends.empty()) send_crafted(s, r);
            if (!s.opt.accept_none_auth) maybe_next_step(s, r);
          } else if constexpr (std::is_same_v<E, event::ExtInfo>) {
            for (auto& [name, value] : e.extensions)
              std::fprintf(stderr, "skiff-kex: server extension %s = %.*s\n", name.c_str(),
                           static_cast<int>(value.size()), reinterpret_cast<const char*>(value.data()));
          } else if constexpr (std::is_same_v<E, event::Debug>) {
            std::fprintf(stderr, "skiff-kex: remote debug: %s\n", e.message.c_str());
          } else if constexpr (std::is_same_v<E, event::Packet>) {
            handle_upper(s, r, e.payload);
          } else if constexpr (std::is_same_v<E, event::Disconnected>) {
            std::fprintf(stderr, "skiff-kex: %s: %s\n", e.by_peer ? "peer disconnected" : "disconnected",
                         e.error.message.c_str());
            if (e.by_peer) s.peer_ended = true;
          }
        },
        ev);
  });
  *finished = true;
  nudge_timer->cancel();
  // A stream that ends without a DISCONNECT after crafted input also counts as ended by the peer.
  if (s.sent && s.exit_code == 0 && end.code != Errc::disconnected) s.peer_ended = true;
  if (s.sent) {
    std::fprintf(stderr, "skiff-kex: crafted input: the peer %s the connection\n",
                 s.peer_ended ? "ended" : "did not end");
    if (s.exit_code == 0 && !s.peer_ended) s.exit_code = 3;
    std::fprintf(stderr, "skiff-kex: connection ended: %s\n", end.to_string().c_str());
    co_return;
  }
  if (end.code != Errc::disconnected && s.exit_code == 0) s.exit_code = 255;
  if (!s.opt.server && s.rekeys_done < s.opt.rekeys) s.exit_code = 255;
  if (!s.opt.server && s.peer_rekeys < s.opt.wait_peer_rekeys) s.exit_code = 255;
  if (!s.opt.server && t.exchanges_completed() == 0) s.exit_code = 255;
  std::fprintf(stderr, "skiff-kex: connection ended: %s (%llu key exchanges)\n", end.to_string().c_str(),
               static_cast<unsigned long long>(t.exchanges_completed()));
}

std::vector<PrivateKey> make_host_keys(const Options& o) {
  std::vector<PrivateKey> keys;
  for (KeyType t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto k = PrivateKey::generate(t, t == KeyType::rsa ? 3072 : 0);
    if (!k) die("host key generation failed: " + k.error().message);
    keys.push_back(std::move(*k));
  }
  if (!o.host_keys_out.empty()) {
    std::ofstream f(o.host_keys_out);
    for (const auto& k : keys) f << public_key_line(k) << "\n";
    if (!f) die("cannot write " + o.host_keys_out);
  }
  return keys;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_args(argc, argv);
  asio::io_context ctx;
  int exit_code = 0;
  if (!opt.server) {
    TransportConfig cfg;
    cfg.role = Role::client;
    apply_settings(opt, cfg);
    std::optional<Bytes> pinned;
    if (!opt.known_host_key.empty()) {
      pinned = read_public_key_file(opt.known_host_key);
      if (!pinned) die("cannot read a public key from " + opt.known_host_key);
    }
    Transport t(cfg);
    Session s{opt};
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          auto stream = co_await io::connect_tcp(opt.host, opt.port);
          if (!stream) {
            std::fprintf(stderr, "skiff-kex: %s\n", stream.error().message.c_str());
            s.exit_code = 255;
            co_return;
          }
          co_await run_connection(s, t, std::move(*stream), pinned);
        },
        asio::detached);
    ctx.run();
    return s.exit_code;
  }

  std::vector<PrivateKey> host_keys = make_host_keys(opt);
  // Group exchange offers the groups of a moduli file when there is one (as sshd).
  std::vector<DhGexGroup> gex_groups;
  if (std::ifstream mf(opt.moduli); mf) {
    std::stringstream text;
    text << mf.rdbuf();
    gex_groups = parse_moduli(text.str());
    std::fprintf(stderr, "skiff-kex: %zu group-exchange groups from %s\n", gex_groups.size(), opt.moduli.c_str());
  }
  auto server_config = [&] {
    TransportConfig cfg;
    cfg.role = Role::server;
    cfg.host_keys = host_keys;
    cfg.gex_groups = gex_groups;
    apply_settings(opt, cfg);
    return cfg;
  };
  if (opt.inetd) {
    Transport t(server_config());
    Session s{opt};
    asio::co_spawn(ctx, run_connection(s, t, io::make_fd_stream(ctx.get_executor(), 0, 1), std::nullopt),
                   asio::detached);
    ctx.run();
    return s.exit_code;
  }
  asio::ip::tcp::acceptor acceptor(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                                 static_cast<unsigned short>(std::atoi(opt.port.c_str()))));
  std::fprintf(stderr, "skiff-kex: listening on 127.0.0.1 port %u\n", acceptor.local_endpoint().port());
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ctx.stop(); });
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        while (true) {
          std::error_code ec;
          auto sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
          auto stream = io::make_tcp_stream(std::move(sock));
          std::fprintf(stderr, "skiff-kex: connection from %s\n", stream->describe().c_str());
          auto t = std::make_shared<Transport>(server_config());
          auto s = std::make_shared<Session>(Session{opt});
          asio::co_spawn(
              ctx,
              [t, s, st = std::move(stream)]() mutable -> asio::awaitable<void> {
                co_await run_connection(*s, *t, std::move(st), std::nullopt);
              },
              [&](std::exception_ptr) {
                if (opt.once) ctx.stop();
              });
          if (opt.once) co_return;
        }
      },
      asio::detached);
  ctx.run();
  return exit_code;
}
