#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transport/algorithms.hpp"
#include "transport/kexinit.hpp"

using namespace skiff;
using namespace skiff::transport;

namespace {

// KEXINIT payloads captured from OpenSSH_9.2p1 Debian-2+deb12u10: the client's (ssh to a
// socket that only sent a banner) and the server's (sshd -i with one ed25519 host key).
static const char* const kOpenSshClientKexInit =
    "14f4c378fd9ffe19639c1a5f5a0a2a8e4d00000148736e747275703736317832353531392d7368613531322c736e7472"
    "75703736317832353531392d736861353132406f70656e7373682e636f6d2c637572766532353531392d736861323536"
    "2c637572766532353531392d736861323536406c69627373682e6f72672c656364682d736861322d6e69737470323536"
    "2c656364682d736861322d6e697374703338342c656364682d736861322d6e697374703532312c6469666669652d6865"
    "6c6c6d616e2d67726f75702d65786368616e67652d7368613235362c6469666669652d68656c6c6d616e2d67726f7570"
    "31362d7368613531322c6469666669652d68656c6c6d616e2d67726f757031382d7368613531322c6469666669652d68"
    "656c6c6d616e2d67726f757031342d7368613235362c6578742d696e666f2d632c6b65782d7374726963742d632d7630"
    "30406f70656e7373682e636f6d000001cf7373682d656432353531392d636572742d763031406f70656e7373682e636f"
    "6d2c65636473612d736861322d6e697374703235362d636572742d763031406f70656e7373682e636f6d2c6563647361"
    "2d736861322d6e697374703338342d636572742d763031406f70656e7373682e636f6d2c65636473612d736861322d6e"
    "697374703532312d636572742d763031406f70656e7373682e636f6d2c736b2d7373682d656432353531392d63657274"
    "2d763031406f70656e7373682e636f6d2c736b2d65636473612d736861322d6e697374703235362d636572742d763031"
    "406f70656e7373682e636f6d2c7273612d736861322d3531322d636572742d763031406f70656e7373682e636f6d2c72"
    "73612d736861322d3235362d636572742d763031406f70656e7373682e636f6d2c7373682d656432353531392c656364"
    "73612d736861322d6e697374703235362c65636473612d736861322d6e697374703338342c65636473612d736861322d"
    "6e697374703532312c736b2d7373682d65643235353139406f70656e7373682e636f6d2c736b2d65636473612d736861"
    "322d6e69737470323536406f70656e7373682e636f6d2c7273612d736861322d3531322c7273612d736861322d323536"
    "0000006c63686163686132302d706f6c7931333035406f70656e7373682e636f6d2c6165733132382d6374722c616573"
    "3139322d6374722c6165733235362d6374722c6165733132382d67636d406f70656e7373682e636f6d2c616573323536"
    "2d67636d406f70656e7373682e636f6d0000006c63686163686132302d706f6c7931333035406f70656e7373682e636f"
    "6d2c6165733132382d6374722c6165733139322d6374722c6165733235362d6374722c6165733132382d67636d406f70"
    "656e7373682e636f6d2c6165733235362d67636d406f70656e7373682e636f6d000000d5756d61632d36342d65746d40"
    "6f70656e7373682e636f6d2c756d61632d3132382d65746d406f70656e7373682e636f6d2c686d61632d736861322d32"
    "35362d65746d406f70656e7373682e636f6d2c686d61632d736861322d3531322d65746d406f70656e7373682e636f6d"
    "2c686d61632d736861312d65746d406f70656e7373682e636f6d2c756d61632d3634406f70656e7373682e636f6d2c75"
    "6d61632d313238406f70656e7373682e636f6d2c686d61632d736861322d3235362c686d61632d736861322d3531322c"
    "686d61632d73686131000000d5756d61632d36342d65746d406f70656e7373682e636f6d2c756d61632d3132382d6574"
    "6d406f70656e7373682e636f6d2c686d61632d736861322d3235362d65746d406f70656e7373682e636f6d2c686d6163"
    "2d736861322d3531322d65746d406f70656e7373682e636f6d2c686d61632d736861312d65746d406f70656e7373682e"
    "636f6d2c756d61632d3634406f70656e7373682e636f6d2c756d61632d313238406f70656e7373682e636f6d2c686d61"
    "632d736861322d3235362c686d61632d736861322d3531322c686d61632d736861310000001a6e6f6e652c7a6c696240"
    "6f70656e7373682e636f6d2c7a6c69620000001a6e6f6e652c7a6c6962406f70656e7373682e636f6d2c7a6c69620000"
    "0000000000000000000000"
;
static const char* const kOpenSshServerKexInit =
    "1422ea6d2b2aa689bf8ebf86d89f673f050000013d736e747275703736317832353531392d7368613531322c736e7472"
    "75703736317832353531392d736861353132406f70656e7373682e636f6d2c637572766532353531392d736861323536"
    "2c637572766532353531392d736861323536406c69627373682e6f72672c656364682d736861322d6e69737470323536"
    "2c656364682d736861322d6e697374703338342c656364682d736861322d6e697374703532312c6469666669652d6865"
    "6c6c6d616e2d67726f75702d65786368616e67652d7368613235362c6469666669652d68656c6c6d616e2d67726f7570"
    "31362d7368613531322c6469666669652d68656c6c6d616e2d67726f757031382d7368613531322c6469666669652d68"
    "656c6c6d616e2d67726f757031342d7368613235362c6b65782d7374726963742d732d763030406f70656e7373682e63"
    "6f6d0000000b7373682d656432353531390000006c63686163686132302d706f6c7931333035406f70656e7373682e63"
    "6f6d2c6165733132382d6374722c6165733139322d6374722c6165733235362d6374722c6165733132382d67636d406f"
    "70656e7373682e636f6d2c6165733235362d67636d406f70656e7373682e636f6d0000006c63686163686132302d706f"
    "6c7931333035406f70656e7373682e636f6d2c6165733132382d6374722c6165733139322d6374722c6165733235362d"
    "6374722c6165733132382d67636d406f70656e7373682e636f6d2c6165733235362d67636d406f70656e7373682e636f"
    "6d000000d5756d61632d36342d65746d406f70656e7373682e636f6d2c756d61632d3132382d65746d406f70656e7373"
    "682e636f6d2c686d61632d736861322d3235362d65746d406f70656e7373682e636f6d2c686d61632d736861322d3531"
    "322d65746d406f70656e7373682e636f6d2c686d61632d736861312d65746d406f70656e7373682e636f6d2c756d6163"
    "2d3634406f70656e7373682e636f6d2c756d61632d313238406f70656e7373682e636f6d2c686d61632d736861322d32"
    "35362c686d61632d736861322d3531322c686d61632d73686131000000d5756d61632d36342d65746d406f70656e7373"
    "682e636f6d2c756d61632d3132382d65746d406f70656e7373682e636f6d2c686d61632d736861322d3235362d65746d"
    "406f70656e7373682e636f6d2c686d61632d736861322d3531322d65746d406f70656e7373682e636f6d2c686d61632d"
    "736861312d65746d406f70656e7373682e636f6d2c756d61632d3634406f70656e7373682e636f6d2c756d61632d3132"
    "38406f70656e7373682e636f6d2c686d61632d736861322d3235362c686d61632d736861322d3531322c686d61632d73"
    "686131000000156e6f6e652c7a6c6962406f70656e7373682e636f6d000000156e6f6e652c7a6c6962406f70656e7373"
    "682e636f6d00000000000000000000000000"
;

wire::Bytes from_hex(std::string_view hex) {
  wire::Bytes out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> v;
  if (s.empty()) return v;
  std::size_t start = 0;
  for (std::size_t comma; (comma = s.find(',', start)) != std::string_view::npos; start = comma + 1) {
    v.emplace_back(s.substr(start, comma - start));
  }
  v.emplace_back(s.substr(start));
  return v;
}

// A KexInit with the same lists in both directions.
KexInit make(std::string_view kex, std::string_view host_key, std::string_view cipher, std::string_view mac,
             std::string_view compression = "none") {
  KexInit k;
  k.kex = split(kex);
  k.host_key = split(host_key);
  k.cipher_c2s = k.cipher_s2c = split(cipher);
  k.mac_c2s = k.mac_s2c = split(mac);
  k.compression_c2s = k.compression_s2c = split(compression);
  return k;
}

KexInit defaults() {
  KexInit k;
  k.kex = default_algorithms(AlgorithmKind::kex);
  k.host_key = default_algorithms(AlgorithmKind::host_key);
  k.cipher_c2s = k.cipher_s2c = default_algorithms(AlgorithmKind::cipher);
  k.mac_c2s = k.mac_s2c = default_algorithms(AlgorithmKind::mac);
  k.compression_c2s = k.compression_s2c = default_algorithms(AlgorithmKind::compression);
  return k;
}

}  // namespace

