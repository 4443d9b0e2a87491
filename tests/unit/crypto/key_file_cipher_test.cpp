// Key file ciphers: OpenSSH's table of lengths, known answers from `openssl enc` for the
// CTR and CBC modes, round trips for every cipher, AEAD tags that catch tampering, and
// argument checks. (AES-GCM and chacha20-poly1305 are proven against ssh-keygen's own
// encrypted keys in tests/unit/keys/openssh_key_test.cpp.)
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/key_file_cipher.hpp"

using skiff::Errc;
using skiff::crypto::Bytes;
using skiff::crypto::find_key_file_cipher;
using skiff::crypto::key_file_ciphers;
using skiff::crypto::key_file_decrypt;
using skiff::crypto::key_file_encrypt;
using skiff::crypto::KeyFileCipher;

namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

Bytes counting(std::size_t n, std::uint8_t step = 1) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * step);
  return b;
}

const KeyFileCipher& get(std::string_view name) {
  const KeyFileCipher* c = find_key_file_cipher(name);
  if (c == nullptr) throw std::runtime_error("missing cipher " + std::string(name));
  return *c;
}

TEST(KeyFileCipher, TableMatchesOpenSsh) {
  struct Want {
    std::string_view name;
    std::size_t key, iv, block, tag;
  };
  // OpenSSH cipher.c: CBC/CTR IVs are one block, GCM 12 bytes, chacha none.
  const Want want[] = {
      {"aes128-ctr", 16, 16, 16, 0},  {"aes192-ctr", 24, 16, 16, 0},
      {"aes256-ctr", 32, 16, 16, 0},  {"aes128-cbc", 16, 16, 16, 0},
      {"aes192-cbc", 24, 16, 16, 0},  {"aes256-cbc", 32, 16, 16, 0},
      {"aes128-gcm@openssh.com", 16, 12, 16, 16}, {"aes256-gcm@openssh.com", 32, 12, 16, 16},
      {"chacha20-poly1305@openssh.com", 64, 0, 8, 16}, {"3des-cbc", 24, 8, 8, 0},
      {"none", 0, 0, 8, 0},
  };
  EXPECT_EQ(key_file_ciphers().size(), std::size(want));
  for (const auto& w : want) {
    const KeyFileCipher& c = get(w.name);
    EXPECT_EQ(c.key_len, w.key) << w.name;
    EXPECT_EQ(c.iv_len, w.iv) << w.name;
    EXPECT_EQ(c.block_size, w.block) << w.name;
    EXPECT_EQ(c.tag_len, w.tag) << w.name;
  }
  EXPECT_EQ(find_key_file_cipher("aes512-ctr"), nullptr);
  EXPECT_EQ(find_key_file_cipher("AES256-CTR"), nullptr);
  EXPECT_EQ(find_key_file_cipher(""), nullptr);
}

// openssl enc -<cipher> -K <key> -iv <iv> -nopad, over the bytes i*7 for i < 32.
TEST(KeyFileCipher, KnownAnswersFromOpensslEnc) {
  struct Kat {
    std::string_view name, ct;
  };
  const Kat kats[] = {
      {"aes128-ctr", "66a0c9fd28711b79af6e984a674dcfc4c2f6a9853b0da60c0c02c506aa57cd33"},
      {"aes192-cbc", "0749f52c700f5715f4bfdefdc15ba0e9370b9c2b3dcb64ad50f70c00a67e0a43"},
      {"aes256-ctr", "9207c3983fb5aafa6256a0191469017dba2805c57db9ae60c608e39c8ebc5457"},
      {"aes256-cbc", "1570fe04e7cc3accef8107127e292139ed160c48971985a93d1616f3c558b619"},
      {"3des-cbc", "3b3c512cc78107f0a26864d2038ee7a4f61eb905d4ea3295b336a62e3a693dd6"},
  };
  const Bytes key = counting(32);
  Bytes iv16(16);
  for (std::size_t i = 0; i < 16; ++i) iv16[i] = static_cast<std::uint8_t>(0xf0 + i);
  const Bytes pt = counting(32, 7);
  for (const auto& k : kats) {
    const KeyFileCipher& c = get(k.name);
    skiff::crypto::ByteView kv(key.data(), c.key_len), iv(iv16.data(), c.iv_len);
    auto ct = key_file_encrypt(c, kv, iv, pt);
    ASSERT_TRUE(ct) << k.name << ": " << ct.error().to_string();
    EXPECT_EQ(*ct, hex(k.ct)) << k.name;
    auto back = key_file_decrypt(c, kv, iv, *ct);
    ASSERT_TRUE(back) << k.name;
    EXPECT_EQ(Bytes(back->begin(), back->end()), pt) << k.name;
  }
}

