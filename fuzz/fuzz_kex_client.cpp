// libFuzzer target: a whole key exchange whose peer messages come from the fuzzer.
//
// A real skiff client Transport talks to a crafted server written here. The crafted
// server does the key exchange for real (its own ephemeral key, the exchange hash, the
// host key signature and the key derivation are written again here, independently of
// transport_kex.cpp), so it can take the client through NEWKEYS and on; the fuzzer's
// input decides the server's choices and how it misbehaves:
//   - the server's algorithms (kex: curve25519-sha256, ecdh-sha2-nistp256,
//     diffie-hellman-group-exchange-sha256, ecdh-sha2-nistp384, ecdh-sha2-nistp521,
//     diffie-hellman-group14-sha256; host key, cipher, MAC, zlib, strict KEX);
//   - each KEX_ECDH_REPLY / KEXDH_REPLY / DH_GEX_REPLY: valid; valid with one byte
//     changed; assembled from valid and fuzzer-made fields (K_S, Q_S or f, signature,
//     or a signature by another host key); or entirely fuzzer bytes. Likewise the
//     DH_GEX_GROUP (p, g);
//   - then a sequence of actions: sealed fuzzer payloads, a rekey from either side,
//     SERVICE_ACCEPT, EXT_INFO, IGNORE/DEBUG/UNIMPLEMENTED/PING/PONG/DISCONNECT, raw
//     garbage in the stream, client API calls, time passing, end of stream.
// The client's own randomness (its ephemeral key, padding) changes the bytes but not
// the path: every check below holds whatever the client drew.
//
// Checked (beyond no crash and no sanitizer report):
//   - a HostKeyCheck or a NEWKEYS from the client only follows a reply the crafted server
//     signed correctly, unmodified, with the negotiated host key (anything else means a
//     bad signature, key or value was accepted); the HostKeyCheck carries the K_S sent;
//   - a correct initial exchange is accepted, and the client's packets after NEWKEYS
//     open with the keys the crafted server derived (both derivations agree);
//   - KexComplete reports the algorithms the crafted server chose;
//   - nothing happens after Disconnected, and output stays bounded.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <skiff/transport.hpp>

#include "crypto/hash.hpp"
#include "crypto/kex_math.hpp"
#include "crypto/packet_cipher.hpp"
#include "transport/kexinit.hpp"
#include "transport/messages.hpp"
#include "transport/packet_codec.hpp"
#include "transport/version.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using namespace skiff;
namespace msg = skiff::transport::msg;
using crypto::HashAlg;

namespace {

// SKIFF_FUZZ_SKIP_KNOWN=1 leaves out the checks for the open bugs in fuzz/README.md
// (fuzz/regressions/fuzz_kex_client/), so that fuzzing can look for others meanwhile.
bool skip_known() {
  static const bool skip = std::getenv("SKIFF_FUZZ_SKIP_KNOWN") != nullptr;
  return skip;
}

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_kex_client: invariant violated: %s\n", why);
  std::abort();
}

enum class Family { ecdh, dh_group, dh_gex };
struct KexSpec {
  const char* name;
  Family family;
  crypto::Curve curve;
  int group;
  HashAlg hash;
};
constexpr KexSpec kKex[6] = {
    {"curve25519-sha256", Family::ecdh, crypto::Curve::x25519, 0, HashAlg::sha256},
    {"ecdh-sha2-nistp256", Family::ecdh, crypto::Curve::p256, 0, HashAlg::sha256},
    {"diffie-hellman-group-exchange-sha256", Family::dh_gex, crypto::Curve::x25519, 0, HashAlg::sha256},
    {"ecdh-sha2-nistp384", Family::ecdh, crypto::Curve::p384, 0, HashAlg::sha384},
    {"ecdh-sha2-nistp521", Family::ecdh, crypto::Curve::p521, 0, HashAlg::sha512},
    {"diffie-hellman-group14-sha256", Family::dh_group, crypto::Curve::x25519, 14, HashAlg::sha256},
};

