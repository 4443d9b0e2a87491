// libFuzzer target: a skiff server Transport fed the fuzzer's input as the client's
// byte stream, in input-chosen chunks, polling events after each one.
//
// Before NEWKEYS nothing is encrypted, so the fuzzer can reach every phase up to the
// key switch by itself. To get there quickly, byte 0 of the input asks for valid
// prefixes, and byte 1 picks algorithms for them:
//   byte 0 bit 0     a version line "SSH-2.0-fuzzclient_1.0"
//          bit 1     a client KEXINIT (plaintext packet) offering one kex method
//          bits 2-4  that kex method: curve25519-sha256, ecdh-sha2-nistp256,
//                    ecdh-sha2-nistp384, diffie-hellman-group-exchange-sha256,
//                    diffie-hellman-group14-sha256, curve25519-sha256@libssh.org,
//                    ecdh-sha2-nistp521, diffie-hellman-group1-sha1 (not offered by skiff)
//          bit 5     the KEXINIT carries ext-info-c and the strict-KEX marker
//          bit 6     the method's client messages with fixed valid public values
//                    (ECDH_INIT; or GEX_REQUEST 2048/2048/2048 and GEX_INIT; or KEXDH_INIT)
//          bit 7     a plaintext NEWKEYS
//   byte 1 bits 0-2  cipher, bits 3-5 MAC, bit 6 zlib, bit 7 host key ecdsa-sha2-nistp256
// The rest is the stream; chunk sizes are taken from the end of the input.
//
// Checked: no crash or sanitizer report; output stays bounded; nothing happens after
// Disconnected; after the first key exchange completes (the fuzzer cannot know the
// derived keys) nothing but a Disconnected can come out, since any other event would
// mean a packet without a valid MAC was accepted.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <skiff/transport.hpp>

#include "crypto/kex_math.hpp"
#include "transport/kexinit.hpp"
#include "transport/messages.hpp"
#include "transport/packet_codec.hpp"
#include "wire/writer.hpp"

using namespace skiff;
namespace msg = skiff::transport::msg;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_transport_server: invariant violated: %s\n", why);
  std::abort();
}

const PrivateKey& ed25519_key() {
  static const PrivateKey k = PrivateKey::generate(KeyType::ed25519).value();
  return k;
}
const PrivateKey& p256_key() {
  static const PrivateKey k = PrivateKey::generate(KeyType::ecdsa_p256).value();
  return k;
}

constexpr const char* kKex[8] = {"curve25519-sha256",
                                 "ecdh-sha2-nistp256",
                                 "ecdh-sha2-nistp384",
                                 "diffie-hellman-group-exchange-sha256",
                                 "diffie-hellman-group14-sha256",
                                 "curve25519-sha256@libssh.org",
                                 "ecdh-sha2-nistp521",
                                 "diffie-hellman-group1-sha1"};
constexpr const char* kCiphers[8] = {"chacha20-poly1305@openssh.com",
                                     "aes128-gcm@openssh.com",
                                     "aes256-gcm@openssh.com",
                                     "aes128-ctr",
                                     "aes192-ctr",
                                     "aes256-ctr",
                                     "aes128-cbc",
                                     "none"};
constexpr const char* kMacs[8] = {"hmac-sha2-256",     "hmac-sha2-512",
                                  "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
                                  "hmac-sha1",         "hmac-sha1-etm@openssh.com",
                                  "umac-64@openssh.com", "none"};

// A fixed client public value for each curve: a key from a constant scalar.
const Bytes& fixed_public(crypto::Curve c) {
  static const std::array<Bytes, 4> values = [] {
    std::uint8_t x25519[32], p256[32], p384[48], p521[66];
    for (std::size_t i = 0; i < sizeof x25519; ++i) x25519[i] = static_cast<std::uint8_t>(i + 1);
    for (std::size_t i = 0; i < sizeof p256; ++i) p256[i] = static_cast<std::uint8_t>(0x10 + i);
    for (std::size_t i = 0; i < sizeof p384; ++i) p384[i] = static_cast<std::uint8_t>(0x10 + i);
    for (std::size_t i = 0; i < sizeof p521; ++i) p521[i] = static_cast<std::uint8_t>(i ? 0x10 + i : 1);
    auto pub = [](crypto::Curve curve, ByteView scalar) {
      return crypto::EcdhKey::from_private(curve, scalar).value().public_value();
    };
    return std::array<Bytes, 4>{pub(crypto::Curve::x25519, x25519), pub(crypto::Curve::p256, p256),
                                pub(crypto::Curve::p384, p384), pub(crypto::Curve::p521, p521)};
  }();
  return values[static_cast<int>(c)];
}

void frame(transport::PacketEncoder& enc, const Bytes& payload, Bytes& out) {
  if (auto r = enc.encode(payload, out); !r) die("plaintext framing failed");
}

