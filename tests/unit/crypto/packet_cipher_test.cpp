// Packet protection for every cipher x MAC x layout SSH uses: round trips, tampering,
// sequence numbers, and the exact wire bytes, rebuilt from the raw primitives (and, for
// chacha20-poly1305@openssh.com, from an independent pure-Python model of OpenSSH's
// PROTOCOL.chacha20poly1305) so that a layout mistake cannot hide behind a round trip.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/packet_cipher.hpp"
#include "crypto/primitives.hpp"
#include "../../vectors/wycheproof.hpp"  // hex helpers (tests/ is not on the unit include path)

using namespace skiff::crypto;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

struct Combo {
  CipherAlg cipher;
  MacAlg mac;
  bool etm;
};

std::string name_of(const Combo& c) {
  static const char* ciphers[] = {"none", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm", "aes256-gcm",
                                  "chacha20-poly1305"};
  static const char* macs[] = {"none", "hmac-sha1", "hmac-sha2-256", "hmac-sha2-512"};
  return std::string(ciphers[static_cast<int>(c.cipher)]) + "/" + macs[static_cast<int>(c.mac)] + (c.etm ? "-etm" : "");
}

// Every combination that exists on the wire: each non-AEAD cipher with each MAC (EtM
// only with a real MAC), and each AEAD cipher alone.
std::vector<Combo> all_combos() {
  std::vector<Combo> out;
  for (CipherAlg c : {CipherAlg::none, CipherAlg::aes128_ctr, CipherAlg::aes192_ctr, CipherAlg::aes256_ctr})
    for (MacAlg m : {MacAlg::none, MacAlg::hmac_sha1, MacAlg::hmac_sha2_256, MacAlg::hmac_sha2_512}) {
      out.push_back({c, m, false});
      if (m != MacAlg::none) out.push_back({c, m, true});
    }
  for (CipherAlg c : {CipherAlg::aes128_gcm, CipherAlg::aes256_gcm, CipherAlg::chacha20_poly1305})
    out.push_back({c, MacAlg::none, false});
  return out;
}

bool authenticated(const Combo& c) { return cipher_info(c.cipher).aead || c.mac != MacAlg::none; }

SecureBytes pattern(std::size_t n, std::uint8_t seed) {
  SecureBytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + 31 * i + (i >> 3));
  return b;
}

DirectionKeys keys_for(const Combo& c, std::uint8_t seed = 1) {
  DirectionKeys k;
  k.cipher = c.cipher;
  k.mac = c.mac;
  k.etm = c.etm;
  k.key = pattern(cipher_info(c.cipher).key_len, seed);
  k.iv = pattern(cipher_info(c.cipher).iv_len, static_cast<std::uint8_t>(seed + 100));
  if (!cipher_info(c.cipher).aead) k.mac_key = pattern(mac_info(c.mac).key_len, static_cast<std::uint8_t>(seed + 200));
  return k;
}

