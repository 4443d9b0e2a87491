// A client and a server back to back with the bytes between them damaged on the way:
// single-bit flips in encrypted and in plaintext packets, truncation at every offset,
// bad version exchanges, and a flood of junk. Whatever happens, the receiving side must
// hang up with the right error, never hand out a damaged payload, and never grow without
// bound.
#include <gtest/gtest.h>

#include <malloc.h>

#include <random>

#include "pair/pair_harness.hpp"
#include "transport/algorithms.hpp"
#include "wire/limits.hpp"
#include "wire/writer.hpp"

using namespace skiff;
using namespace skiff::test;
using transport::AlgorithmKind;

namespace {

// The cheapest handshake: each run of the flip and truncation tests makes a new one.
const std::string kKex = "curve25519-sha256";
const std::string kHostKey = "ssh-ed25519";

struct CipherMac {
  std::string cipher, mac;
};
void PrintTo(const CipherMac& cm, std::ostream* os) { *os << cm.cipher << " " << cm.mac; }

std::vector<CipherMac> cipher_mac_combinations() {
  std::vector<CipherMac> v;
  for (const auto& c : transport::supported_algorithms(AlgorithmKind::cipher)) {
    if (c.find("gcm") != std::string::npos || c.find("chacha") != std::string::npos) {
      v.push_back({c, "hmac-sha2-256"});  // MAC list is ignored for AEAD ciphers
      continue;
    }
    for (const auto& m : transport::supported_algorithms(AlgorithmKind::mac)) v.push_back({c, m});
  }
  return v;
}

bool mac_then_encrypt(const CipherMac& cm) {
  return cm.cipher.find("ctr") != std::string::npos && cm.mac.find("-etm@") == std::string::npos;
}

std::string name_of(const CipherMac& cm) {
  std::string s = cm.cipher + "_" + cm.mac;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

Bytes data_message(std::uint32_t counter, std::size_t size) {
  Bytes m(5 + size);
  m[0] = 94;
  wire::put_u32(m.data() + 1, counter);
  for (std::size_t i = 0; i < size; ++i) m[5 + i] = static_cast<std::uint8_t>(counter * 131 + i * 7);
  return m;
}

std::unique_ptr<Pair> make_pair(const CipherMac& cm) {
  return std::make_unique<Pair>(client_config(kKex, kHostKey, cm.cipher, cm.mac),
                                server_config(kKex, kHostKey, cm.cipher, cm.mac));
}

std::string describe(const std::optional<event::Disconnected>& d) {
  return d ? d->error.to_string() : std::string("(no disconnect)");
}

// Everything the server delivered is an undamaged prefix of what the client sent.
void expect_prefix(const std::vector<Bytes>& got, const std::vector<Bytes>& sent) {
  ASSERT_LE(got.size(), sent.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], sent[i]) << "packet " << i << " was damaged";
}

// ------------------------------------------------- a. flips in encrypted packets

const std::vector<std::size_t> kSizes = {1, 100, 3000};

struct FlipResult {
  std::vector<std::size_t> packet_starts;  // offsets of the data packets after the handshake, and the end
};

// One session: handshake, then the client's kSizes messages, with `mask` xored into the
// byte at offset `at` of the client's stream after the handshake. `eof_when_stuck`: when
// the damage leaves the server waiting for more bytes (a length field that still looks
// plausible), end the stream; otherwise keep the client sending until the server decides.
FlipResult flip_run(const CipherMac& cm, std::size_t at, std::uint8_t mask, bool eof_when_stuck) {
  FlipResult res;
  auto p = make_pair(cm);
  std::uint64_t c2s = 0;
  bool armed = false;
  std::uint64_t base = 0;
  p->set_tamper([&](int dir, Bytes& b, std::uint64_t off) {
    if (dir != 0) return true;
    c2s = off + b.size();
    if (armed && at >= off - base && at < off - base + b.size()) b[at - (off - base)] ^= mask;
    return true;
  });
  EXPECT_TRUE(p->handshake());
  if (::testing::Test::HasFailure()) return res;
  EXPECT_TRUE(p->client.pending_output().empty());
  base = c2s;
  armed = true;

  std::vector<Bytes> sent;
  res.packet_starts.push_back(0);
  for (std::size_t i = 0; i < kSizes.size(); ++i) {
    sent.push_back(data_message(static_cast<std::uint32_t>(i), kSizes[i]));
    EXPECT_TRUE(p->client.send(sent.back()));
    res.packet_starts.push_back(p->client.pending_output().size());
  }
  if (at >= res.packet_starts.back()) {  // a clean run, to learn the offsets
    EXPECT_TRUE(p->pump());
    EXPECT_EQ(p->server_log.packets, sent);
    return res;
  }
  std::size_t damaged = 0;
  while (res.packet_starts[damaged + 1] <= at) ++damaged;
  const std::size_t in_packet = at - res.packet_starts[damaged];
  SCOPED_TRACE("offset " + std::to_string(at) + " (packet " + std::to_string(damaged) + " byte " +
               std::to_string(in_packet) + ") mask " + std::to_string(mask));

  p->pump();
  bool ended_stream = false;
  if (!p->server_log.disconnected) {
    // Only a damaged length can leave the server waiting: anything else is caught by
    // the MAC as soon as the packet is complete.
    EXPECT_LT(in_packet, 4u) << "server accepted a damaged packet without complaint";
    if (eof_when_stuck) {
      ended_stream = true;
      p->server.feed_eof(p->now);
      p->pump();
      EXPECT_TRUE(p->server_log.disconnected);
      if (!p->server_log.disconnected) return res;
      // A MAC-then-encrypt length error is held back until 256 KiB arrive; at EOF it is
      // bad_length. A plausible length just leaves a packet unfinished.
      const auto& d = *p->server_log.disconnected;
      EXPECT_TRUE(d.error.code == Errc::bad_length ||
                  (d.error.code == Errc::disconnected &&
                   d.error.message.find("middle of a packet") != std::string::npos))
          << describe(p->server_log.disconnected);
    } else {
      // Feed the server enough to fill any packet it may be waiting for, or to end the
      // discard of a MAC-then-encrypt length error.
      const Bytes filler = data_message(1000, 32 * 1024);
      for (int i = 0; i < 12 && !p->server_log.disconnected; ++i) {
        EXPECT_TRUE(p->client.send(filler));
        sent.push_back(filler);
        p->pump();
      }
    }
  }
  EXPECT_TRUE(p->server_log.disconnected) << "server never noticed the damage";
  if (p->server_log.disconnected && !ended_stream) {
    const Errc c = p->server_log.disconnected->error.code;
    EXPECT_TRUE(c == Errc::mac_error || c == Errc::bad_length) << describe(p->server_log.disconnected);
    EXPECT_FALSE(p->server_log.disconnected->by_peer);
  }
  // Packets before the damaged one arrive; it and everything after it never do.
  EXPECT_EQ(p->server_log.packets.size(), damaged);
  expect_prefix(p->server_log.packets, sent);
  return res;
}

class EncryptedFlip : public ::testing::TestWithParam<CipherMac> {};

TEST_P(EncryptedFlip, EveryOffsetEndsInMacOrLengthError) {
  const CipherMac& cm = GetParam();
  // A clean run gives the packet boundaries (they do not depend on the random parts).
  const auto starts = flip_run(cm, ~std::size_t{0}, 0, false).packet_starts;
  ASSERT_EQ(starts.size(), kSizes.size() + 1);
  const std::size_t end = starts.back();

  // Every byte of the two small packets; of the large one, its head (length, padding
  // length, message type), its tail (the MAC or tag and the padding before it) and a
  // stride through the middle: each run is a whole handshake.
  std::vector<std::size_t> offsets;
  for (std::size_t o = 0; o < starts[2]; ++o) offsets.push_back(o);
  for (std::size_t o = starts[2]; o < end; ++o) {
    if (o < starts[2] + 48 || o + 96 >= end || (o - starts[2]) % 61 == 0) offsets.push_back(o);
  }
  for (std::size_t o : offsets) {
    auto r = flip_run(cm, o, 0x01, false);
    ASSERT_EQ(r.packet_starts, starts);
    if (HasFatalFailure()) return;
  }
  // The top bit, at the interesting places of each packet, this time ending the stream
  // when the server is left waiting (the discard path of MAC-then-encrypt modes).
  for (std::size_t k = 0; k < kSizes.size(); ++k) {
    const std::size_t s = starts[k], len = starts[k + 1] - s;
    for (std::size_t rel : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4},
                            std::size_t{5}, len / 2, len - 1}) {
      flip_run(cm, s + rel, 0x80, true);
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, EncryptedFlip, ::testing::ValuesIn(cipher_mac_combinations()),
                         [](const ::testing::TestParamInfo<CipherMac>& pi) { return name_of(pi.param); });

// A MAC-then-encrypt length error, made certain: the top bit of the first length byte.
// The server must neither fail at once (that would tell the attacker it was the length)
// nor wait for ever: it fails at EOF, or after 256 KiB, with bad_length.
TEST(EncryptedFlip, MacThenEncryptBadLengthFailsAtEofWithBadLength) {
  const CipherMac cm{"aes128-ctr", "hmac-sha2-256"};
  ASSERT_TRUE(mac_then_encrypt(cm));
  auto p = make_pair(cm);
  bool armed = false;
  p->set_tamper([&](int dir, Bytes& b, std::uint64_t) {
    if (dir == 0 && armed) b[0] ^= 0x80;
    armed = false;
    return true;
  });
  ASSERT_TRUE(p->handshake());
  armed = true;
  ASSERT_TRUE(p->client.send(data_message(0, 10)));
  p->pump();
  EXPECT_FALSE(p->server_log.disconnected) << describe(p->server_log.disconnected);
  p->server.feed_eof(p->now);
  p->pump();
  ASSERT_TRUE(p->server_log.disconnected);
  EXPECT_EQ(p->server_log.disconnected->error.code, Errc::bad_length);
  EXPECT_TRUE(p->server_log.packets.empty());
}

// The same error while the client keeps sending: the server swallows what follows until
// 256 KiB have arrived since the bad length (so that the moment it hangs up does not tell
// a length error from a MAC error), then fails with bad_length.
TEST(EncryptedFlip, MacThenEncryptBadLengthFailsAfter256KiB) {
  const CipherMac cm{"aes256-ctr", "hmac-sha2-512"};
  auto p = make_pair(cm);
  bool armed = false;
  std::uint64_t base = 0, c2s = 0, at_failure = 0;
  p->set_tamper([&](int dir, Bytes& b, std::uint64_t off) {
    if (dir != 0) return true;
    if (armed && off == base) b[0] ^= 0x80;
    c2s = off + b.size();
    return true;
  });
  ASSERT_TRUE(p->handshake());
  base = c2s;
  armed = true;
  const Bytes filler = data_message(7, 8 * 1024);
  for (int i = 0; i < 64 && !p->server_log.disconnected; ++i) {
    ASSERT_TRUE(p->client.send(filler));
    p->pump();
    at_failure = c2s - base;
  }
  ASSERT_TRUE(p->server_log.disconnected);
  EXPECT_EQ(p->server_log.disconnected->error.code, Errc::bad_length);
  EXPECT_GE(at_failure, limits::kDiscardAfterBadLength);
  EXPECT_LT(at_failure, limits::kDiscardAfterBadLength + filler.size() + 128);
  EXPECT_TRUE(p->server_log.packets.empty());
}

// ------------------------------------------------ b. flips in plaintext packets

// Finds the unencrypted packets of one direction as its bytes go by (version line first,
// packets up to NEWKEYS) and flips byte `at` of the payload of packet number `index`.
struct PlaintextFlipper {
  int index;
  std::size_t at;
  Bytes seen;
  bool flipped = false;
  bool past_end = false;  // the packet's payload is shorter than `at`

