// Known answers for the signature algorithms behind ssh-ed25519, ecdsa-sha2-nistp* and
// rsa-sha2-256/512: RFC 8032 and RFC 6979 vectors, Wycheproof's edge cases, and round
// trips through every key type.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "crypto/signature.hpp"
#include "wycheproof.hpp"

using skiff::Errc;
using skiff::crypto::HashAlg;
using skiff::crypto::KeyType;
using skiff::crypto::PrivateKey;
using skiff::crypto::PublicKey;
using skiff::test::Bytes;
using skiff::test::Expect;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

template <class Alloc>
std::string hex_of(const std::vector<std::uint8_t, Alloc>& b) {
  return hex_encode(std::span(b.data(), b.size()));
}

struct Ed25519Vector {
  const char* name;
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 section 7.1.
const Ed25519Vector kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
     "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
     "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
     "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
     "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
     "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
     "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
     "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
     "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
     "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
     "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
     "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
     "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
     "c60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
     "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

}  // namespace

TEST(Ed25519Kat, Rfc8032Section71) {
  for (const auto& v : kRfc8032) {
    auto key = PrivateKey::ed25519(hex_decode(v.secret));
    ASSERT_TRUE(key) << v.name;
    EXPECT_EQ(key->type(), KeyType::ed25519);
    EXPECT_EQ(hex_encode(key->public_key().raw_public()), v.public_key) << v.name;
    EXPECT_EQ(hex_of(key->ed25519_seed()), v.secret) << v.name;
    Bytes msg = hex_decode(v.message);
    auto sig = key->sign(msg);
    ASSERT_TRUE(sig) << v.name;
    EXPECT_EQ(hex_encode(*sig), v.signature) << v.name;  // Ed25519 is deterministic

    auto pub = PublicKey::ed25519(hex_decode(v.public_key));
    ASSERT_TRUE(pub) << v.name;
    EXPECT_TRUE(pub->verify(msg, hex_decode(v.signature))) << v.name;
    Bytes other = msg;
    other.push_back(0);
    auto bad = pub->verify(other, hex_decode(v.signature));
    ASSERT_FALSE(bad) << v.name;
    EXPECT_EQ(bad.error().code, Errc::signature_invalid);
  }
}

TEST(Ed25519Kat, Wycheproof) {
  auto file = skiff::test::load_wycheproof("ed25519_test.json");
  std::size_t checked = 0, accepted = 0;
  for (const auto& group : file.groups) {
    auto pub = PublicKey::ed25519((*group.attributes)["publicKey"].hex("pk"));
    ASSERT_TRUE(pub);
    for (const auto& t : group.tests) {
      ++checked;
      auto r = pub->verify(t.hex("msg"), t.hex("sig"));
      if (t.result == Expect::valid) {
        EXPECT_TRUE(r) << t.label();
        accepted += r.has_value();
      } else if (t.result == Expect::invalid) {
        EXPECT_FALSE(r) << t.label();
      }
    }
  }
  EXPECT_EQ(checked, file.test_count());
  EXPECT_GT(accepted, 50u);
}

namespace {

// A strict DER reader for ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, as the
// test's own bridge from Wycheproof's DER to SSH's r || s. Only minimal encodings of
// non-negative integers pass; anything else yields nullopt.
std::optional<Bytes> der_to_raw(const Bytes& der, std::size_t size) {
  std::size_t pos = 0;
  auto length = [&](std::size_t& out) -> bool {
    if (pos >= der.size()) return false;
    std::uint8_t b = der[pos++];
    if (b < 0x80) {
      out = b;
      return true;
    }
    if (b != 0x81 || pos >= der.size()) return false;  // sizes here never need more
    out = der[pos++];
    return out >= 0x80;  // the long form only where the short one cannot be used
  };
  auto integer = [&](Bytes& raw) -> bool {
    std::size_t len = 0;
    if (pos >= der.size() || der[pos++] != 0x02 || !length(len) || len == 0 || len > der.size() - pos) return false;
    const std::uint8_t* p = der.data() + pos;
    pos += len;
    if (p[0] & 0x80) return false;                          // negative
    if (len > 1 && p[0] == 0 && !(p[1] & 0x80)) return false;  // superfluous zero
    if (p[0] == 0) {
      ++p;
      --len;
    }
    if (len > size) return false;  // longer than a scalar
    raw.insert(raw.end(), size - len, 0);
    raw.insert(raw.end(), p, p + len);
    return true;
  };
  std::size_t seq_len = 0;
  if (der.empty() || der[pos++] != 0x30 || !length(seq_len) || seq_len != der.size() - pos) return std::nullopt;
  Bytes raw;
  if (!integer(raw) || !integer(raw) || pos != der.size()) return std::nullopt;
  return raw;
}

void run_ecdsa_wycheproof(const char* name, KeyType type, std::size_t size) {
  auto file = skiff::test::load_wycheproof(name);
  std::size_t checked = 0, accepted = 0, unparsed = 0;
  for (const auto& group : file.groups) {
    auto pub = PublicKey::ecdsa(type, (*group.attributes)["publicKey"].hex("uncompressed"));
    ASSERT_TRUE(pub) << name << ": " << pub.error().to_string();
    for (const auto& t : group.tests) {
      ++checked;
      auto raw = der_to_raw(t.hex("sig"), size);
      if (!raw) {
        // Not DER, or r or s wider than a scalar: no SSH encoding carries it.
        EXPECT_NE(t.result, Expect::valid) << t.label();
        ++unparsed;
        continue;
      }
      auto r = pub->verify(t.hex("msg"), *raw);
      if (t.result == Expect::valid) {
        EXPECT_TRUE(r) << t.label() << ": " << r.error().to_string();
        accepted += r.has_value();
      } else if (t.result == Expect::invalid) {
        EXPECT_FALSE(r) << t.label();
      }
    }
  }
  EXPECT_EQ(checked, file.test_count());
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(unparsed, 50u);
}

}  // namespace