struct CipherSpec {
  const char* name;
  crypto::CipherAlg alg;
};
constexpr CipherSpec kCiphers[6] = {
    {"chacha20-poly1305@openssh.com", crypto::CipherAlg::chacha20_poly1305},
    {"aes128-ctr", crypto::CipherAlg::aes128_ctr},
    {"aes192-ctr", crypto::CipherAlg::aes192_ctr},
    {"aes256-ctr", crypto::CipherAlg::aes256_ctr},
    {"aes128-gcm@openssh.com", crypto::CipherAlg::aes128_gcm},
    {"aes256-gcm@openssh.com", crypto::CipherAlg::aes256_gcm},
};
struct MacSpec {
  const char* name;
  crypto::MacAlg alg;
  bool etm;
};
constexpr MacSpec kMacs[6] = {
    {"hmac-sha2-256-etm@openssh.com", crypto::MacAlg::hmac_sha2_256, true},
    {"hmac-sha2-512-etm@openssh.com", crypto::MacAlg::hmac_sha2_512, true},
    {"hmac-sha1-etm@openssh.com", crypto::MacAlg::hmac_sha1, true},
    {"hmac-sha2-256", crypto::MacAlg::hmac_sha2_256, false},
    {"hmac-sha2-512", crypto::MacAlg::hmac_sha2_512, false},
    {"hmac-sha1", crypto::MacAlg::hmac_sha1, false},
};
constexpr const char* kHostKeyAlgs[4] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256", "rsa-sha2-512"};

const PrivateKey& host_key(int i) {
  static const PrivateKey ed = PrivateKey::generate(KeyType::ed25519).value();
  static const PrivateKey p256 = PrivateKey::generate(KeyType::ecdsa_p256).value();
  if (i == 0) return ed;
  if (i == 1) return p256;
  static const PrivateKey rsa = PrivateKey::generate(KeyType::rsa, 2048).value();
  return rsa;
}

// One side's algorithm choice for an exchange.
struct Choice {
  int kex = 0, host_key = 0, cipher = 0, mac = 0;
  bool zlib = false, strict = false, guess = false;
};

Choice take_choice(FuzzedDataProvider& fdp) {
  Choice c;
  const auto a = fdp.ConsumeIntegral<std::uint16_t>();
  const unsigned v = a & 0x0fff;  // the choices; the flags above
  c.kex = v % 6;
  c.host_key = (v / 6) % 4;
  c.cipher = (v / 24) % 6;
  c.mac = (v / 144) % 6;
  c.zlib = a & 0x1000;
  c.strict = !(a & 0x2000);
  c.guess = (a & 0xc000) == 0xc000;
  return c;
}