  void on_chunk(Bytes& b, std::uint64_t off) {
    seen.insert(seen.end(), b.begin(), b.end());
    if (flipped) return;
    std::size_t pos = 0;
    for (; pos + 1 < seen.size(); ++pos)
      if (seen[pos] == '\r' && seen[pos + 1] == '\n') break;
    if (pos + 1 >= seen.size()) return;
    pos += 2;
    for (int i = 0; pos + 5 <= seen.size(); ++i) {
      const std::size_t len = wire::get_u32(seen.data() + pos);
      const std::size_t payload_len = len - 1 - seen[pos + 4];
      if (i == index) {
        if (at >= payload_len) {
          past_end = true;
          return;
        }
        const std::size_t abs = pos + 5 + at;
        if (abs >= off && abs < off + b.size()) {
          b[abs - off] ^= 0x01;
          flipped = true;
        }
        return;
      }
      if (pos + 5 < seen.size() && seen[pos + 5] == 21) return;  // NEWKEYS: encrypted from here
      pos += 4 + len;
    }
  }
};

// Returns false when `at` is past the end of the packet's payload.
bool plaintext_flip_run(int direction, int index, std::size_t at, bool default_lists) {
  std::unique_ptr<Pair> p =
      default_lists ? std::make_unique<Pair>(client_config(), server_config())
                    : make_pair({"chacha20-poly1305@openssh.com", "hmac-sha2-256"});
  PlaintextFlipper f{index, at, {}};
  p->set_tamper([&](int dir, Bytes& b, std::uint64_t off) {
    if (dir == direction) f.on_chunk(b, off);
    return true;
  });
  const bool ok = p->handshake();
  if (f.past_end) return false;
  if (!f.flipped) {
    ADD_FAILURE() << "packet " << index << " never seen";
    return false;
  }
  SCOPED_TRACE("direction " + std::to_string(direction) + " packet " + std::to_string(index) + " byte " +
               std::to_string(at));
  EXPECT_FALSE(ok);
  EXPECT_TRUE(p->client_log.disconnected || p->server_log.disconnected);
  // No side may believe the exchange worked: the damage changes the exchange hash or
  // the shared secret, so the client's signature check must fail before NEWKEYS.
  EXPECT_EQ(p->client_log.kex_completed, 0u);
  EXPECT_EQ(p->server_log.kex_completed, 0u);
  EXPECT_FALSE(p->client_log.service_ready || p->server_log.service_ready);
  return true;
}

TEST(PlaintextFlip, KexinitAndEcdhPayloadsAreAllProtected) {
  struct Target {
    int direction, index;
    std::size_t stride;
    bool default_lists;
  };
  const Target targets[] = {
      {0, 0, 1, false},  // client KEXINIT, one algorithm per list
      {0, 0, 7, true},   // client KEXINIT with skiff's full default lists
      {0, 1, 1, false},  // ECDH_INIT
      {1, 0, 5, false},  // server KEXINIT
      {1, 1, 1, false},  // ECDH_REPLY (host key, Q_S, signature)
  };
  for (const auto& t : targets) {
    std::size_t runs = 0;
    for (std::size_t at = 0; plaintext_flip_run(t.direction, t.index, at, t.default_lists); at += t.stride) {
      ++runs;
      if (HasFailure()) return;
    }
    EXPECT_GT(runs, 20u);
  }
}

// --------------------------------------------------------------- c. truncation

// The client's stream is cut at byte k: bytes before k are delivered, then EOF.
// total: set instead of checking, on a run without a cut; c2s_total: the length it found.
void truncation_run(const CipherMac& cm, std::uint64_t k, std::uint64_t* total, std::uint64_t c2s_total = 0) {
  auto p = make_pair(cm);
  bool cut = false;
  std::uint64_t c2s = 0;
  p->set_tamper([&](int dir, Bytes& b, std::uint64_t off) {
    if (dir != 0) return true;
    c2s = off + b.size();
    if (off >= k) return false;
    if (off + b.size() > k) {
      b.resize(k - off);
      cut = true;
    }
    return true;
  });
  std::vector<Bytes> sent;
  if (p->handshake()) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      sent.push_back(data_message(i, 1 + i * 150));
      EXPECT_TRUE(p->client.send(sent.back()));
    }
    p->pump();
  }
  if (total) {
    *total = c2s;
    return;
  }
  SCOPED_TRACE("cut at " + std::to_string(k));
  if (!p->server_log.disconnected) {
    // The client has nothing more to say: the end of the stream reaches the server now.
    p->server.feed_eof(p->now);
    p->pump();
  }
  ASSERT_TRUE(p->server_log.disconnected) << "cut=" << cut;
  const Errc c = p->server_log.disconnected->error.code;
  EXPECT_TRUE(c == Errc::disconnected || c == Errc::bad_length) << describe(p->server_log.disconnected);
  expect_prefix(p->server_log.packets, sent);
  // The cut really cost something, and nothing was lost when there was no cut.
  if (k < c2s_total) {
    EXPECT_LT(p->server_log.packets.size(), 3u);
  }
  if (k == c2s_total) {
    EXPECT_EQ(p->server_log.packets.size(), 3u);
    EXPECT_NE(p->server_log.disconnected->error.message.find("closed by peer"), std::string::npos)
        << describe(p->server_log.disconnected);
  }
}