// A plaintext packet laid out as the transport will: padding >= 4 bytes, aligned to the
// block size over the part the mode says.
Bytes make_packet(std::size_t payload_len, std::size_t block, bool length_excluded, std::uint8_t fill) {
  std::size_t covered = (length_excluded ? 0 : 4) + 1 + payload_len;
  std::size_t pad = block - covered % block;
  if (pad < 4) pad += block;
  std::uint32_t packet_length = static_cast<std::uint32_t>(1 + payload_len + pad);
  Bytes p(4 + packet_length);
  p[0] = static_cast<std::uint8_t>(packet_length >> 24);
  p[1] = static_cast<std::uint8_t>(packet_length >> 16);
  p[2] = static_cast<std::uint8_t>(packet_length >> 8);
  p[3] = static_cast<std::uint8_t>(packet_length);
  p[4] = static_cast<std::uint8_t>(pad);
  for (std::size_t i = 5; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(fill + i * 7);
  return p;
}

struct Wire {
  Bytes packet;  // as sent
  Bytes tag;
};

struct Pair {
  std::unique_ptr<PacketSealer> sealer;
  std::unique_ptr<PacketOpener> opener;
};

Pair make_pair_for(const Combo& c, std::uint8_t seed = 1) {
  auto s = make_sealer(keys_for(c, seed));
  auto o = make_opener(keys_for(c, seed));
  EXPECT_TRUE(s.has_value()) << name_of(c) << ": " << (s ? "" : s.error().to_string());
  EXPECT_TRUE(o.has_value()) << name_of(c) << ": " << (o ? "" : o.error().to_string());
  return {s ? std::move(*s) : nullptr, o ? std::move(*o) : nullptr};
}

Wire seal_one(PacketSealer& s, std::uint32_t seq, const Bytes& plain) {
  Wire w{plain, Bytes(s.tag_size())};
  s.seal(seq, w.packet, w.tag);
  return w;
}

// What the transport does on receipt: read the first chunk, learn the length, then
// open the whole packet. Returns false if the length is wrong or open() refuses.
bool receive(PacketOpener& o, std::uint32_t seq, Wire w, Bytes* plain_out = nullptr,
             std::uint32_t* length_out = nullptr) {
  std::size_t chunk = o.first_chunk_size();
  if (w.packet.size() < chunk) return false;
  std::uint32_t len = o.read_length(seq, std::span<std::uint8_t>(w.packet).first(chunk));
  if (length_out) *length_out = len;
  if (!o.open(seq, w.packet, w.tag)) return false;
  if (plain_out) *plain_out = w.packet;
  return true;
}

std::uint32_t length_of(const Bytes& p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

TEST(PacketCipher, InfoTables) {
  EXPECT_EQ(cipher_info(CipherAlg::none).block_size, 8u);
  EXPECT_EQ(cipher_info(CipherAlg::aes192_ctr).key_len, 24u);
  EXPECT_EQ(cipher_info(CipherAlg::aes256_gcm).iv_len, 12u);
  EXPECT_EQ(cipher_info(CipherAlg::chacha20_poly1305).key_len, 64u);
  EXPECT_EQ(cipher_info(CipherAlg::chacha20_poly1305).block_size, 8u);
  EXPECT_TRUE(cipher_info(CipherAlg::aes128_gcm).aead);
  EXPECT_EQ(mac_info(MacAlg::hmac_sha2_512).mac_len, 64u);
  EXPECT_EQ(mac_info(MacAlg::hmac_sha1).key_len, 20u);

  for (const Combo& c : all_combos()) {
    Pair p = make_pair_for(c);
    ASSERT_TRUE(p.sealer && p.opener);
    CipherInfo ci = cipher_info(c.cipher);
    bool aad_length = ci.aead || c.etm;  // OpenSSH: length outside padding for EtM and AEAD
    EXPECT_EQ(p.sealer->block_size(), ci.block_size) << name_of(c);
    EXPECT_EQ(p.opener->block_size(), ci.block_size) << name_of(c);
    EXPECT_EQ(p.sealer->length_excluded_from_padding(), aad_length) << name_of(c);
    EXPECT_EQ(p.opener->length_excluded_from_padding(), aad_length) << name_of(c);
    std::size_t tag = ci.aead ? ci.tag_len : mac_info(c.mac).mac_len;
    EXPECT_EQ(p.sealer->tag_size(), tag) << name_of(c);
    EXPECT_EQ(p.opener->tag_size(), tag) << name_of(c);
    EXPECT_EQ(p.opener->first_chunk_size(), aad_length ? 4u : ci.block_size) << name_of(c);
  }
}

TEST(PacketCipher, RejectsBadKeys) {
  Combo ctr{CipherAlg::aes128_ctr, MacAlg::hmac_sha2_256, false};
  DirectionKeys k = keys_for(ctr);
  k.key.pop_back();
  EXPECT_EQ(make_sealer(k).error().code, skiff::Errc::invalid_argument);
  k = keys_for(ctr);
  k.iv.push_back(0);
  EXPECT_EQ(make_opener(k).error().code, skiff::Errc::invalid_argument);
  k = keys_for(ctr);
  k.mac_key.resize(20);
  EXPECT_EQ(make_sealer(k).error().code, skiff::Errc::invalid_argument);
  k = keys_for({CipherAlg::aes128_ctr, MacAlg::none, false});
  k.etm = true;
  EXPECT_EQ(make_sealer(k).error().code, skiff::Errc::invalid_argument);
  k = keys_for({CipherAlg::chacha20_poly1305, MacAlg::none, false});
  k.key.resize(32);
  EXPECT_EQ(make_opener(k).error().code, skiff::Errc::invalid_argument);
  // An AEAD cipher ignores whatever MAC is named with it, as OpenSSH does.
  k = keys_for({CipherAlg::aes256_gcm, MacAlg::none, false});
  k.mac = MacAlg::hmac_sha1;
  EXPECT_TRUE(make_sealer(k).has_value());
}

TEST(PacketCipher, RoundTripManySizesAndSequenceNumbers) {
  const std::size_t sizes[] = {0, 1, 2, 3, 7, 8, 11, 12, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256,
                               511, 1000, 1400, 4095, 4096, 16384, 32768, 35000};
  for (const Combo& c : all_combos()) {
    Pair p = make_pair_for(c);
    ASSERT_TRUE(p.sealer && p.opener);
    // Start near the top so the 32-bit sequence number wraps during the run.
    std::uint32_t seq = 0xFFFFFFF0u;
    for (int round = 0; round < 3; ++round) {
      for (std::size_t n : sizes) {
        Bytes plain = make_packet(n, p.sealer->block_size(), p.sealer->length_excluded_from_padding(),
                                  static_cast<std::uint8_t>(n + round));
        std::size_t covered = plain.size() - (p.sealer->length_excluded_from_padding() ? 4 : 0);
        ASSERT_EQ(covered % p.sealer->block_size(), 0u);
        Wire w = seal_one(*p.sealer, seq, plain);
        if (c.cipher != CipherAlg::none) {
          EXPECT_NE(w.packet, plain) << name_of(c) << " n=" << n;
        }
        Bytes back;
        std::uint32_t len = 0;
        ASSERT_TRUE(receive(*p.opener, seq, w, &back, &len)) << name_of(c) << " n=" << n << " seq=" << seq;
        EXPECT_EQ(len, length_of(plain)) << name_of(c);
        EXPECT_EQ(back, plain) << name_of(c) << " n=" << n;
        ++seq;
      }
    }
  }
}

TEST(PacketCipher, AnyFlippedBitIsRefused) {
  for (const Combo& c : all_combos()) {
    if (!authenticated(c)) continue;
    Pair first = make_pair_for(c);
    ASSERT_TRUE(first.sealer);
    const std::uint32_t seq = 3;
    Bytes plain = make_packet(45, first.sealer->block_size(), first.sealer->length_excluded_from_padding(), 9);
    Wire good = seal_one(*first.sealer, seq, plain);
    std::size_t total_bits = (good.packet.size() + good.tag.size()) * 8;
    for (std::size_t bit = 0; bit < total_bits; bit += 3) {
      Wire bad = good;
      std::size_t byte = bit / 8;
      auto mask = static_cast<std::uint8_t>(1u << (bit % 8));
      if (byte < bad.packet.size()) bad.packet[byte] ^= mask;
      else bad.tag[byte - bad.packet.size()] ^= mask;
      // A fresh opener: each trial must start from the same stream position.
      auto opener = make_opener(keys_for(c));
      ASSERT_TRUE(opener);
      std::uint32_t len = 0;
      bool opened = receive(**opener, seq, bad, nullptr, &len);
      EXPECT_FALSE(opened) << name_of(c) << " bit " << bit;
      // Where the length is encrypted, a flip there shows up as a different length
      // (which the transport then rejects or waits on) as well as a failed open.
      if (byte < 4 && (*opener)->first_chunk_size() > 4) {
        EXPECT_NE(len, length_of(plain)) << name_of(c) << " bit " << bit;
      }
      if (byte < 4 && c.cipher == CipherAlg::chacha20_poly1305) {
        EXPECT_NE(len, length_of(plain)) << name_of(c) << " bit " << bit;
      }
    }
    // The untouched packet still opens with a fresh opener.
    auto opener = make_opener(keys_for(c));
    EXPECT_TRUE(receive(**opener, seq, good)) << name_of(c);
  }
}

TEST(PacketCipher, WrongSequenceNumberOrTagSizeIsRefused) {
  for (const Combo& c : all_combos()) {
    if (!authenticated(c)) continue;
    Pair p = make_pair_for(c);
    Bytes plain = make_packet(20, p.sealer->block_size(), p.sealer->length_excluded_from_padding(), 1);
    Wire w = seal_one(*p.sealer, 10, plain);
    // GCM's nonce is its own invocation counter, not the sequence number.
    bool uses_seq = c.cipher != CipherAlg::aes128_gcm && c.cipher != CipherAlg::aes256_gcm;
    if (uses_seq) {
      auto o = make_opener(keys_for(c));
      EXPECT_FALSE(receive(**o, 11, w)) << name_of(c);
    }
    auto o2 = make_opener(keys_for(c));
    Wire short_tag = w;
    short_tag.tag.pop_back();
    EXPECT_FALSE(receive(**o2, 10, short_tag)) << name_of(c);
    // And a different key refuses it too.
    auto o3 = make_opener(keys_for(c, 2));
    EXPECT_FALSE(receive(**o3, 10, w)) << name_of(c);
  }
}

TEST(PacketCipher, MacThenEncryptDecryptsFirstBlockInPlace) {
  Combo c{CipherAlg::aes256_ctr, MacAlg::hmac_sha2_512, false};
  Pair p = make_pair_for(c);
  Bytes plain = make_packet(100, 16, false, 4);
  Wire w = seal_one(*p.sealer, 0, plain);
  std::span<std::uint8_t> chunk(w.packet.data(), 16);
  EXPECT_EQ(p.opener->read_length(0, chunk), length_of(plain));
  EXPECT_TRUE(std::equal(chunk.begin(), chunk.end(), plain.begin()));
  EXPECT_TRUE(p.opener->open(0, w.packet, w.tag));
  EXPECT_EQ(w.packet, plain);
}

namespace {

Bytes concat(const std::vector<Bytes>& parts, std::size_t skip_each = 0) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin() + static_cast<std::ptrdiff_t>(skip_each), p.end());
  return out;
}

Bytes hmac_seq(MacAlg mac, const SecureBytes& key, std::uint32_t seq, const Bytes& data) {
  HashAlg h = mac == MacAlg::hmac_sha1 ? HashAlg::sha1 : mac == MacAlg::hmac_sha2_256 ? HashAlg::sha256 : HashAlg::sha512;
  Bytes msg = {static_cast<std::uint8_t>(seq >> 24), static_cast<std::uint8_t>(seq >> 16),
               static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
  msg.insert(msg.end(), data.begin(), data.end());
  return Hmac(h, key).compute(msg);
}

}  // namespace

// The keystream must run on across packets (one CTR context per direction), and the MAC
// must cover exactly what RFC 4253 6.4 or OpenSSH's PROTOCOL 1.5 say.
TEST(PacketCipher, CtrWireFormatMatchesPrimitives) {
  for (const Combo& c : all_combos()) {
    if (c.cipher == CipherAlg::none || cipher_info(c.cipher).aead) continue;
    DirectionKeys k = keys_for(c);
    auto sealer = make_sealer(k);
    ASSERT_TRUE(sealer);
    std::vector<Bytes> plains, wires;
    std::uint32_t seq0 = 77;
    for (std::size_t i = 0; i < 6; ++i) {
      Bytes plain = make_packet(13 * i * i, 16, c.etm, static_cast<std::uint8_t>(i));
      Wire w = seal_one(**sealer, seq0 + static_cast<std::uint32_t>(i), plain);
      Bytes expected_mac = c.mac == MacAlg::none ? Bytes{}
                           : c.etm               ? hmac_seq(c.mac, k.mac_key, seq0 + i, w.packet)
                                                 : hmac_seq(c.mac, k.mac_key, seq0 + i, plain);
      EXPECT_EQ(w.tag, expected_mac) << name_of(c) << " packet " << i;
      if (c.etm) {
        EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 4, w.packet.begin())) << "length in clear";
      }
      plains.push_back(plain);
      wires.push_back(w.packet);
    }
    std::size_t skip = c.etm ? 4 : 0;
    Bytes stream = concat(plains, skip);
    ASSERT_TRUE(aes_ctr_xor(k.key, k.iv, stream));
    EXPECT_EQ(stream, concat(wires, skip)) << name_of(c);
  }
}