TEST(KeyFileCipher, RoundTripEveryCipher) {
  for (const auto& c : key_file_ciphers()) {
    const Bytes key = counting(c.key_len, 3), iv = counting(c.iv_len, 5);
    for (std::size_t blocks : {1u, 2u, 37u}) {
      const Bytes pt = counting(blocks * c.block_size, 11);
      auto ct = key_file_encrypt(c, key, iv, pt);
      ASSERT_TRUE(ct) << c.name;
      ASSERT_EQ(ct->size(), pt.size() + c.tag_len) << c.name;
      if (c.name != "none") {
        EXPECT_NE(Bytes(ct->begin(), ct->begin() + static_cast<long>(pt.size())), pt) << c.name;
      }
      auto back = key_file_decrypt(c, key, iv, *ct);
      ASSERT_TRUE(back) << c.name << ": " << back.error().to_string();
      EXPECT_EQ(Bytes(back->begin(), back->end()), pt) << c.name;
    }
  }
}

TEST(KeyFileCipher, AeadRefusesTampering) {
  for (std::string_view name : {"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"}) {
    const KeyFileCipher& c = get(name);
    const Bytes key = counting(c.key_len, 3), iv = counting(c.iv_len, 5), pt = counting(64);
    auto ct = key_file_encrypt(c, key, iv, pt);
    ASSERT_TRUE(ct);
    for (std::size_t i : {std::size_t{0}, std::size_t{63}, std::size_t{64}, ct->size() - 1}) {
      Bytes bad = *ct;
      bad[i] ^= 0x01;
      auto r = key_file_decrypt(c, key, iv, bad);
      ASSERT_FALSE(r) << name << " byte " << i;
      EXPECT_EQ(r.error().code, Errc::mac_error) << name;
    }
    Bytes other_key = key;
    other_key[0] ^= 0x80;
    auto r = key_file_decrypt(c, other_key, iv, *ct);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::mac_error);
    // Only the first half of chacha's key is used for a key file (no length to encrypt).
    if (c.key_len == 64) {
      other_key = key;
      other_key[40] ^= 0x80;
      EXPECT_TRUE(key_file_decrypt(c, other_key, iv, *ct));
    }
  }
}

TEST(KeyFileCipher, RefusesBadArguments) {
  const KeyFileCipher& ctr = get("aes256-ctr");
  const Bytes key = counting(32), iv = counting(16);
  auto r1 = key_file_encrypt(ctr, key, iv, counting(15));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, Errc::invalid_argument);
  auto r2 = key_file_encrypt(ctr, counting(16), iv, counting(16));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, Errc::invalid_argument);
  auto r3 = key_file_encrypt(ctr, key, counting(12), counting(16));
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, Errc::invalid_argument);
  auto r4 = key_file_decrypt(ctr, key, iv, counting(17));
  ASSERT_FALSE(r4);
  EXPECT_EQ(r4.error().code, Errc::bad_format);
  const KeyFileCipher& gcm = get("aes256-gcm@openssh.com");
  auto r5 = key_file_decrypt(gcm, key, counting(12), counting(15));
  ASSERT_FALSE(r5);
  EXPECT_EQ(r5.error().code, Errc::bad_format);
  KeyFileCipher forged = ctr;
  forged.key_len = 8;
  auto r6 = key_file_encrypt(forged, counting(8), iv, counting(16));
  ASSERT_FALSE(r6);
  EXPECT_EQ(r6.error().code, Errc::invalid_argument);
}

}  // namespace