class Truncation : public ::testing::TestWithParam<CipherMac> {};

TEST_P(Truncation, EveryOffsetEndsCleanly) {
  std::uint64_t total = 0;
  truncation_run(GetParam(), ~std::uint64_t{0}, &total);
  ASSERT_GT(total, 800u);  // version, KEXINIT, ECDH_INIT, NEWKEYS, SERVICE_REQUEST, data
  for (std::uint64_t k = 0; k <= total; ++k) {
    truncation_run(GetParam(), k, nullptr, total);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Truncation,
                         ::testing::Values(CipherMac{"chacha20-poly1305@openssh.com", "hmac-sha2-256"},
                                           CipherMac{"aes128-ctr", "hmac-sha2-256"},
                                           CipherMac{"aes256-gcm@openssh.com", "hmac-sha2-256"},
                                           CipherMac{"aes192-ctr", "hmac-sha1-etm@openssh.com"}),
                         [](const ::testing::TestParamInfo<CipherMac>& pi) { return name_of(pi.param); });

// ------------------------------------------------------- d. version exchange

struct Fed {
  std::optional<event::Disconnected> disconnected;
  std::size_t bytes = 0;  // bytes fed until the disconnect
};

// Feeds text to a fresh transport in pieces of `piece` bytes, stopping at the disconnect.
Fed feed_text(Role role, std::string_view text, std::size_t piece) {
  Transport t(role == Role::client ? client_config() : server_config());
  TimePoint now{};
  t.start(now);
  Fed r;
  for (std::size_t pos = 0; pos < text.size() && !r.disconnected; pos += piece) {
    std::string_view s = text.substr(pos, piece);
    t.feed(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), now);
    r.bytes = pos + s.size();
    while (auto ev = t.poll_event())
      if (auto* d = std::get_if<event::Disconnected>(&*ev)) r.disconnected = *d;
  }
  return r;
}

