// Finite-field Diffie-Hellman for diffie-hellman-group{1,14,16,18}-sha* and group
// exchange: the published groups, agreement between two keys, and the refusal of the
// degenerate peer values 0, 1, p-1 and anything not below p.
#include <gtest/gtest.h>

#include <stdexcept>

#include "crypto/kex_math.hpp"
#include "wycheproof.hpp"

using skiff::crypto::DhGroup;
using skiff::crypto::DhKey;
using skiff::crypto::modp_group;
using skiff::crypto::validate_dh_group;
using skiff::test::Bytes;
using skiff::test::hex_encode;

namespace {

// Big-endian p - k for small k (no borrow past the last bytes for these primes).
Bytes minus(Bytes v, std::uint8_t k) {
  for (std::size_t i = v.size(); i-- > 0;) {
    std::uint8_t old = v[i];
    v[i] = static_cast<std::uint8_t>(old - k);
    if (old >= k) break;
    k = 1;
  }
  return v;
}

Bytes plus(Bytes v, std::uint8_t k) {
  for (std::size_t i = v.size(); i-- > 0 && k;) {
    unsigned sum = v[i] + k;
    v[i] = static_cast<std::uint8_t>(sum);
    k = static_cast<std::uint8_t>(sum >> 8);
  }
  if (k) v.insert(v.begin(), k);
  return v;
}

}  // namespace

TEST(DhKat, PublishedGroups) {
  struct Case {
    int number;
    std::size_t bits;
  };
  for (Case c : {Case{1, 1024}, Case{14, 2048}, Case{16, 4096}, Case{18, 8192}}) {
    const DhGroup& g = modp_group(c.number);
    EXPECT_EQ(g.bits(), c.bits) << c.number;
    EXPECT_EQ(g.p.size(), c.bits / 8) << c.number;
    EXPECT_EQ(g.g, Bytes{2}) << c.number;
    // Every one of these primes starts with 64 one bits, then pi's digits, and ends
    // with 64 one bits (RFC 2409 6.2, RFC 3526).
    std::string hex = hex_encode(g.p);
    EXPECT_EQ(hex.substr(0, 24), "ffffffffffffffffc90fdaa2") << c.number;
    EXPECT_EQ(hex.substr(hex.size() - 16), "ffffffffffffffff") << c.number;
    EXPECT_TRUE(validate_dh_group(g, 1024, false)) << c.number;
  }
  EXPECT_EQ(hex_encode(modp_group(14).p).substr(512 - 32), "15728e5a8aacaa68ffffffffffffffff");
  EXPECT_EQ(&modp_group(14), &modp_group(14));
  EXPECT_THROW(modp_group(2), std::invalid_argument);
  EXPECT_THROW(modp_group(15), std::invalid_argument);
  EXPECT_THROW(modp_group(0), std::invalid_argument);
}

TEST(DhKat, PublishedGroupsAreSafePrimes) {
  EXPECT_TRUE(validate_dh_group(modp_group(1), 1024, true));
  EXPECT_TRUE(validate_dh_group(modp_group(14), 2048, true));
  // Groups 16 and 18 pass too, but their primality tests take seconds each.
}

