// Known answers for the primitives under the packet ciphers: AES-GCM (McGrew-Viega and
// Wycheproof, 12-byte IVs), AES-CTR (NIST SP 800-38A F.5), ChaCha20 and Poly1305
// (RFC 8439 and Wycheproof). The RFC 8439 AEAD is assembled here from the two
// primitives only to run the published AEAD vectors; SSH uses OpenSSH's construction.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "crypto/primitives.hpp"
#include "rfc8439_vectors.hpp"
#include "wycheproof.hpp"

using namespace skiff::crypto;
using skiff::test::Expect;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

// ---- AES-GCM ---------------------------------------------------------------------------

struct GcmCase {
  const char* name;
  const char* key;
  const char* iv;
  const char* pt;
  const char* aad;
  const char* ct;
  const char* tag;
};

#define MV_K3 "feffe9928665731c6d6a8f9467308308"
#define MV_IV "cafebabefacedbaddecaf888"
#define MV_P60                                                                                                        \
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de6" \
  "57ba637b39"
#define MV_A "feedfacedeadbeeffeedfacedeadbeefabaddad2"

// McGrew and Viega, "The Galois/Counter Mode of Operation", test cases with 96-bit IVs.
const GcmCase kGcmCases[] = {
    {"MV 1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"MV 2", "00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
     "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
    {"MV 3", MV_K3, MV_IV, MV_P60 "1aafd255", "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac9"
     "73d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"MV 4", MV_K3, MV_IV, MV_P60, MV_A,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac9"
     "73d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"MV 7", "000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "cd33b28ac773f74ba00ed1f312572435"},
    {"MV 8", "000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "98e7247c07f0fe411c267e4384b0f600", "2ff58d80033927ab8ef4d4587514f0fb"},
    {"MV 13", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {"MV 14", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"MV 15", MV_K3 MV_K3, MV_IV, MV_P60 "1aafd255", "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0"
     "abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"MV 16", MV_K3 MV_K3, MV_IV, MV_P60, MV_A,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0"
     "abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

// Seals msg and compares with ct/tag; then opens ct/tag and compares with msg.
// Returns whether both directions agreed with the expected values.
bool gcm_agrees(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& msg, const Bytes& ct,
                const Bytes& tag) {
  Bytes buf = msg;
  std::array<std::uint8_t, 16> t{};
  if (!aes_gcm_seal(key, iv, aad, buf, t)) return false;
  bool seal_ok = buf == ct && tag.size() == 16 && std::equal(t.begin(), t.end(), tag.begin());
  Bytes back = ct;
  bool open_ok = aes_gcm_open(key, iv, aad, back, tag) && back == msg;
  return seal_ok && open_ok;
}

}  // namespace

TEST(AesGcmKat, McGrewViega) {
  for (const auto& c : kGcmCases) {
    Bytes key = hex_decode(c.key), iv = hex_decode(c.iv), aad = hex_decode(c.aad), pt = hex_decode(c.pt),
          ct = hex_decode(c.ct), tag = hex_decode(c.tag);
    EXPECT_TRUE(gcm_agrees(key, iv, aad, pt, ct, tag)) << c.name;
    // Any single flipped bit in ciphertext, AAD or tag must be refused.
    Bytes bad_tag = tag;
    bad_tag[15] ^= 0x01;
    Bytes back = ct;
    EXPECT_FALSE(aes_gcm_open(key, iv, aad, back, bad_tag)) << c.name;
    if (!ct.empty()) {
      Bytes bad_ct = ct;
      bad_ct[0] ^= 0x80;
      EXPECT_FALSE(aes_gcm_open(key, iv, aad, bad_ct, tag)) << c.name;
    }
    if (!aad.empty()) {
      Bytes bad_aad = aad;
      bad_aad.back() ^= 0x01;
      back = ct;
      EXPECT_FALSE(aes_gcm_open(key, iv, bad_aad, back, tag)) << c.name;
    }
  }
}

TEST(AesGcmKat, Wycheproof) {
  auto f = skiff::test::load_wycheproof("aes_gcm_test.json");
  std::size_t ran = 0, skipped = 0;
  for (const auto& g : f.groups) {
    // SSH uses only 96-bit IVs and 128-bit tags; other sizes are outside the primitive.
    if (g.int_attr("ivSize") != 96 || g.int_attr("tagSize") != 128) {
      skipped += g.tests.size();
      continue;
    }
    for (const auto& t : g.tests) {
      Bytes key = t.hex("key"), iv = t.hex("iv"), aad = t.hex("aad"), msg = t.hex("msg"), ct = t.hex("ct"),
            tag = t.hex("tag");
      bool agrees = gcm_agrees(key, iv, aad, msg, ct, tag);
      if (t.result == Expect::valid) {
        EXPECT_TRUE(agrees) << t.label();
      } else if (t.result == Expect::invalid) {
        EXPECT_FALSE(agrees) << t.label();
        Bytes back = ct;
        EXPECT_FALSE(aes_gcm_open(key, iv, aad, back, tag)) << t.label();
      }
      ++ran;
    }
  }
  EXPECT_EQ(ran + skipped, f.number_of_tests);
  EXPECT_GT(ran, 100u);
}

TEST(AesGcmKat, RejectsBadSizes) {
  Bytes key(16), iv(12), data(16);
  std::array<std::uint8_t, 16> tag{};
  EXPECT_FALSE(aes_gcm_seal(Bytes(15), iv, {}, data, tag));
  EXPECT_FALSE(aes_gcm_seal(key, Bytes(16), {}, data, tag));
  EXPECT_FALSE(aes_gcm_open(key, iv, {}, data, Bytes(12)));
}

// ---- AES-CTR ---------------------------------------------------------------------------

TEST(AesCtrKat, Sp800_38aF5) {
  const Bytes iv = hex_decode("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes pt = hex_decode(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b1"
      "7ad2b417be66c3710");
  struct Case {
    const char* name;
    const char* key;
    const char* ct;
  };
  const Case cases[] = {
      {"F.5.1/F.5.2 AES-128", "2b7e151628aed2a6abf7158809cf4f3c",
       "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe0"
       "3d1792170a0f3009cee"},
      {"F.5.3/F.5.4 AES-192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
       "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d2980"
       "9585a97daec58c6b050"},
      {"F.5.5/F.5.6 AES-256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
       "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aa"
       "da613c2dd08457941a6"},
  };
  for (const auto& c : cases) {
    Bytes key = hex_decode(c.key), buf = pt;
    ASSERT_TRUE(aes_ctr_xor(key, iv, buf)) << c.name;
    EXPECT_EQ(hex_encode(buf), c.ct) << c.name;
    ASSERT_TRUE(aes_ctr_xor(key, iv, buf)) << c.name;  // decryption is the same operation
    EXPECT_EQ(buf, pt) << c.name;
  }
  Bytes buf(16);
  EXPECT_FALSE(aes_ctr_xor(Bytes(20), iv, buf));
  EXPECT_FALSE(aes_ctr_xor(Bytes(16), Bytes(12), buf));
}

// ---- ChaCha20 and Poly1305 -------------------------------------------------------------

TEST(ChaCha20Kat, Rfc8439) {
  for (const auto& v : skiff::test::rfc8439::kChacha) {
    Bytes expected = hex_decode(v.output);
    Bytes buf = *v.input ? hex_decode(v.input) : Bytes(expected.size(), 0);
    ASSERT_TRUE(chacha20_xor(hex_decode(v.key), v.counter, hex_decode(v.nonce), buf)) << v.name;
    EXPECT_EQ(hex_encode(buf), v.output) << v.name;
  }
  Bytes buf(64);
  EXPECT_FALSE(chacha20_xor(Bytes(16), 0, Bytes(12), buf));
  EXPECT_FALSE(chacha20_xor(Bytes(32), 0, Bytes(8), buf));
}

TEST(ChaCha20Kat, KeystreamIsContinuousAcrossBlocks) {
  // One call over 5 blocks from counter 3 equals five calls of one block each.
  Bytes key = hex_decode(skiff::test::rfc8439::kChacha[0].key), nonce(12, 0x42);
  key[7] = 9;
  Bytes whole(320, 0);
  ASSERT_TRUE(chacha20_xor(key, 3, nonce, whole));
  for (std::uint32_t b = 0; b < 5; ++b) {
    Bytes one(64, 0);
    ASSERT_TRUE(chacha20_xor(key, 3 + b, nonce, one));
    EXPECT_TRUE(std::equal(one.begin(), one.end(), whole.begin() + 64 * b)) << b;
  }
}

TEST(Poly1305Kat, Rfc8439) {
  for (const auto& v : skiff::test::rfc8439::kPoly1305) {
    std::array<std::uint8_t, 16> tag{};
    ASSERT_TRUE(poly1305(hex_decode(v.key), hex_decode(v.msg), tag)) << v.name;
    EXPECT_EQ(hex_encode(tag), v.tag) << v.name;
  }
  std::array<std::uint8_t, 16> tag{};
  EXPECT_FALSE(poly1305(Bytes(16), Bytes(3), tag));
}

namespace {

// AEAD_CHACHA20_POLY1305 of RFC 8439 2.8, from the primitives. Returns the tag and
// transforms data in place (encrypting or decrypting per `encrypt`; the tag always
// covers the ciphertext).
std::array<std::uint8_t, 16> rfc8439_aead(const Bytes& key, const Bytes& nonce, const Bytes& aad, Bytes& data,
                                          bool encrypt) {
  Bytes otk(32, 0);
  EXPECT_TRUE(chacha20_xor(key, 0, nonce, otk));
  if (encrypt) {
    EXPECT_TRUE(chacha20_xor(key, 1, nonce, data));
  }
  const Bytes& ct = data;
  Bytes mac_data = aad;
  mac_data.resize((mac_data.size() + 15) / 16 * 16, 0);
  mac_data.insert(mac_data.end(), ct.begin(), ct.end());
  mac_data.resize((mac_data.size() + 15) / 16 * 16, 0);
  for (std::uint64_t len : {std::uint64_t{aad.size()}, std::uint64_t{ct.size()}})
    for (int i = 0; i < 8; ++i) mac_data.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  std::array<std::uint8_t, 16> tag{};
  EXPECT_TRUE(poly1305(otk, mac_data, tag));
  if (!encrypt) {
    EXPECT_TRUE(chacha20_xor(key, 1, nonce, data));
  }
  return tag;
}

}  // namespace

TEST(ChaCha20Poly1305Kat, Rfc8439Aead) {
  for (const auto& v : skiff::test::rfc8439::kAead) {
    Bytes key = hex_decode(v.key), nonce = hex_decode(v.nonce), aad = hex_decode(v.aad);
    Bytes buf = hex_decode(v.plaintext);
    auto tag = rfc8439_aead(key, nonce, aad, buf, true);
    EXPECT_EQ(hex_encode(buf), v.ciphertext) << v.name;
    EXPECT_EQ(hex_encode(tag), v.tag) << v.name;
    buf = hex_decode(v.ciphertext);
    tag = rfc8439_aead(key, nonce, aad, buf, false);
    EXPECT_EQ(hex_encode(buf), v.plaintext) << v.name;
    EXPECT_EQ(hex_encode(tag), v.tag) << v.name;
  }
}

TEST(ChaCha20Poly1305Kat, WycheproofPrimitives) {
  auto f = skiff::test::load_wycheproof("chacha20_poly1305_test.json");
  std::size_t ran = 0, skipped = 0;
  for (const auto& g : f.groups) {
    if (g.int_attr("ivSize") != 96 || g.int_attr("keySize") != 256 || g.int_attr("tagSize") != 128) {
      skipped += g.tests.size();
      continue;
    }
    for (const auto& t : g.tests) {
      Bytes key = t.hex("key"), iv = t.hex("iv"), aad = t.hex("aad"), msg = t.hex("msg"), ct = t.hex("ct"),
            tag = t.hex("tag");
      Bytes buf = msg;
      auto sealed_tag = rfc8439_aead(key, iv, aad, buf, true);
      bool agrees = buf == ct && equal_constant_time(sealed_tag, tag);
      Bytes back = ct;
      auto opened_tag = rfc8439_aead(key, iv, aad, back, false);
      bool opens = equal_constant_time(opened_tag, tag) && back == msg;
      if (t.result == Expect::valid) {
        EXPECT_TRUE(agrees && opens) << t.label();
      } else if (t.result == Expect::invalid) {
        EXPECT_FALSE(opens) << t.label();
      }
      ++ran;
    }
  }
  EXPECT_EQ(ran + skipped, f.number_of_tests);
  EXPECT_GT(ran, 100u);
}