TEST(VersionExchange, ServerRejectsLinesBeforeTheClientsVersion) {
  auto r = feed_text(Role::server, "hello there\r\nSSH-2.0-x\r\n", 1 << 20);
  ASSERT_TRUE(r.disconnected);
  EXPECT_EQ(r.disconnected->error.code, Errc::bad_format) << describe(r.disconnected);
}

TEST(VersionExchange, OverlongVersionLineIsRefused) {
  const std::string line = "SSH-2.0-" + std::string(400, 'a') + "\r\n";
  for (Role role : {Role::client, Role::server}) {
    auto r = feed_text(role, line, 16);
    ASSERT_TRUE(r.disconnected);
    EXPECT_EQ(r.disconnected->error.code, Errc::too_large) << describe(r.disconnected);
    EXPECT_LE(r.bytes, limits::kMaxVersionLineLength + 16);  // refused as soon as it is too long
  }
}

TEST(VersionExchange, TooManyPreBannerLinesAreRefused) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "banner " + std::to_string(i) + "\r\n";
  text += "SSH-2.0-x\r\n";
  auto r = feed_text(Role::client, text, 64);
  ASSERT_TRUE(r.disconnected);
  EXPECT_EQ(r.disconnected->error.code, Errc::too_large) << describe(r.disconnected);
  EXPECT_LT(r.bytes, text.size() / 2);  // at line 1025 of 2000, not at the end

  // Few but long lines: the byte cap.
  std::string wide;
  for (int i = 0; i < 200; ++i) wide += std::string(1000, 'b') + "\r\n";
  r = feed_text(Role::client, wide, 4096);
  ASSERT_TRUE(r.disconnected);
  EXPECT_EQ(r.disconnected->error.code, Errc::too_large) << describe(r.disconnected);
  EXPECT_LE(r.bytes, limits::kMaxPreBannerBytes + 4096);
}