// RFC 4253 7.2, written out again.
crypto::SecureBytes derive(HashAlg alg, const Bytes& k_mpint, const Bytes& h, char letter, const Bytes& session_id,
                           std::size_t need) {
  crypto::SecureBytes out;
  while (out.size() < need) {
    crypto::Hash hash(alg);
    hash.update(k_mpint);
    hash.update(h);
    if (out.empty()) {
      const std::uint8_t x = static_cast<std::uint8_t>(letter);
      hash.update(ByteView(&x, 1));
      hash.update(session_id);
    } else {
      hash.update(ByteView(out.data(), out.size()));
    }
    Bytes block = hash.finish();
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(need);
  return out;
}

Bytes take_bytes(FuzzedDataProvider& fdp, std::size_t max) {
  const std::size_t n = fdp.ConsumeIntegralInRange<std::size_t>(0, max);
  return fdp.ConsumeBytes<std::uint8_t>(n);
}

// The crafted server.
class Server {
 public:
  explicit Server(FuzzedDataProvider& fdp) : fdp_(fdp), version_reader_(false) {}

  Bytes out;  // toward the client
  bool reply_valid = false;      // the last reply was correctly signed and unmodified
  std::optional<Bytes> sent_ks;  // K_S of the last reply
  bool initial_clean = false;    // initial exchange with a valid reply and nothing odd before it
  bool kex_active = false;
  bool service_accept_sent = false;
  std::uint64_t exchanges_started = 0;
  Choice choice;

  void send_version(bool banner) {
    if (banner) {
      Bytes b = take_bytes(fdp_, 300);
      out.insert(out.end(), b.begin(), b.end());
      odd_ = true;  // the banner may hold a version line of its own
    }
    const std::string line = transport::make_version_line(v_s_.substr(8), {});
    out.insert(out.end(), line.begin(), line.end());
  }

  void start_kex() {
    choice = take_choice(fdp_);
    transport::KexInit k;
    for (std::size_t i = 0; i < k.cookie.size(); ++i) k.cookie[i] = static_cast<std::uint8_t>(i);
    k.kex = {kKex[choice.kex].name};
    if (exchanges_started == 0 && choice.strict) {
      k.kex.push_back("kex-strict-s-v00@openssh.com");
      strict_ = true;
    }
    k.host_key = {kHostKeyAlgs[choice.host_key]};
    k.cipher_c2s = k.cipher_s2c = {kCiphers[choice.cipher].name};
    k.mac_c2s = k.mac_s2c = {kMacs[choice.mac].name};
    k.compression_c2s = k.compression_s2c = {choice.zlib ? "zlib" : "none"};
    k.first_kex_packet_follows = choice.guess;
    i_s_ = transport::encode_kexinit(k);
    send(i_s_);
    if (choice.guess) {
      // A guessed method packet: ignored by the client if the guess was wrong.
      Bytes g{msg::kKexEcdhReply};
      Bytes rest = take_bytes(fdp_, 64);
      g.insert(g.end(), rest.begin(), rest.end());
      send(g);
      odd_ = true;
    }
    kex_active = true;
    ++exchanges_started;
    reply_valid = false;
    keys_.reset();
  }

  void send(const Bytes& payload) {
    if (auto r = encoder_.encode(payload, out); !r) die("crafted server could not encode");
  }

  void send_raw(const Bytes& b) {
    out.insert(out.end(), b.begin(), b.end());
    odd_ = true;
  }

  void mark_odd() { odd_ = true; }

  // Bytes from the client; handles every complete packet.
  void feed(ByteView b) {
    in_.insert(in_.end(), b.begin(), b.end());
    if (!v_c_) {
      auto used = version_reader_.consume(ByteView(in_.data() + in_pos_, in_.size() - in_pos_));
      if (!used) die("the client's version line does not parse");
      in_pos_ += *used;
      if (!version_reader_.done()) return;
      v_c_ = version_reader_.version().line;
    }
    while (!decode_failed_) {
      ByteView payload;
      bool complete = false;
      auto used = decoder_.decode(std::span<std::uint8_t>(in_.data() + in_pos_, in_.size() - in_pos_), payload,
                                  complete);
      if (!used) {
        // The client seals with the keys both sides derived; failing to open means the
        // derivations differ.
        die("the client's packets do not open with the crafted server's keys");
      }
      in_pos_ += *used;
      if (!complete) break;
      Bytes p(payload.begin(), payload.end());
      on_packet(p);
    }
    if (in_pos_ > (1u << 16)) {
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
      in_pos_ = 0;
    }
  }

  bool saw_disconnect = false;

 private:
  void on_packet(const Bytes& p) {
    switch (p[0]) {
      case msg::kKexInit:
        if (!kex_active) start_kex();
        i_c_ = p;
        break;
      case msg::kKexEcdhInit:  // also KEXDH_INIT
      case msg::kKexDhGexInit:
      case msg::kKexDhGexRequest:
        on_method(p);
        break;
      case msg::kNewKeys:
        if (!keys_) die("client sent NEWKEYS after a reply that was not correctly signed");
        switch_incoming();
        break;
      case msg::kDisconnect:
        saw_disconnect = true;
        break;
      default:
        break;
    }
  }

  void on_method(const Bytes& p) {
    if (!kex_active || !v_c_ || i_c_.empty()) return;  // the client then fails on its own
    const KexSpec& ks = kKex[choice.kex];
    wire::Reader r(p);
    (void)r.byte();
    if (ks.family == Family::dh_gex && p[0] == msg::kKexDhGexRequest) {
      auto mn = r.u32(), n = r.u32(), mx = r.u32();
      if (!mn || !n || !mx) die("client sent a malformed DH_GEX_REQUEST");
      gex_min_ = *mn;
      gex_n_ = *n;
      gex_max_ = *mx;
      send_gex_group();
      return;
    }
    // KEX_ECDH_INIT, KEXDH_INIT or DH_GEX_INIT: the client's public value.
    Bytes client_value;
    if (ks.family == Family::ecdh) {
      auto q = r.string();
      if (!q) die("client sent a malformed ECDH_INIT");
      client_value.assign(q->begin(), q->end());
    } else {
      auto e = r.mpint_unsigned();
      if (!e) die("client sent a malformed DH init");
      client_value.assign(e->begin(), e->end());
    }
    send_reply(client_value);
  }

  void send_gex_group() {
    const std::uint8_t mode = fdp_.ConsumeIntegral<std::uint8_t>();
    const crypto::DhGroup& g14 = crypto::modp_group(14);
    group_ = g14;
    switch (mode % 4) {
      case 0:
        break;
      case 1:  // p and g from the fuzzer
        group_.p = take_bytes(fdp_, 1100);
        group_.g = take_bytes(fdp_, 8);
        break;
      case 2:  // a good p, the fuzzer's g
        group_.g = take_bytes(fdp_, 8);
        break;
      case 3: {  // a good p with one byte changed
        const std::size_t at = fdp_.ConsumeIntegralInRange<std::size_t>(0, group_.p.size() - 1);
        group_.p[at] ^= fdp_.ConsumeIntegralInRange<std::uint8_t>(1, 255);
        break;
      }
    }
    Bytes m;
    wire::Writer(m).byte(msg::kKexDhGexGroup).mpint_unsigned(group_.p).mpint_unsigned(group_.g);
    send(m);
  }

  void send_reply(const Bytes& client_value) {
    const KexSpec& ks = kKex[choice.kex];
    const std::uint8_t mode = fdp_.ConsumeIntegral<std::uint8_t>();
    const bool other_key = mode & 0x10;
    const PrivateKey& key = host_key(other_key ? (choice.host_key == 0 ? 1 : 0) : choice.host_key);
    const std::string sig_alg = other_key ? key.signature_algorithms().front() : kHostKeyAlgs[choice.host_key];

    // The real exchange: our ephemeral key and the shared secret.
    Bytes server_value;
    std::optional<crypto::SecureBytes> shared;
    if (ks.family == Family::ecdh) {
      auto k = crypto::EcdhKey::generate(ks.curve).value();
      server_value = k.public_value();
      if (auto s = k.derive(client_value)) shared = std::move(*s);
    } else {
      const crypto::DhGroup& group = ks.family == Family::dh_gex ? group_ : crypto::modp_group(ks.group);
      if (auto k = crypto::DhKey::generate(group, 512)) {
        server_value = k->public_value();
        if (auto s = k->derive(client_value)) shared = std::move(*s);
      }
    }
    if (!shared) {
      // The client accepted a group we cannot compute in, or sent a bad value: the
      // reply can only be made of fuzzer bytes.
      Bytes m{ks.family == Family::dh_gex ? msg::kKexDhGexReply : msg::kKexEcdhReply};
      Bytes rest = take_bytes(fdp_, 600);
      m.insert(m.end(), rest.begin(), rest.end());
      reply_valid = false;
      sent_ks.reset();
      send(m);
      return;
    }
    Bytes k_mpint;
    wire::Writer(k_mpint).mpint_unsigned(*shared);

    Bytes ks_blob = key.public_blob();
    const int how = mode & 3;  // 0 valid, 1 one byte changed, 2 mixed fields, 3 all fuzzer bytes
    if (how == 2 && (mode & 0x20)) ks_blob = take_bytes(fdp_, 600);
    if (how == 2 && (mode & 0x40)) {
      server_value = take_bytes(fdp_, ks.family == Family::ecdh ? 140 : 300);
    }

    Bytes hashed;
    wire::Writer w(hashed);
    w.string(*v_c_).string(v_s_).string(i_c_).string(i_s_).string(ks_blob);
    if (ks.family == Family::dh_gex) {
      w.u32(gex_min_).u32(gex_n_).u32(gex_max_).mpint_unsigned(group_.p).mpint_unsigned(group_.g);
    }
    if (ks.family == Family::ecdh) {
      w.string(client_value).string(server_value);
    } else {
      w.mpint_unsigned(client_value).mpint_unsigned(server_value);
    }
    w.raw(k_mpint);
    const Bytes h = crypto::hash(ks.hash, hashed);
    Bytes sig = key.sign(sig_alg, h).value();
    if (how == 2 && (mode & 0x80)) sig = take_bytes(fdp_, 300);

    Bytes m;
    wire::Writer mw(m);
    mw.byte(ks.family == Family::dh_gex ? msg::kKexDhGexReply : msg::kKexEcdhReply).string(ks_blob);
    if (ks.family == Family::ecdh) {
      mw.string(server_value);
    } else {
      mw.mpint_unsigned(server_value);
    }
    mw.string(sig);
    if (how == 1) {
      const std::size_t at = fdp_.ConsumeIntegralInRange<std::size_t>(0, m.size() - 1);
      m[at] ^= fdp_.ConsumeIntegralInRange<std::uint8_t>(1, 255);
    } else if (how == 3) {
      m.resize(1);
      Bytes rest = take_bytes(fdp_, 1200);
      m.insert(m.end(), rest.begin(), rest.end());
    }
    // Mixed mode with no field replaced is a valid reply too.
    reply_valid = (how == 0 || (how == 2 && !(mode & 0xe0))) && !other_key;
    sent_ks = ks_blob;
    if (how == 1 || how == 3) sent_ks.reset();
    send(m);
    if (exchanges_started == 1) initial_clean = reply_valid && !odd_;
    if (!reply_valid) return;

    // Keys, then NEWKEYS at once as servers do.
    if (session_id_.empty()) session_id_ = h;
    auto make = [&](char iv, char enc, char integ) {
      crypto::DirectionKeys d;
      d.cipher = kCiphers[choice.cipher].alg;
      const auto info = crypto::cipher_info(d.cipher);
      if (!info.aead) {
        d.mac = kMacs[choice.mac].alg;
        d.etm = kMacs[choice.mac].etm;
      }
      d.iv = derive(ks.hash, k_mpint, h, iv, session_id_, info.iv_len);
      d.key = derive(ks.hash, k_mpint, h, enc, session_id_, info.key_len);
      d.mac_key = derive(ks.hash, k_mpint, h, integ, session_id_, crypto::mac_info(d.mac).key_len);
      return d;
    };
    keys_.emplace(Keys{make('A', 'C', 'E'), make('B', 'D', 'F'), choice});
    send(Bytes{msg::kNewKeys});
    const auto& s2c = keys_->s2c;
    encoder_.set_sealer(crypto::make_sealer(s2c).value(), crypto::cipher_info(s2c.cipher).block_size);
    if (strict_) encoder_.reset_sequence();
    if (choice.zlib) encoder_.enable_compression();
  }

  void switch_incoming() {
    const auto& c2s = keys_->c2s;
    decoder_.set_opener(crypto::make_opener(c2s).value(), crypto::cipher_info(c2s.cipher).block_size);
    if (strict_) decoder_.reset_sequence();
    if (keys_->choice.zlib) decoder_.enable_compression();
    keys_.reset();
    kex_active = false;
  }

  struct Keys {
    crypto::DirectionKeys c2s, s2c;
    Choice choice;
  };

  FuzzedDataProvider& fdp_;
  const std::string v_s_ = "SSH-2.0-fuzzserver_1.0";
  transport::VersionReader version_reader_;
  std::optional<std::string> v_c_;
  Bytes in_;
  std::size_t in_pos_ = 0;
  bool decode_failed_ = false;
  transport::PacketEncoder encoder_;
  transport::PacketDecoder decoder_;
  Bytes i_s_, i_c_, session_id_;
  bool strict_ = false;
  bool odd_ = false;
  std::uint32_t gex_min_ = 0, gex_n_ = 0, gex_max_ = 0;
  crypto::DhGroup group_;
  std::optional<Keys> keys_;
};

struct Run {
  Transport client;
  Server server;
  FuzzedDataProvider& fdp;
  TimePoint now{};
  bool disconnected = false;
  bool reject = false;
  bool service_requested = false;
  bool service_active = false;
  std::uint64_t kex_completed = 0;
  bool host_key_checked = false;
  bool oversized_accepted = false;
  const bool trace = std::getenv("SKIFF_FUZZ_TRACE") != nullptr;  // to see what a given input does

  Run(TransportConfig cfg, FuzzedDataProvider& f) : client(std::move(cfg)), server(f), fdp(f) {}

  void events() {
    while (auto ev = client.poll_event()) {
      if (disconnected) die("event after Disconnected");
      if (auto* d = std::get_if<event::Disconnected>(&*ev)) {
        disconnected = true;
        if (trace) std::fprintf(stderr, "  client: Disconnected: %s\n", d->error.to_string().c_str());
        // What send() accepted must be sendable: a caller's message may not end the
        // connection later (outside a key exchange send() refuses it at once).
        if (oversized_accepted && d->error.code == Errc::too_large && !d->by_peer && !skip_known()) {
          die("send() accepted a message too large for a packet, and the connection died of it later");
        }
        if (!client.closed()) die("Disconnected but not closed");
      } else if (auto* hk = std::get_if<event::HostKeyCheck>(&*ev)) {
        if (!server.reply_valid) die("HostKeyCheck after a reply that was not correctly signed");
        if (!server.sent_ks || hk->host_key_blob != *server.sent_ks) die("HostKeyCheck with another K_S");
        if (host_key_checked) die("a second HostKeyCheck");
        host_key_checked = true;
        if (reject) {
          client.reject_host_key("fuzz: rejected");
        } else {
          client.accept_host_key();
        }
      } else if (auto* kc = std::get_if<event::KexComplete>(&*ev)) {
        ++kex_completed;
        if (trace) std::fprintf(stderr, "  client: KexComplete %s %s\n", kc->algorithms.kex.c_str(), kc->algorithms.cipher_c2s.c_str());
        if (kc->exchanges != kex_completed || kc->initial != (kex_completed == 1)) die("KexComplete miscounted");
        const Choice& c = server.choice;
        if (kc->algorithms.kex != kKex[c.kex].name || kc->algorithms.host_key != kHostKeyAlgs[c.host_key] ||
            kc->algorithms.cipher_s2c != kCiphers[c.cipher].name) {
          die("KexComplete reports other algorithms than the crafted server chose");
        }
      } else if (auto* sa = std::get_if<event::ServiceAccepted>(&*ev)) {
        if (!service_requested || !server.service_accept_sent || sa->name != "ssh-userauth") {
          die("ServiceAccepted without a request and an answer");
        }
        service_active = true;
      }
    }
  }

  void pump() {
    for (int round = 0; round < 64; ++round) {
      bool progress = false;
      if (!server.out.empty()) {
        now += std::chrono::milliseconds(1);
        client.feed(server.out, now);
        server.out.clear();
        progress = true;
      }
      const std::size_t before = server.out.size();
      events();
      ByteView o = client.pending_output();
      if (o.size() > limits::kMaxPendingOutputBytes + (1u << 20)) die("client output grows without bound");
      if (!o.empty()) {
        Bytes copy(o.begin(), o.end());
        client.consume_output(copy.size());
        server.feed(copy);
        progress = true;
      }
      if (server.out.size() != before) progress = true;
      if (!progress) return;
    }
  }

  Bytes small_string(std::size_t max) { return take_bytes(fdp, max); }

  // One step of the script; false when the run should end.
  bool action() {
    const std::uint8_t a = fdp.ConsumeIntegral<std::uint8_t>();
    // Low nibble: what to do (15 as 0); high nibble: details of some actions.
    const int kind = (a & 15) % 15;
    if (trace) std::fprintf(stderr, "action %d\n", kind);
    switch (kind) {
      case 0: {  // a sealed payload of the fuzzer's
        Bytes p = small_string(512);
        if (p.empty()) p.push_back(msg::kIgnore);
        server.mark_odd();
        server.send(p);
        break;
      }
      case 1:  // rekey from the server
        if (server.kex_active) {
          server.mark_odd();
          server.send(Bytes{msg::kKexInit});
        } else {
          server.start_kex();
        }
        break;
      case 2:
        client.request_rekey();
        if (a & 0x80) {
          // An upper-layer message while the exchange runs (it waits in the queue), of
          // any size up to beyond the largest packet.
          Bytes p(fdp.ConsumeIntegralInRange<std::size_t>(1, 300000), 0x5e);
          auto r = client.send(p);
          if (r && !service_active) die("send() took a message before a service was accepted");
          if (r && p.size() > limits::kMaxPayload) oversized_accepted = true;
        }
        break;
      case 3:  // garbage in the stream
        server.send_raw(small_string(64));
        break;
      case 4: {
        Bytes m;
        wire::Writer(m).byte(msg::kServiceAccept).string((a & 0x80) ? std::string("ssh-userauth") : std::string("x"));
        server.service_accept_sent = server.service_accept_sent || (a & 0x80);
        server.send(m);
        break;
      }
      case 5: {
        Bytes m;
        wire::Writer w(m);
        const std::uint32_t n = fdp.ConsumeIntegralInRange<std::uint32_t>(0, 4);
        w.byte(msg::kExtInfo).u32((a & 0x80) ? n + 1 : n);
        static const char* names[4] = {"server-sig-algs", "ping@openssh.com", "publickey-hostbound@openssh.com",
                                       "x"};
        for (std::uint32_t i = 0; i < n; ++i) {
          w.string(names[fdp.ConsumeIntegralInRange<int>(0, 3)]);
          w.string(small_string(80));
        }
        server.send(m);
        break;
      }
      case 6: {
        Bytes m;
        wire::Writer w(m);
        switch ((a >> 4) % 5) {
          case 0: w.byte(msg::kIgnore).string(small_string(64)); break;
          case 1: w.byte(msg::kDebug).boolean(a & 0x80).string(small_string(64)).string(""); break;
          case 2: w.byte(msg::kUnimplemented).u32(fdp.ConsumeIntegral<std::uint32_t>()); break;
          case 3: w.byte(msg::kPing).string(small_string(64)); break;
          default: w.byte(msg::kPong).string(small_string(64)); break;
        }
        server.send(m);
        break;
      }
      case 7: {
        Bytes m;
        wire::Writer(m).byte(msg::kDisconnect).u32(fdp.ConsumeIntegral<std::uint32_t>()).string(small_string(64)).string("");
        server.send(m);
        break;
      }
      case 8: {  // upper-layer message from the client
        Bytes p = small_string(256);
        if (p.empty()) p.push_back(80);
        auto r = client.send(p);
        if (r && (!service_active || p[0] < 50 || p[0] == msg::kPing || p[0] == msg::kPong)) {
          die("send() took a message it must refuse");
        }
        break;
      }
      case 9: {
        Bytes d = small_string(64);
        switch ((a >> 4) % 3) {
          case 0: (void)client.send_ignore(d); break;
          case 1: (void)client.send_debug(a & 0x80, std::string(d.begin(), d.end())); break;
          default: (void)client.send_ping(d); break;
        }
        break;
      }
      case 10:
        client.user_authenticated();
        break;
      case 11:
        now += std::chrono::seconds(fdp.ConsumeIntegralInRange<int>(1, 7200));
        client.on_timer(now);
        break;
      case 12:
        client.disconnect(11, "fuzz: bye");
        break;
      case 13:
        client.feed_eof(now);
        return false;
      default:
        // Large floods (enough to pass the output cap) cost seconds: only with 0xf_.
        flood(fdp.ConsumeIntegralInRange<std::uint32_t>(1, (a >> 4) == 15 ? 1u << 19 : 1024));
        break;
    }
    return true;
  }

  // A peer that keeps sending messages that need an answer (here: an unknown message
  // type, answered with UNIMPLEMENTED) and reads nothing: the client's output must stay
  // bounded (limits::kMaxPendingOutputBytes), or the connection must end.
  void flood(std::uint32_t count) {
    if (skip_known()) return;
    const Bytes unknown{18};
    for (std::uint32_t i = 0; i < count && !client.closed(); i += 1024) {
      for (std::uint32_t j = i; j < count && j < i + 1024; ++j) server.send(unknown);
      now += std::chrono::milliseconds(1);
      client.feed(server.out, now);
      server.out.clear();
      while (auto ev = client.poll_event()) {
        if (disconnected) die("event after Disconnected");
        if (std::holds_alternative<event::Disconnected>(*ev)) disconnected = true;
      }
      if (client.pending_output().size() > limits::kMaxPendingOutputBytes + (1u << 20)) {
        die("output grows without bound while the peer reads nothing");
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  FuzzedDataProvider fdp(data, size);
  const std::uint8_t flags = fdp.ConsumeIntegral<std::uint8_t>();

  TransportConfig cfg;
  cfg.role = Role::client;
  for (const auto& k : kKex) cfg.kex_algorithms.emplace_back(k.name);
  cfg.host_key_algorithms = {"ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"};
  for (const auto& c : kCiphers) cfg.ciphers.emplace_back(c.name);
  for (const auto& m : kMacs) cfg.macs.emplace_back(m.name);
  cfg.compression = {"none", "zlib@openssh.com", "zlib"};
  if (flags & 8) cfg.rekey_bytes = 1024;
  if (flags & 16) cfg.rekey_interval = std::chrono::seconds(60);

  Run run(cfg, fdp);
  run.reject = flags & 1;
  run.client.start(run.now);
  if (flags & 2) {
    run.client.request_service("ssh-userauth");
    run.service_requested = true;
  }
  run.server.send_version(flags & 4);
  run.server.start_kex();
  run.pump();
  if (run.server.initial_clean && !run.reject && run.kex_completed != 1) {
    die("a correct initial key exchange did not complete");
  }

  for (int step = 0; step < 64 && fdp.remaining_bytes() > 0; ++step) {
    const bool go_on = run.action();
    run.pump();
    if (!go_on) break;
  }
  run.client.feed_eof(run.now);
  run.pump();
  return 0;
}