TEST(KexInit, DecodesOpenSshClient) {
  wire::Bytes payload = from_hex(kOpenSshClientKexInit);
  auto k = decode_kexinit(payload);
  ASSERT_TRUE(k) << k.error().to_string();
  EXPECT_EQ(k->cookie[0], 0xf4);
  EXPECT_EQ(k->cookie[15], 0x4d);
  EXPECT_EQ(k->kex.size(), 13u);
  EXPECT_EQ(k->kex.front(), "sntrup761x25519-sha512");
  EXPECT_EQ(k->kex.back(), "kex-strict-c-v00@openssh.com");
  EXPECT_EQ(k->host_key.back(), "rsa-sha2-256");
  EXPECT_EQ(k->cipher_c2s, default_algorithms(AlgorithmKind::cipher));
  EXPECT_EQ(k->cipher_s2c, k->cipher_c2s);
  EXPECT_EQ(k->mac_c2s.front(), "umac-64-etm@openssh.com");
  EXPECT_EQ(k->compression_c2s, (std::vector<std::string>{"none", "zlib@openssh.com", "zlib"}));
  EXPECT_TRUE(k->language_c2s.empty());
  EXPECT_TRUE(k->language_s2c.empty());
  EXPECT_FALSE(k->first_kex_packet_follows);
  EXPECT_EQ(k->reserved, 0u);
  // Re-encoding gives back the exact bytes OpenSSH sent.
  EXPECT_EQ(encode_kexinit(*k), payload);
}