TEST(VersionExchange, Ssh15IsRefusedBothWays) {
  for (Role role : {Role::client, Role::server}) {
    auto r = feed_text(role, "SSH-1.5-OldSoftware\r\n", 1 << 20);
    ASSERT_TRUE(r.disconnected);
    EXPECT_EQ(r.disconnected->error.code, Errc::unsupported) << describe(r.disconnected);
  }
}

TEST(VersionExchange, NulAndEofDuringVersionExchange) {
  auto r = feed_text(Role::server, std::string("SSH-2.0-a\0b\r\n", 13), 1 << 20);
  ASSERT_TRUE(r.disconnected);
  Transport t(server_config());
  t.start({});
  t.feed(ByteView(reinterpret_cast<const std::uint8_t*>("SSH-2.0"), 7), {});
  EXPECT_FALSE(t.poll_event());
  t.feed_eof({});
  auto ev = t.poll_event();
  ASSERT_TRUE(ev && std::holds_alternative<event::Disconnected>(*ev));
  EXPECT_EQ(std::get<event::Disconnected>(*ev).error.code, Errc::disconnected);
}

// ---------------------------------------------------------- e. bounded memory

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kJunkTotal = 50 * 1024 * 1024;

// Feeds up to 50 MB of junk in 64 KiB chunks and returns how much went in before the
// transport gave up. It cannot buffer more than that.
std::size_t feed_junk(Transport& t, std::uint32_t seed, std::optional<event::Disconnected>& out,
                      const Bytes& prefix = {}) {
  std::mt19937 rng(seed);
  Bytes chunk(kChunk);
  std::size_t fed = 0;
  bool first = true;
  while (fed < kJunkTotal && !out) {
    for (auto& b : chunk) b = static_cast<std::uint8_t>(rng());
    if (first && !prefix.empty()) std::copy(prefix.begin(), prefix.end(), chunk.begin());
    first = false;
    t.feed(chunk, {});
    fed += chunk.size();
    while (auto ev = t.poll_event())
      if (auto* d = std::get_if<event::Disconnected>(&*ev)) out = *d;
  }
  return fed;
}