TEST(PacketCipher, NoneCipherLeavesBytesAlone) {
  Combo c{CipherAlg::none, MacAlg::none, false};
  Pair p = make_pair_for(c);
  EXPECT_EQ(p.sealer->tag_size(), 0u);
  EXPECT_EQ(p.opener->first_chunk_size(), 8u);
  Bytes plain = make_packet(5, 8, false, 0);
  Wire w = seal_one(*p.sealer, 0, plain);
  EXPECT_EQ(w.packet, plain);
  EXPECT_TRUE(receive(*p.opener, 0, w));
}

TEST(PacketCipher, GcmInvocationCounterAdvances) {
  for (CipherAlg alg : {CipherAlg::aes128_gcm, CipherAlg::aes256_gcm}) {
    Combo c{alg, MacAlg::none, false};
    DirectionKeys k = keys_for(c);
    // Fixed field 01020304, invocation counter one below wrap: the carry must stay out
    // of the fixed field.
    k.iv = to_secure(hex_decode("01020304fffffffffffffffe"));
    auto sealer = make_sealer(k);
    ASSERT_TRUE(sealer);
    Bytes plain = make_packet(40, 16, true, 3);
    Wire w1 = seal_one(**sealer, 0, plain);
    Wire w2 = seal_one(**sealer, 1, plain);
    Wire w3 = seal_one(**sealer, 2, plain);
    EXPECT_NE(w1.packet, w2.packet);
    EXPECT_NE(w1.tag, w2.tag);
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 4, w1.packet.begin())) << "length in clear";

    // Rebuild each from the primitive with the IV the RFC 5647 rule gives.
    const char* ivs[] = {"01020304fffffffffffffffe", "01020304ffffffffffffffff", "010203040000000000000000"};
    const Wire* ws[] = {&w1, &w2, &w3};
    for (int i = 0; i < 3; ++i) {
      Bytes body(plain.begin() + 4, plain.end());
      std::array<std::uint8_t, 16> tag{};
      ASSERT_TRUE(aes_gcm_seal(k.key, hex_decode(ivs[i]), ByteView(plain).first(4), body, tag));
      EXPECT_TRUE(std::equal(body.begin(), body.end(), ws[i]->packet.begin() + 4)) << i;
      EXPECT_EQ(Bytes(tag.begin(), tag.end()), ws[i]->tag) << i;
    }

    auto in_order = make_opener(k);
    EXPECT_TRUE(receive(**in_order, 0, w1));
    EXPECT_TRUE(receive(**in_order, 1, w2));
    EXPECT_TRUE(receive(**in_order, 2, w3));
    auto out_of_order = make_opener(k);
    EXPECT_FALSE(receive(**out_of_order, 1, w2));
  }
}