TEST(KexInit, NegotiatesOpenSshClientWithOpenSshServer) {
  auto c = decode_kexinit(from_hex(kOpenSshClientKexInit));
  auto s = decode_kexinit(from_hex(kOpenSshServerKexInit));
  ASSERT_TRUE(c && s);
  EXPECT_EQ(s->host_key, std::vector<std::string>{"ssh-ed25519"});
  auto n = negotiate(*c, *s);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->kex, "sntrup761x25519-sha512");
  EXPECT_EQ(n->host_key, "ssh-ed25519");
  EXPECT_EQ(n->cipher_c2s, "chacha20-poly1305@openssh.com");
  EXPECT_EQ(n->mac_c2s, "");  // AEAD
  EXPECT_EQ(n->compression_c2s, "none");
  EXPECT_FALSE(n->ignore_guessed_packet);
}

TEST(KexInit, SkiffClientAgainstOpenSshServer) {
  auto s = decode_kexinit(from_hex(kOpenSshServerKexInit));
  ASSERT_TRUE(s);
  KexInit c = defaults();
  c.cipher_c2s = c.cipher_s2c = {"aes256-ctr"};
  auto n = negotiate(c, *s);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->kex, "curve25519-sha256");
  EXPECT_EQ(n->host_key, "ssh-ed25519");
  EXPECT_EQ(n->cipher_s2c, "aes256-ctr");
  EXPECT_EQ(n->mac_c2s, "hmac-sha2-256-etm@openssh.com");
  EXPECT_EQ(n->mac_s2c, "hmac-sha2-256-etm@openssh.com");
}