TEST(BoundedMemory, JunkAfterTheVersionLineIsRefusedQuickly) {
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    Transport t(server_config());
    t.start({});
    const std::string v = "SSH-2.0-junk\r\n";
    t.feed(ByteView(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()), {});
    std::optional<event::Disconnected> d;
    std::size_t fed = feed_junk(t, seed, d);
    ASSERT_TRUE(d) << "50 MB of junk accepted";
    EXPECT_TRUE(d->error.code == Errc::bad_length || d->error.code == Errc::mac_error) << describe(d);
    EXPECT_LE(fed, limits::kMaxPacketLength + kChunk);
  }
}

TEST(BoundedMemory, LargestPlausiblePacketThenJunk) {
  // A header that promises the largest allowed packet, with a body of junk: the server
  // may wait for the whole packet, but not for more.
  Transport t(server_config());
  t.start({});
  const std::string v = "SSH-2.0-junk\r\n";
  t.feed(ByteView(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()), {});
  Bytes header(6);
  wire::put_u32(header.data(), limits::kMaxPacketLength - 4);  // (len + 4) % 8 == 0
  header[4] = 4;
  header[5] = 94;  // not a KEXINIT
  std::optional<event::Disconnected> d;
  std::size_t fed = feed_junk(t, 99, d, header);
  ASSERT_TRUE(d) << "50 MB of junk accepted";
  EXPECT_LE(fed, limits::kMaxPacketLength + kChunk);
}