TEST(EcdsaKat, WycheproofP256Sha256) {
  run_ecdsa_wycheproof("ecdsa_secp256r1_sha256_test.json", KeyType::ecdsa_p256, 32);
}
TEST(EcdsaKat, WycheproofP384Sha384) {
  run_ecdsa_wycheproof("ecdsa_secp384r1_sha384_test.json", KeyType::ecdsa_p384, 48);
}
TEST(EcdsaKat, WycheproofP521Sha512) {
  run_ecdsa_wycheproof("ecdsa_secp521r1_sha512_test.json", KeyType::ecdsa_p521, 66);
}

TEST(EcdsaKat, Rfc6979A25) {
  const std::string x = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
  const std::string point =
      "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
      "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
  auto key = PrivateKey::ecdsa(KeyType::ecdsa_p256, hex_decode(x));
  ASSERT_TRUE(key);
  EXPECT_EQ(hex_encode(key->public_key().raw_public()), point);
  EXPECT_EQ(hex_of(key->ecdsa_scalar()), x);
  auto pub = PublicKey::ecdsa(KeyType::ecdsa_p256, hex_decode(point));
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->bits(), 256u);
  // The published deterministic signatures (SHA-256, messages "sample" and "test").
  Bytes sample = hex_decode(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  Bytes test = hex_decode(
      "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
      "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083");
  EXPECT_TRUE(pub->verify(bytes_of("sample"), sample));
  EXPECT_TRUE(pub->verify(bytes_of("test"), test));
  EXPECT_FALSE(pub->verify(bytes_of("test"), sample));
  // Our own signature is random (hedged), so it differs from RFC 6979's but verifies.
  auto sig = key->sign(bytes_of("sample"));
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_NE(*sig, sample);
  EXPECT_TRUE(pub->verify(bytes_of("sample"), *sig));
}

TEST(EcdsaKat, RejectsOutOfRangeAndWrongLengths) {
  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key);
  const PublicKey& pub = key->public_key();
  Bytes msg = bytes_of("hello");
  auto sig = key->sign(msg);
  ASSERT_TRUE(sig);
  ASSERT_TRUE(pub.verify(msg, *sig));
  const Bytes n = hex_decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  Bytes r(sig->begin(), sig->begin() + 32), s(sig->begin() + 32, sig->end());
  auto join = [](const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
  };
  EXPECT_FALSE(pub.verify(msg, join(Bytes(32, 0), s)));
  EXPECT_FALSE(pub.verify(msg, join(r, Bytes(32, 0))));
  EXPECT_FALSE(pub.verify(msg, join(n, s)));
  EXPECT_FALSE(pub.verify(msg, join(r, n)));
  EXPECT_FALSE(pub.verify(msg, join(Bytes(32, 0xff), s)));
  EXPECT_FALSE(pub.verify(msg, Bytes(sig->begin(), sig->end() - 1)));
  Bytes longer = *sig;
  longer.push_back(0);
  EXPECT_FALSE(pub.verify(msg, longer));
  Bytes zero_prefixed(sig->size() + 1, 0);
  std::copy(sig->begin(), sig->end(), zero_prefixed.begin() + 1);
  EXPECT_FALSE(pub.verify(msg, zero_prefixed));
  EXPECT_EQ(pub.verify(msg, join(n, s)).error().code, Errc::signature_invalid);
}