TEST(KexInit, RoundTrip) {
  KexInit k = defaults();
  for (std::size_t i = 0; i < k.cookie.size(); ++i) k.cookie[i] = static_cast<std::uint8_t>(i * 7);
  k.kex.push_back("ext-info-c");
  k.cipher_s2c = {"aes128-ctr"};
  k.language_c2s = {"en-US"};
  k.first_kex_packet_follows = true;
  k.reserved = 0x01020304;
  wire::Bytes b = encode_kexinit(k);
  EXPECT_EQ(b[0], 20);
  auto d = decode_kexinit(b);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(*d, k);

  KexInit empty;
  auto e = decode_kexinit(encode_kexinit(empty));
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, empty);
  EXPECT_EQ(encode_kexinit(empty).size(), 1u + 16 + 10 * 4 + 1 + 4);
}

TEST(KexInit, DecodeRejectsTruncationAtEveryLength) {
  wire::Bytes payload = from_hex(kOpenSshServerKexInit);
  for (std::size_t n = 0; n < payload.size(); ++n) {
    auto d = decode_kexinit(wire::ByteView(payload.data(), n));
    ASSERT_FALSE(d) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(d.error().code, Errc::truncated) << n;
  }
}

TEST(KexInit, DecodeRejectsTrailingBytes) {
  wire::Bytes payload = from_hex(kOpenSshServerKexInit);
  payload.push_back(0);
  auto d = decode_kexinit(payload);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::trailing_data);
}

TEST(KexInit, DecodeRejectsWrongMessageNumber) {
  wire::Bytes payload = encode_kexinit(defaults());
  payload[0] = 21;
  auto d = decode_kexinit(payload);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::protocol_error);
}

TEST(KexInit, DecodeRejectsBadNameLists) {
  auto with_kex = [](std::string_view list) {
    wire::Bytes b;
    wire::Writer w(b);
    w.byte(20).raw(std::string(16, 'c')).string(list);
    for (int i = 0; i < 9; ++i) w.string("");
    w.boolean(false).u32(0);
    return b;
  };
  EXPECT_TRUE(decode_kexinit(with_kex("a,b")));
  for (std::string_view bad : std::vector<std::string_view>{"a,,b", ",a", "a,", "a b", std::string_view("a\0b", 3), "a\x7f", "\xc3\xa9"}) {
    auto d = decode_kexinit(with_kex(bad));
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code, Errc::bad_format) << bad;
  }
  auto too_long = decode_kexinit(with_kex(std::string(65, 'x')));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::too_large);

  // A name-list length beyond the rest of the message.
  wire::Bytes b = with_kex("abc");
  b[17 + 3] = 0xff;
  EXPECT_FALSE(decode_kexinit(b));
}

TEST(KexInit, AnyNonZeroBooleanIsTrue) {
  wire::Bytes b = encode_kexinit(defaults());
  b[b.size() - 5] = 0x80;
  auto d = decode_kexinit(b);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->first_kex_packet_follows);
}

TEST(Negotiate, FirstClientChoiceTheServerSupports) {
  KexInit c = make("ecdh-sha2-nistp256,curve25519-sha256", "rsa-sha2-256,ssh-ed25519",
                   "aes128-ctr,aes256-ctr", "hmac-sha2-512,hmac-sha2-256", "zlib@openssh.com,none");
  KexInit s = make("curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519,rsa-sha2-256", "aes256-ctr,aes128-ctr",
                   "hmac-sha2-256,hmac-sha2-512", "none,zlib@openssh.com");
  auto n = negotiate(c, s);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->kex, "ecdh-sha2-nistp256");
  EXPECT_EQ(n->host_key, "rsa-sha2-256");
  EXPECT_EQ(n->cipher_c2s, "aes128-ctr");
  EXPECT_EQ(n->cipher_s2c, "aes128-ctr");
  EXPECT_EQ(n->mac_c2s, "hmac-sha2-512");
  EXPECT_EQ(n->compression_c2s, "zlib@openssh.com");
  EXPECT_EQ(n->compression_s2c, "zlib@openssh.com");
  // Client and server roles are not symmetric.
  auto r = negotiate(s, c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kex, "curve25519-sha256");
  EXPECT_EQ(r->host_key, "ssh-ed25519");
  EXPECT_EQ(r->cipher_c2s, "aes256-ctr");
}