// While the client waits for the host key verdict, poll_event() processes no input; a
// server that keeps sending behind its NEWKEYS must not make the client buffer without
// bound (it did once: 50 MB here). glibc's mallinfo2 is the only window on the buffer.
TEST(BoundedMemory, FloodWhileAwaitingHostKeyVerdictStaysBounded) {
  auto p = make_pair({"chacha20-poly1305@openssh.com", "hmac-sha2-256"});
  bool asked = false;
  for (int i = 0; i < 100 && !asked; ++i) {
    for (auto [from, to] : {std::pair{&p->client, &p->server}, std::pair{&p->server, &p->client}}) {
      ByteView o = from->pending_output();
      to->feed(o, {});
      from->consume_output(o.size());
    }
    while (p->server.poll_event()) {
    }
    while (auto ev = p->client.poll_event()) asked |= std::holds_alternative<event::HostKeyCheck>(*ev);
  }
  ASSERT_TRUE(asked);
  const auto before = mallinfo2();
  Bytes junk(kChunk, 0x41);
  bool refused = false;
  for (std::size_t fed = 0; fed < kJunkTotal && !refused; fed += kChunk) {
    p->client.feed(junk, {});
    while (auto ev = p->client.poll_event()) refused |= std::holds_alternative<event::Disconnected>(*ev);
  }
  const auto after = mallinfo2();
  const std::size_t grown = (after.uordblks + after.hblkhd) - std::min(after.uordblks + after.hblkhd,
                                                                       before.uordblks + before.hblkhd);
  EXPECT_LT(grown, std::size_t{4} << 20) << "the client buffered " << (grown >> 20) << " MiB unprocessed";
  EXPECT_TRUE(refused) << "the flood did not end the connection";
}

class EncryptedJunk : public ::testing::TestWithParam<CipherMac> {};

TEST_P(EncryptedJunk, JunkAfterTheHandshakeIsRefusedWithin256KiB) {
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    auto p = make_pair(GetParam());
    ASSERT_TRUE(p->handshake());
    std::optional<event::Disconnected> d;
    std::size_t fed = feed_junk(p->server, seed, d);
    ASSERT_TRUE(d) << "50 MB of junk accepted";
    EXPECT_TRUE(d->error.code == Errc::bad_length || d->error.code == Errc::mac_error) << describe(d);
    EXPECT_LE(fed, limits::kDiscardAfterBadLength + kChunk);
    EXPECT_TRUE(p->server_log.packets.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, EncryptedJunk,
                         ::testing::Values(CipherMac{"chacha20-poly1305@openssh.com", "hmac-sha2-256"},
                                           CipherMac{"aes128-ctr", "hmac-sha2-256"},
                                           CipherMac{"aes256-gcm@openssh.com", "hmac-sha2-256"},
                                           CipherMac{"aes256-ctr", "hmac-sha2-512-etm@openssh.com"}),
                         [](const ::testing::TestParamInfo<CipherMac>& pi) { return name_of(pi.param); });

}  // namespace