TEST(EcdsaKat, KeysFromScalarsAndPoints) {
  EXPECT_FALSE(PrivateKey::ecdsa(KeyType::ecdsa_p256, Bytes(32, 0)));
  EXPECT_FALSE(PrivateKey::ecdsa(KeyType::ecdsa_p256, Bytes(33, 1)));
  EXPECT_FALSE(PrivateKey::ecdsa(KeyType::rsa, Bytes(32, 1)));
  EXPECT_FALSE(PublicKey::ecdsa(KeyType::ed25519, Bytes(65, 4)));
  for (KeyType type : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
    auto key = PrivateKey::generate(type);
    ASSERT_TRUE(key);
    auto scalar = key->ecdsa_scalar();
    EXPECT_EQ(scalar.size(), skiff::crypto::ecdsa_scalar_size(type));
    auto again = PrivateKey::ecdsa(type, Bytes(scalar.begin(), scalar.end()));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->public_key().raw_public(), key->public_key().raw_public());
    Bytes point = key->public_key().raw_public();
    EXPECT_TRUE(PublicKey::ecdsa(type, point));
    point.back() ^= 1;
    EXPECT_FALSE(PublicKey::ecdsa(type, point)) << "off the curve";
    point.back() ^= 1;
    point[0] = 0x06;  // hybrid form
    EXPECT_FALSE(PublicKey::ecdsa(type, point));
  }
  // A P-256 point is not a P-384 key.
  auto p256 = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(p256);
  EXPECT_FALSE(PublicKey::ecdsa(KeyType::ecdsa_p384, p256->public_key().raw_public()));
}

namespace {

void run_rsa_wycheproof(const char* name, HashAlg hash) {
  auto file = skiff::test::load_wycheproof(name);
  std::size_t checked = 0, accepted = 0;
  for (const auto& group : file.groups) {
    const auto& pk = (*group.attributes)["publicKey"];
    auto pub = PublicKey::rsa(pk.hex("publicExponent"), pk.hex("modulus"));
    ASSERT_TRUE(pub) << name << ": " << pub.error().to_string();
    EXPECT_EQ(static_cast<long long>(pub->bits()), group.int_attr("keySize"));
    for (const auto& t : group.tests) {
      ++checked;
      auto r = pub->verify(t.hex("msg"), t.hex("sig"), hash);
      if (t.result == Expect::valid) {
        EXPECT_TRUE(r) << t.label() << ": " << r.error().to_string();
        accepted += r.has_value();
      } else if (t.result == Expect::invalid) {
        EXPECT_FALSE(r) << t.label();
      }
    }
  }
  EXPECT_EQ(checked, file.test_count());
  EXPECT_GT(accepted, 5u);
}

}  // namespace

TEST(RsaKat, Wycheproof2048Sha256) { run_rsa_wycheproof("rsa_signature_2048_sha256_test.json", HashAlg::sha256); }
TEST(RsaKat, Wycheproof2048Sha512) { run_rsa_wycheproof("rsa_signature_2048_sha512_test.json", HashAlg::sha512); }
TEST(RsaKat, Wycheproof3072Sha256) { run_rsa_wycheproof("rsa_signature_3072_sha256_test.json", HashAlg::sha256); }
TEST(RsaKat, Wycheproof4096Sha512) { run_rsa_wycheproof("rsa_signature_4096_sha512_test.json", HashAlg::sha512); }