TEST(Negotiate, DirectionsAreIndependent) {
  KexInit c = defaults();
  KexInit s = defaults();
  c.cipher_c2s = {"aes128-ctr"};
  c.cipher_s2c = {"aes256-gcm@openssh.com"};
  c.mac_c2s = {"hmac-sha2-512"};
  c.mac_s2c = {"hmac-sha2-512-etm@openssh.com"};
  c.compression_s2c = {"zlib@openssh.com"};
  auto n = negotiate(c, s);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->cipher_c2s, "aes128-ctr");
  EXPECT_EQ(n->mac_c2s, "hmac-sha2-512");
  EXPECT_EQ(n->cipher_s2c, "aes256-gcm@openssh.com");
  EXPECT_EQ(n->mac_s2c, "");
  EXPECT_EQ(n->compression_c2s, "none");
  EXPECT_EQ(n->compression_s2c, "zlib@openssh.com");
}

TEST(Negotiate, NoCommonCipherNamesBothLists) {
  KexInit c = make("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256");
  KexInit s = make("curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com", "hmac-sha2-256");
  auto n = negotiate(c, s);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::kex_failed);
  EXPECT_NE(n.error().message.find("no matching cipher found: client aes128-ctr server "
                                   "chacha20-poly1305@openssh.com"),
            std::string::npos)
      << n.error().message;
}

TEST(Negotiate, EachCategoryCanFail) {
  struct Case {
    KexInit server;
    const char* expected;
  };
  KexInit c = make("curve25519-sha256,ext-info-c", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "none");
  std::vector<Case> cases{
      {make("ecdh-sha2-nistp256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256"),
       "no matching key exchange method found: client curve25519-sha256,ext-info-c server ecdh-sha2-nistp256"},
      {make("curve25519-sha256", "rsa-sha2-512", "aes128-ctr", "hmac-sha2-256"),
       "no matching host key type found: client ssh-ed25519 server rsa-sha2-512"},
      {make("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1"),
       "no matching MAC found: client hmac-sha2-256 server hmac-sha1"},
      {make("curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "zlib"),
       "no matching compression method found: client none server zlib"},
  };
  for (const auto& tc : cases) {
    auto n = negotiate(c, tc.server);
    ASSERT_FALSE(n) << tc.expected;
    EXPECT_EQ(n.error().code, Errc::kex_failed);
    EXPECT_EQ(n.error().message.rfind(tc.expected, 0), 0u) << n.error().message;
  }
  // Empty lists (as a hostile peer may send) fail cleanly too.
  EXPECT_FALSE(negotiate(c, KexInit{}));
  EXPECT_FALSE(negotiate(KexInit{}, c));
}

TEST(Negotiate, AeadCipherNeedsNoMac) {
  KexInit c = make("curve25519-sha256", "ssh-ed25519", "aes256-gcm@openssh.com,aes128-ctr", "hmac-sha2-256");
  KexInit s = make("curve25519-sha256", "ssh-ed25519", "aes128-ctr,aes256-gcm@openssh.com", "hmac-sha1");
  auto n = negotiate(c, s);
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->cipher_c2s, "aes256-gcm@openssh.com");
  EXPECT_EQ(n->mac_c2s, "");
  EXPECT_EQ(n->mac_s2c, "");
  // Even with a common MAC, none is chosen for an AEAD cipher.
  s.mac_c2s = s.mac_s2c = {"hmac-sha2-256"};
  c.cipher_c2s = c.cipher_s2c = {"chacha20-poly1305@openssh.com"};
  s.cipher_c2s = s.cipher_s2c = {"chacha20-poly1305@openssh.com"};
  n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->mac_c2s, "");
  // A non-AEAD cipher still needs a MAC.
  c.cipher_s2c = s.cipher_s2c = {"aes128-ctr"};
  s.mac_s2c = {"hmac-sha1"};
  n = negotiate(c, s);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message.find("MAC"), std::string::npos);
}