Bytes prefix(std::uint8_t f0, std::uint8_t f1) {
  Bytes out;
  if (f0 & 1) {
    const std::string v = "SSH-2.0-fuzzclient_1.0\r\n";
    out.insert(out.end(), v.begin(), v.end());
  }
  transport::PacketEncoder enc;
  const std::string kex = kKex[(f0 >> 2) & 7];
  if (f0 & 2) {
    transport::KexInit k;
    k.kex = {kex};
    if (f0 & 32) {
      k.kex.push_back("ext-info-c");
      k.kex.push_back("kex-strict-c-v00@openssh.com");
    }
    k.host_key = {(f1 & 128) ? "ecdsa-sha2-nistp256" : "ssh-ed25519"};
    k.cipher_c2s = k.cipher_s2c = {kCiphers[f1 & 7]};
    k.mac_c2s = k.mac_s2c = {kMacs[(f1 >> 3) & 7]};
    k.compression_c2s = k.compression_s2c = {(f1 & 64) ? "zlib" : "none"};
    frame(enc, transport::encode_kexinit(k), out);
  }
  if (f0 & 64) {
    Bytes m;
    wire::Writer w(m);
    if (kex.starts_with("curve25519")) {
      w.byte(msg::kKexEcdhInit).string(fixed_public(crypto::Curve::x25519));
    } else if (kex == "ecdh-sha2-nistp256") {
      w.byte(msg::kKexEcdhInit).string(fixed_public(crypto::Curve::p256));
    } else if (kex == "ecdh-sha2-nistp384") {
      w.byte(msg::kKexEcdhInit).string(fixed_public(crypto::Curve::p384));
    } else if (kex == "ecdh-sha2-nistp521") {
      w.byte(msg::kKexEcdhInit).string(fixed_public(crypto::Curve::p521));
    } else if (kex == "diffie-hellman-group-exchange-sha256") {
      w.byte(msg::kKexDhGexRequest).u32(2048).u32(2048).u32(2048);
      frame(enc, m, out);
      m.clear();
      const std::uint8_t two = 2;
      wire::Writer(m).byte(msg::kKexDhGexInit).mpint_unsigned(ByteView(&two, 1));
    } else {
      const std::uint8_t two = 2;
      w.byte(msg::kKexEcdhInit).mpint_unsigned(ByteView(&two, 1));
    }
    frame(enc, m, out);
  }
  if (f0 & 128) {
    Bytes m{msg::kNewKeys};
    frame(enc, m, out);
  }
  return out;
}

struct Watch {
  bool disconnected = false;
  bool kex_done = false;
  std::size_t events = 0;
};

void drain(Transport& t, Watch& w) {
  while (auto ev = t.poll_event()) {
    if (w.disconnected) die("event after Disconnected");
    if (++w.events > 100000) die("endless events");
    if (std::holds_alternative<event::Disconnected>(*ev)) {
      w.disconnected = true;
      if (!t.closed()) die("Disconnected but not closed");
      continue;
    }
    if (w.kex_done) die("an event other than Disconnected after the keys changed: a forged packet was accepted");
    if (std::holds_alternative<event::HostKeyCheck>(*ev)) die("HostKeyCheck on a server");
    if (std::holds_alternative<event::ServiceAccepted>(*ev)) die("ServiceAccepted on a server");
    if (std::holds_alternative<event::Packet>(*ev) || std::holds_alternative<event::ServiceRequested>(*ev) ||
        std::holds_alternative<event::ExtInfo>(*ev) || std::holds_alternative<event::Pong>(*ev)) {
      die("a message that needs a completed key exchange arrived before one");
    }
    if (auto* k = std::get_if<event::KexComplete>(&*ev)) {
      if (!k->initial || k->exchanges != 1) die("first KexComplete not initial");
      w.kex_done = true;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t f0 = data[0], f1 = data[1];
  FuzzedDataProvider fdp(data + 2, size - 2);
  const std::size_t len = fdp.ConsumeIntegralInRange<std::size_t>(0, fdp.remaining_bytes());
  Bytes stream = prefix(f0, f1);
  const std::size_t prefix_len = stream.size();
  auto rest = fdp.ConsumeBytes<std::uint8_t>(len);
  stream.insert(stream.end(), rest.begin(), rest.end());

  TransportConfig cfg;
  cfg.role = Role::server;
  cfg.host_keys = {ed25519_key(), p256_key()};
  cfg.compression = {"zlib@openssh.com", "zlib", "none"};
  Transport t(cfg);
  TimePoint now{};
  t.start(now);
  Watch w;

  std::size_t pos = 0;
  bool first = true;
  while (pos < stream.size()) {
    // The valid prefix goes in as one chunk, then the input decides.
    std::size_t n = first && prefix_len ? prefix_len
                    : fdp.remaining_bytes() ? fdp.ConsumeIntegralInRange<std::size_t>(1, 1024)
                                            : stream.size() - pos;
    first = false;
    n = std::min(n, stream.size() - pos);
    now += std::chrono::milliseconds(10);
    t.feed(ByteView(stream.data() + pos, n), now);
    pos += n;
    drain(t, w);
    const std::size_t out = t.pending_output().size();
    if (out > (1u << 20) + 64 * n) die("output grows without bound");
    t.consume_output(out);
    if (t.closed() && !w.disconnected) die("closed without a Disconnected event");
  }
  t.feed_eof(now);
  drain(t, w);
  if (w.disconnected) {
    // Still nothing after the end.
    const std::uint8_t more[16] = {};
    t.feed(ByteView(more, sizeof more), now);
    drain(t, w);
  }
  return 0;
}