TEST(RsaKat, GenerationLimitsAndHashes) {
  auto small = PrivateKey::generate(KeyType::rsa, 1024);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, Errc::invalid_argument);
  EXPECT_EQ(PrivateKey::generate(KeyType::rsa, 8200).error().code, Errc::invalid_argument);

  auto key = PrivateKey::generate(KeyType::rsa, 2048);
  ASSERT_TRUE(key);
  const PublicKey& pub = key->public_key();
  EXPECT_EQ(pub.bits(), 2048u);
  EXPECT_TRUE(pub.raw_public().empty());
  EXPECT_EQ(pub.rsa_components().n.size(), 256u);
  EXPECT_EQ(pub.rsa_components().e, (Bytes{0x01, 0x00, 0x01}));
  Bytes msg = bytes_of("exchange hash");

  auto s256 = key->sign(msg, HashAlg::sha256);
  auto s512 = key->sign(msg, HashAlg::sha512);
  ASSERT_TRUE(s256 && s512);
  EXPECT_EQ(s256->size(), 256u);
  EXPECT_TRUE(pub.verify(msg, *s256, HashAlg::sha256));
  EXPECT_TRUE(pub.verify(msg, *s512, HashAlg::sha512));
  EXPECT_FALSE(pub.verify(msg, *s256, HashAlg::sha512)) << "hash is part of the signature";
  EXPECT_FALSE(pub.verify(msg, *s512, HashAlg::sha256));

  // SHA-1 only on request, in both directions.
  auto s1 = key->sign(msg, HashAlg::sha1);
  ASSERT_FALSE(s1);
  EXPECT_EQ(s1.error().code, Errc::unsupported);
  auto s1_allowed = key->sign(msg, HashAlg::sha1, true);
  ASSERT_TRUE(s1_allowed);
  EXPECT_EQ(pub.verify(msg, *s1_allowed, HashAlg::sha1).error().code, Errc::unsupported);
  EXPECT_TRUE(pub.verify(msg, *s1_allowed, HashAlg::sha1, true));
  EXPECT_FALSE(key->sign(msg, HashAlg::sha384));

  // Length: longer than the modulus, or empty, is refused outright.
  Bytes longer = *s256;
  longer.insert(longer.begin(), 0);
  EXPECT_FALSE(pub.verify(msg, longer, HashAlg::sha256));
  EXPECT_FALSE(pub.verify(msg, Bytes{}, HashAlg::sha256));

  // Components round trip into an equivalent key.
  auto comps = key->rsa_components();
  auto pc = pub.rsa_components();
  auto v = [](const skiff::crypto::SecureBytes& b) { return Bytes(b.begin(), b.end()); };
  auto again = PrivateKey::rsa(pc.n, pc.e, v(comps.d), v(comps.p), v(comps.q), v(comps.iqmp));
  ASSERT_TRUE(again) << again.error().to_string();
  auto s = again->sign(msg, HashAlg::sha512);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, *s512) << "PKCS#1 v1.5 is deterministic";
  // Inconsistent components are refused: swapped primes break iqmp, a changed d breaks e*d.
  EXPECT_FALSE(PrivateKey::rsa(pc.n, pc.e, v(comps.d), v(comps.q), v(comps.p), v(comps.iqmp)));
  Bytes d = v(comps.d);
  d.back() ^= 2;
  EXPECT_FALSE(PrivateKey::rsa(pc.n, pc.e, d, v(comps.p), v(comps.q), v(comps.iqmp)));
}

TEST(RsaKat, PublicKeyLimits) {
  Bytes e{0x01, 0x00, 0x01};
  Bytes n1023(128, 0xff);
  n1023[0] = 0x7f;
  EXPECT_EQ(PublicKey::rsa(e, n1023).error().code, Errc::unsupported);
  Bytes n1024(128, 0xff);
  EXPECT_TRUE(PublicKey::rsa(e, n1024));
  Bytes n16384(2048, 0xff);
  EXPECT_TRUE(PublicKey::rsa(e, n16384));
  Bytes n16392(2049, 0xff);
  EXPECT_FALSE(PublicKey::rsa(e, n16392));
  EXPECT_FALSE(PublicKey::rsa(Bytes{1}, n1024)) << "e = 1";
  EXPECT_FALSE(PublicKey::rsa(Bytes{4}, n1024)) << "even e";
  Bytes even = n1024;
  even.back() = 0xfe;
  EXPECT_FALSE(PublicKey::rsa(e, even)) << "even n";
}

TEST(SignatureKat, RoundTripEveryType) {
  Bytes msg = bytes_of("session id and userauth request");
  for (KeyType type : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto key = PrivateKey::generate(type, 2048);
    ASSERT_TRUE(key) << static_cast<int>(type);
    EXPECT_EQ(key->type(), type);
    EXPECT_EQ(key->public_key().type(), type);
    auto sig = key->sign(msg);
    ASSERT_TRUE(sig);
    std::size_t expected_size = type == KeyType::ed25519 ? 64
                                : type == KeyType::rsa   ? 256
                                                         : 2 * skiff::crypto::ecdsa_scalar_size(type);
    EXPECT_EQ(sig->size(), expected_size);
    // A copy shares the key and outlives the original.
    std::optional<PublicKey> copy;
    {
      PublicKey original = key->public_key();
      copy.emplace(original);
    }
    EXPECT_TRUE(copy->verify(msg, *sig));
    PublicKey assigned = *copy;
    assigned = key->public_key();
    EXPECT_TRUE(assigned.verify(msg, *sig));
    Bytes tampered = *sig;
    tampered[tampered.size() / 2] ^= 0x10;
    EXPECT_FALSE(key->public_key().verify(msg, tampered));
    Bytes other = msg;
    other[0] ^= 1;
    EXPECT_FALSE(key->public_key().verify(other, *sig));
  }
  auto ed = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->public_key().bits(), 256u);
  EXPECT_EQ(ed->ed25519_seed().size(), 32u);
  EXPECT_TRUE(ed->ecdsa_scalar().empty());
  EXPECT_FALSE(PublicKey::ed25519(Bytes(31, 1)));
  EXPECT_FALSE(PrivateKey::ed25519(Bytes(33, 1)));
  auto p521 = PrivateKey::generate(KeyType::ecdsa_p521);
  ASSERT_TRUE(p521);
  EXPECT_EQ(p521->public_key().bits(), 521u);
}