TEST(Negotiate, PseudoAlgorithmsAreNeverChosen) {
  for (const char* pseudo :
       {"ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com", "kex-strict-s-v00@openssh.com"}) {
    std::string list = std::string(pseudo) + ",curve25519-sha256";
    KexInit c = make(list, "ssh-ed25519", "aes128-ctr", "hmac-sha2-256");
    KexInit s = make(list, "ssh-ed25519", "aes128-ctr", "hmac-sha2-256");
    auto n = negotiate(c, s);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->kex, "curve25519-sha256") << pseudo;
    // Only a pseudo-name in common: no kex at all.
    c.kex = s.kex = {pseudo};
    auto f = negotiate(c, s);
    ASSERT_FALSE(f) << pseudo;
    EXPECT_NE(f.error().message.find("key exchange"), std::string::npos);
  }
}

TEST(Negotiate, LanguagesAreIgnored) {
  KexInit c = defaults();
  KexInit s = defaults();
  c.language_c2s = {"en"};
  s.language_c2s = {"fr"};
  s.language_s2c = {"de"};
  EXPECT_TRUE(negotiate(c, s));
}

TEST(Negotiate, GuessedPacket) {
  KexInit c = make("curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519,rsa-sha2-256", "aes128-ctr",
                   "hmac-sha2-256");
  KexInit s = c;
  c.first_kex_packet_follows = true;

  // Same first kex and host key: the guess is right, the packet is used.
  EXPECT_FALSE(guess_was_wrong(c, s));
  auto n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->ignore_guessed_packet);

  // Different first kex, even though the negotiated one equals the client's first.
  s.kex = {"ecdh-sha2-nistp256", "curve25519-sha256"};
  EXPECT_TRUE(guess_was_wrong(c, s));
  n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kex, "curve25519-sha256");
  EXPECT_TRUE(n->ignore_guessed_packet);

  // Different first host key algorithm.
  s.kex = c.kex;
  s.host_key = {"rsa-sha2-256", "ssh-ed25519"};
  EXPECT_TRUE(guess_was_wrong(c, s));
  n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->ignore_guessed_packet);

  // A wrong guess matters only if a guessed packet was announced.
  c.first_kex_packet_follows = false;
  n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->ignore_guessed_packet);

  // The server may be the one that guessed.
  s.first_kex_packet_follows = true;
  n = negotiate(c, s);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->ignore_guessed_packet);

  EXPECT_TRUE(guess_was_wrong(KexInit{}, KexInit{}));
}

TEST(Negotiate, AlgorithmTraits) {
  EXPECT_TRUE(AlgorithmTraits::cipher_is_aead("chacha20-poly1305@openssh.com"));
  EXPECT_TRUE(AlgorithmTraits::cipher_is_aead("aes128-gcm@openssh.com"));
  EXPECT_TRUE(AlgorithmTraits::cipher_is_aead("aes256-gcm@openssh.com"));
  EXPECT_FALSE(AlgorithmTraits::cipher_is_aead("aes128-ctr"));
  for (const auto& kex : supported_algorithms(AlgorithmKind::kex)) {
    EXPECT_TRUE(AlgorithmTraits::kex_requires_signature(kex)) << kex;
  }
}

TEST(Negotiate, SkiffDefaultsAgree) {
  auto n = negotiate(defaults(), defaults());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kex, "curve25519-sha256");
  EXPECT_EQ(n->host_key, "ssh-ed25519");
  EXPECT_EQ(n->cipher_c2s, "chacha20-poly1305@openssh.com");
  EXPECT_EQ(n->mac_c2s, "");
  EXPECT_EQ(n->compression_c2s, "none");
}
