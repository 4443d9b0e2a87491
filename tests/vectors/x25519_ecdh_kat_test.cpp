// Known answers for the key agreement behind curve25519-sha256 and ecdh-sha2-nistp*:
// RFC 7748 for X25519, Wycheproof for both (low-order points, points off the curve,
// invalid encodings).
#include <gtest/gtest.h>

#include <string>

#include "crypto/kex_math.hpp"
#include "wycheproof.hpp"

using skiff::crypto::Curve;
using skiff::crypto::EcdhKey;
using skiff::test::Bytes;
using skiff::test::Expect;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

std::string hex_of(const skiff::crypto::SecureBytes& b) { return hex_encode(std::span(b.data(), b.size())); }

std::string x25519(const std::string& scalar_hex, const std::string& u_hex) {
  auto key = EcdhKey::from_private(Curve::x25519, hex_decode(scalar_hex));
  EXPECT_TRUE(key) << key.error().to_string();
  if (!key) return {};
  auto k = key->derive(hex_decode(u_hex));
  EXPECT_TRUE(k) << k.error().to_string();
  return k ? hex_of(*k) : std::string{};
}

}  // namespace

TEST(X25519Kat, Rfc7748Section52) {
  EXPECT_EQ(x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                   "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  // The u-coordinate's top bit is set here: it must be masked, not rejected.
  EXPECT_EQ(x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                   "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

TEST(X25519Kat, Rfc7748Section52Iterated) {
  std::string k = "0900000000000000000000000000000000000000000000000000000000000000";
  std::string u = k;
  for (int i = 1; i <= 1000; ++i) {
    std::string out = x25519(k, u);
    u = k;
    k = out;
    if (i == 1) {
      EXPECT_EQ(k, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(k, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST(X25519Kat, Rfc7748Section61) {
  auto alice = EcdhKey::from_private(Curve::x25519,
                                     hex_decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto bob = EcdhKey::from_private(Curve::x25519,
                                   hex_decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(hex_encode(alice->public_value()), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(hex_encode(bob->public_value()), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto k1 = alice->derive(bob->public_value());
  auto k2 = bob->derive(alice->public_value());
  ASSERT_TRUE(k1 && k2);
  EXPECT_EQ(hex_of(*k1), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(hex_of(*k2), hex_of(*k1));
}

TEST(X25519Kat, WrongSizesAndLowOrderRejected) {
  auto key = EcdhKey::generate(Curve::x25519);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->public_value().size(), 32u);
  EXPECT_FALSE(key->derive(Bytes(31, 9)));
  EXPECT_FALSE(key->derive(Bytes(33, 9)));
  EXPECT_FALSE(key->derive(Bytes{}));
  EXPECT_FALSE(key->derive(Bytes(32, 0)));  // u = 0: low order, all-zero result
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_FALSE(key->derive(one));  // u = 1: low order
  EXPECT_FALSE(EcdhKey::from_private(Curve::x25519, Bytes(31, 1)));
}

TEST(X25519Kat, Wycheproof) {
  auto file = skiff::test::load_wycheproof("x25519_test.json");
  std::size_t checked = 0, zero_rejected = 0;
  for (const auto& group : file.groups) {
    ASSERT_EQ(group.str_attr("curve"), "curve25519");
    for (const auto& t : group.tests) {
      ++checked;
      auto key = EcdhKey::from_private(Curve::x25519, t.hex("private"));
      ASSERT_TRUE(key) << t.label();
      auto k = key->derive(t.hex("public"));
      // An all-zero result is what a low-order point gives; SSH must refuse it (RFC 8731 3).
      if (t.result == Expect::invalid || t.has_flag("ZeroSharedSecret")) {
        EXPECT_FALSE(k) << t.label();
        zero_rejected += !k;
        continue;
      }
      // valid, and acceptable non-canonical or twist points: RFC 7748 computes them.
      ASSERT_TRUE(k) << t.label() << ": " << k.error().to_string();
      EXPECT_EQ(hex_of(*k), t.str("shared")) << t.label();
    }
  }
  EXPECT_EQ(checked, file.test_count());
  EXPECT_GE(zero_rejected, 20u);
}

namespace {

void run_ecdh_wycheproof(const char* name, Curve curve, const char* curve_name, std::size_t field) {
  auto file = skiff::test::load_wycheproof(name);
  std::size_t checked = 0, valid = 0, rejected = 0;
  for (const auto& group : file.groups) {
    ASSERT_EQ(group.str_attr("curve"), curve_name);
    for (const auto& t : group.tests) {
      ++checked;
      auto key = EcdhKey::from_private(curve, t.hex("private"));
      ASSERT_TRUE(key) << t.label() << ": " << key.error().to_string();
      auto k = key->derive(t.hex("public"));
      if (t.result == Expect::invalid) {
        EXPECT_FALSE(k) << t.label();
        rejected += !k;
      } else if (k) {
        EXPECT_EQ(k->size(), field) << t.label();
        EXPECT_EQ(hex_of(*k), t.str("shared")) << t.label();
        valid += t.result == Expect::valid;
      } else {
        // Only compressed points may be refused among the non-invalid cases: SSH sends
        // uncompressed points only.
        EXPECT_EQ(t.result, Expect::acceptable) << t.label();
        EXPECT_TRUE(t.has_flag("CompressedPublic") || t.has_flag("CompressedPoint")) << t.label();
      }
    }
  }
  EXPECT_EQ(checked, file.test_count());
  EXPECT_GT(valid, 0u);
  EXPECT_GT(rejected, 0u);
}

}  // namespace

TEST(EcdhKat, WycheproofP256) { run_ecdh_wycheproof("ecdh_secp256r1_ecpoint_test.json", Curve::p256, "secp256r1", 32); }
TEST(EcdhKat, WycheproofP384) { run_ecdh_wycheproof("ecdh_secp384r1_ecpoint_test.json", Curve::p384, "secp384r1", 48); }
TEST(EcdhKat, WycheproofP521) { run_ecdh_wycheproof("ecdh_secp521r1_ecpoint_test.json", Curve::p521, "secp521r1", 66); }

TEST(EcdhKat, RoundTripAndShapes) {
  for (auto [curve, field] : {std::pair{Curve::p256, 32u}, std::pair{Curve::p384, 48u}, std::pair{Curve::p521, 66u},
                              std::pair{Curve::x25519, 32u}}) {
    auto a = EcdhKey::generate(curve);
    auto b = EcdhKey::generate(curve);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->curve(), curve);
    if (curve != Curve::x25519) {
      EXPECT_EQ(a->public_value().size(), 1 + 2 * field);
      EXPECT_EQ(a->public_value()[0], 0x04);
    }
    auto k1 = a->derive(b->public_value());
    auto k2 = b->derive(a->public_value());
    ASSERT_TRUE(k1 && k2);
    EXPECT_EQ(k1->size(), field);
    EXPECT_EQ(hex_of(*k1), hex_of(*k2));

    if (curve == Curve::x25519) continue;
    Bytes pub = a->public_value();
    // Truncated, extended, compressed, and off-curve points are refused.
    EXPECT_FALSE(b->derive(Bytes(pub.begin(), pub.end() - 1)));
    Bytes longer = pub;
    longer.push_back(0);
    EXPECT_FALSE(b->derive(longer));
    Bytes compressed(pub.begin(), pub.begin() + 1 + static_cast<std::ptrdiff_t>(field));
    compressed[0] = static_cast<std::uint8_t>(2 + (pub.back() & 1));
    EXPECT_FALSE(b->derive(compressed));
    Bytes off = pub;
    off.back() ^= 1;
    EXPECT_FALSE(b->derive(off));
    EXPECT_FALSE(b->derive(Bytes(1 + 2 * field, 0)));  // "0x00 ..." is no point
  }
}

TEST(EcdhKat, PrivateScalarRange) {
  EXPECT_FALSE(EcdhKey::from_private(Curve::p256, Bytes(32, 0)));
  // The P-256 group order itself is out of range.
  EXPECT_FALSE(EcdhKey::from_private(
      Curve::p256, hex_decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")));
  EXPECT_TRUE(EcdhKey::from_private(
      Curve::p256, hex_decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550")));
  EXPECT_FALSE(EcdhKey::from_private(Curve::p256, Bytes(33, 1)));
}