TEST(DhKat, RoundTripGivesEqualSecrets) {
  struct Case {
    int number;
    std::size_t exponent_bits;
  };
  for (Case c : {Case{1, 320}, Case{14, 512}, Case{14, 0}, Case{16, 1024}, Case{18, 1024}, Case{18, 256}}) {
    const DhGroup& g = modp_group(c.number);
    auto a = DhKey::generate(g, c.exponent_bits);
    auto b = DhKey::generate(g, c.exponent_bits);
    ASSERT_TRUE(a) << c.number << ": " << a.error().to_string();
    ASSERT_TRUE(b) << c.number << ": " << b.error().to_string();
    EXPECT_LE(a->public_value().size(), g.p.size());
    EXPECT_NE(a->public_value(), b->public_value());
    auto k1 = a->derive(b->public_value());
    auto k2 = b->derive(a->public_value());
    ASSERT_TRUE(k1) << k1.error().to_string();
    ASSERT_TRUE(k2) << k2.error().to_string();
    EXPECT_TRUE(std::equal(k1->begin(), k1->end(), k2->begin(), k2->end())) << c.number;
    ASSERT_FALSE(k1->empty());
    EXPECT_NE((*k1)[0], 0) << "K must be the magnitude without leading zeros";
    EXPECT_LE(k1->size(), g.p.size());
    // Leading zero bytes on the peer's value do not change it.
    Bytes padded(3, 0);
    padded.insert(padded.end(), b->public_value().begin(), b->public_value().end());
    auto k3 = a->derive(padded);
    ASSERT_TRUE(k3);
    EXPECT_TRUE(std::equal(k1->begin(), k1->end(), k3->begin(), k3->end()));
  }
}

TEST(DhKat, DegeneratePeerValuesRejected) {
  for (int number : {1, 14}) {
    const DhGroup& g = modp_group(number);
    auto key = DhKey::generate(g, 512);
    ASSERT_TRUE(key);
    EXPECT_FALSE(key->derive(Bytes{})) << "0";
    EXPECT_FALSE(key->derive(Bytes{0})) << "0";
    EXPECT_FALSE(key->derive(Bytes{1})) << "1";
    EXPECT_FALSE(key->derive(Bytes{0, 0, 1})) << "1";
    EXPECT_FALSE(key->derive(minus(g.p, 1))) << "p-1";
    EXPECT_FALSE(key->derive(g.p)) << "p";
    EXPECT_FALSE(key->derive(plus(g.p, 1))) << "p+1";
    Bytes big(g.p.size() + 1, 0);
    big[0] = 1;
    EXPECT_FALSE(key->derive(big)) << "2^bits";
    EXPECT_FALSE(key->derive(Bytes(g.p.size(), 0xff))) << "2^bits - 1";
    EXPECT_TRUE(key->derive(Bytes{2})) << "2 (the generator) is a legal value";
    auto err = key->derive(Bytes{1});
    EXPECT_EQ(err.error().code, skiff::Errc::kex_failed);
  }
}

TEST(DhKat, ValidateRejectsBadGroups) {
  const DhGroup& g14 = modp_group(14);
  EXPECT_TRUE(validate_dh_group(g14, 2048, false));
  EXPECT_FALSE(validate_dh_group(g14, 3072, false)) << "too small for the request";
  EXPECT_FALSE(validate_dh_group(DhGroup{minus(g14.p, 1), Bytes{2}}, 2048, false)) << "even p";
  EXPECT_FALSE(validate_dh_group(DhGroup{g14.p, Bytes{1}}, 2048, false)) << "g = 1";
  EXPECT_FALSE(validate_dh_group(DhGroup{g14.p, Bytes{}}, 2048, false)) << "g = 0";
  EXPECT_FALSE(validate_dh_group(DhGroup{g14.p, minus(g14.p, 1)}, 2048, false)) << "g = p-1";
  EXPECT_FALSE(validate_dh_group(DhGroup{g14.p, g14.p}, 2048, false)) << "g = p";
  EXPECT_TRUE(validate_dh_group(DhGroup{g14.p, Bytes{5}}, 2048, false));
  // p - 2 is odd and of the same size, but not a (safe) prime.
  EXPECT_TRUE(validate_dh_group(DhGroup{minus(g14.p, 2), Bytes{2}}, 2048, false));
  EXPECT_FALSE(validate_dh_group(DhGroup{minus(g14.p, 2), Bytes{2}}, 2048, true));
  Bytes huge(16384 / 8 + 1, 0xff);
  EXPECT_FALSE(validate_dh_group(DhGroup{huge, Bytes{2}}, 2048, true)) << "over 16384 bits";
}