namespace {

// OpenSSH's construction rebuilt from the RFC 8439 primitives: with a 32-bit block
// counter that never reaches 2^32 here, the original ChaCha20's 64-bit counter and
// 64-bit nonce equal RFC 8439's 32-bit counter and the 96-bit nonce 0^32 || be64(seq).
Wire chacha_model(const SecureBytes& key64, std::uint32_t seq, const Bytes& plain) {
  ByteView k2(key64.data(), 32), k1(key64.data() + 32, 32);
  Bytes nonce(12, 0);
  for (int i = 0; i < 4; ++i) nonce[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  Wire w{plain, Bytes(16)};
  std::span<std::uint8_t> p(w.packet);
  EXPECT_TRUE(chacha20_xor(k1, 0, nonce, p.first(4)));
  EXPECT_TRUE(chacha20_xor(k2, 1, nonce, p.subspan(4)));
  Bytes poly_key(32, 0);
  EXPECT_TRUE(chacha20_xor(k2, 0, nonce, poly_key));
  EXPECT_TRUE(poly1305(poly_key, w.packet, std::span<std::uint8_t, 16>(w.tag.data(), 16)));
  return w;
}

}  // namespace

TEST(PacketCipher, ChachaPolyMatchesModelFromPrimitives) {
  Combo c{CipherAlg::chacha20_poly1305, MacAlg::none, false};
  DirectionKeys k = keys_for(c);
  auto sealer = make_sealer(k);
  ASSERT_TRUE(sealer);
  for (std::uint32_t seq : {0u, 1u, 2u, 255u, 256u, 0x01020304u, 0xFFFFFFFFu}) {
    for (std::size_t n : {0u, 20u, 59u, 60u, 200u, 5000u}) {
      Bytes plain = make_packet(n, 8, true, static_cast<std::uint8_t>(seq));
      Wire got = seal_one(**sealer, seq, plain);
      Wire want = chacha_model(k.key, seq, plain);
      EXPECT_EQ(hex_encode(got.packet), hex_encode(want.packet)) << "seq " << seq << " n " << n;
      EXPECT_EQ(hex_encode(got.tag), hex_encode(want.tag)) << "seq " << seq << " n " << n;
    }
  }
}

// Answers from a pure-Python ChaCha20/Poly1305 (no OpenSSL) following OpenSSH's
// PROTOCOL.chacha20poly1305 literally: key = 0x40..0x7f, K_2 = first half (payload),
// K_1 = second half (length), nonce = be64(seq).
TEST(PacketCipher, ChachaPolyKnownAnswers) {
  struct Kat {
    std::uint32_t seq;
    const char* plain;
    const char* wire;
    const char* tag;
  };
  const Kat kats[] = {
      {0, "0000001806050000000c7373682d7573657261757468aaaaaaaaaaaa",
       "c173cce3801b3682e45dd43dbd306126902d9b1f9e2fba4dbf881d4c", "75f7a76082d8542758064156ba3383e7"},
      {7,
       "000000700b000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031"
       "32333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263aaaaaaaaaa"
       "aaaaaaaaaaaa",
       "f38eb49a54547a31a2283b17901603f699aed7432821b9d1573010c4760b5c26844f631376ab09369ce097ffd19c9ffd350a88b9e87dc3"
       "be1e103fec88f826be50d112a5006a2faea852a6b7ede522a4b06b3c6275de22f2af06bd964e73fcd326b624f983ade86572d40ef0cd33"
       "c22a24a4f257",
       "851d19f1f8733f1abc15ba5f8d33e467"},
      {0xfffffffe, "0000000807aaaaaaaaaaaaaa", "868320e8d6b46c825e6db952", "e76e0c770e71b38ac0d713f2f8708752"},
  };
  DirectionKeys k;
  k.cipher = CipherAlg::chacha20_poly1305;
  k.key.resize(64);
  for (std::size_t i = 0; i < 64; ++i) k.key[i] = static_cast<std::uint8_t>(0x40 + i);
  auto sealer = make_sealer(k);
  ASSERT_TRUE(sealer);
  for (const Kat& t : kats) {
    Wire w = seal_one(**sealer, t.seq, hex_decode(t.plain));
    EXPECT_EQ(hex_encode(w.packet), t.wire) << t.seq;
    EXPECT_EQ(hex_encode(w.tag), t.tag) << t.seq;
    auto opener = make_opener(k);
    Bytes back;
    std::uint32_t len = 0;
    EXPECT_TRUE(receive(**opener, t.seq, {hex_decode(t.wire), hex_decode(t.tag)}, &back, &len)) << t.seq;
    EXPECT_EQ(hex_encode(back), t.plain);
    EXPECT_EQ(len, length_of(hex_decode(t.plain)));
  }
}

TEST(PacketCipher, ChachaReadLengthLeavesChunkAlone) {
  Combo c{CipherAlg::chacha20_poly1305, MacAlg::none, false};
  Pair p = make_pair_for(c);
  Bytes plain = make_packet(30, 8, true, 0);
  Wire w = seal_one(*p.sealer, 5, plain);
  Bytes before = w.packet;
  EXPECT_EQ(p.opener->read_length(5, std::span<std::uint8_t>(w.packet).first(4)), length_of(plain));
  EXPECT_EQ(w.packet, before);
  // read_length may be asked again (a reader that retries) without disturbing open().
  EXPECT_EQ(p.opener->read_length(5, std::span<std::uint8_t>(w.packet).first(4)), length_of(plain));
  EXPECT_TRUE(p.opener->open(5, w.packet, w.tag));
  EXPECT_EQ(w.packet, plain);
}
