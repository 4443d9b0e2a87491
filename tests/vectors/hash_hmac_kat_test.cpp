// Known answers for the hashes and HMACs: FIPS 180 examples, RFC 2202 (HMAC-SHA1),
// RFC 4231 (HMAC-SHA2) and every Wycheproof HMAC case.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <string_view>
#include <vector>

#include "crypto/hash.hpp"
#include "wycheproof.hpp"

using namespace skiff::crypto;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes repeat(std::uint8_t b, std::size_t n) { return Bytes(n, b); }

constexpr std::string_view kAbc = "abc";
constexpr std::string_view kM448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view kM896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

struct HashCase {
  HashAlg alg;
  std::string_view msg;
  const char* hex;
};

// FIPS 180-2 Appendix A/B/C/D examples and the empty message.
const HashCase kHashCases[] = {
    {HashAlg::sha1, kAbc, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {HashAlg::sha1, kM448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {HashAlg::sha1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {HashAlg::sha256, kAbc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {HashAlg::sha256, kM448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {HashAlg::sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {HashAlg::sha384, kAbc,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {HashAlg::sha384, kM448,
     "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b"},
    {HashAlg::sha384, kM896,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"},
    {HashAlg::sha512, kAbc,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d44236"
     "43ce80e2a9ac94fa54ca49f"},
    {HashAlg::sha512, kM448,
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a"
     "71dd70354ec631238ca3445"},
    {HashAlg::sha512, kM896,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb"
     "6dd26545e96e55b874be909"},
};

}  // namespace

TEST(HashKat, Fips180Examples) {
  for (const auto& c : kHashCases) {
    EXPECT_EQ(hex_encode(hash(c.alg, bytes_of(c.msg))), c.hex) << c.msg;
    EXPECT_EQ(hash(c.alg, bytes_of(c.msg)).size(), hash_size(c.alg));
  }
}

TEST(HashKat, MillionA) {
  // FIPS 180 long-message example, fed in uneven pieces to exercise update().
  Hash h(HashAlg::sha256);
  Bytes chunk(997, 'a');
  std::size_t left = 1000000;
  while (left) {
    std::size_t n = std::min(left, chunk.size());
    h.update(ByteView(chunk).first(n));
    left -= n;
  }
  EXPECT_EQ(hex_encode(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(HashKat, IncrementalResetAndMove) {
  for (const auto& c : kHashCases) {
    Hash h(c.alg);
    h.update(bytes_of("garbage to be discarded"));
    h.reset();
    Bytes m = bytes_of(c.msg);
    for (std::size_t i = 0; i < m.size(); ++i) h.update(ByteView(m).subspan(i, 1));
    Hash moved(std::move(h));
    EXPECT_EQ(hex_encode(moved.finish()), c.hex);
    // finish() resets, so the same object hashes again from scratch.
    moved.update(m);
    EXPECT_EQ(hex_encode(moved.finish()), c.hex);
  }
}

TEST(HmacKat, Rfc4231) {
  const Bytes k20b = repeat(0x0b, 20), k131 = repeat(0xaa, 131);
  Bytes k25(25);
  for (std::size_t i = 0; i < 25; ++i) k25[i] = static_cast<std::uint8_t>(i + 1);
  struct Case {
    Bytes key, data;
    const char *h256, *h384, *h512;
  };
  const std::vector<Case> cases = {
      {k20b, bytes_of("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914ee"
       "b61f1702e696c203a126854"},
      {bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34"
       "d4a6b4b636e070a38bce737"},
      {repeat(0xaa, 20), repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337b"
       "ee8942674278859e13292fb"},
      {k25, repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f197411"
       "20c4f2de2adebeb10a298dd"},
      // Test case 5 is published truncated to 128 bits: compare that prefix only.
      {repeat(0x0c, 20), bytes_of("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b",
       "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6"},
      {k131, bytes_of("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f"
       "63f0aec8b915a985d786598"},
      {k131,
       bytes_of("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
                "to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6"
       "de0446065c97440fa8c6a58"},
  };
  int n = 0;
  for (const auto& c : cases) {
    ++n;
    for (auto [alg, want] : {std::pair{HashAlg::sha256, c.h256}, {HashAlg::sha384, c.h384}, {HashAlg::sha512, c.h512}}) {
      Hmac h(alg, c.key);
      std::string got = hex_encode(h.compute(c.data));
      EXPECT_EQ(got.substr(0, std::string_view(want).size()), want) << "RFC 4231 case " << n;
      // A keyed context must give the same answer every time it is reused.
      EXPECT_EQ(hex_encode(h.compute(c.data)), got);
    }
  }
}

TEST(HmacKat, Rfc2202Sha1) {
  Bytes k25(25);
  for (std::size_t i = 0; i < 25; ++i) k25[i] = static_cast<std::uint8_t>(i + 1);
  const std::vector<std::tuple<Bytes, Bytes, const char*>> cases = {
      {repeat(0x0b, 20), bytes_of("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"},
      {bytes_of("Jefe"), bytes_of("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {repeat(0xaa, 20), repeat(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {k25, repeat(0xcd, 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {repeat(0x0c, 20), bytes_of("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
      {repeat(0xaa, 80), bytes_of("Test Using Larger Than Block-Size Key - Hash Key First"),
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {repeat(0xaa, 80), bytes_of("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  for (const auto& [key, data, want] : cases) {
    Hmac h(HashAlg::sha1, key);
    EXPECT_EQ(hex_encode(h.compute(data)), want);
  }
}

TEST(HmacKat, PartsEqualConcatenation) {
  Hmac h(HashAlg::sha256, bytes_of("key"));
  Bytes whole = bytes_of("seq-and-packet-bytes");
  ByteView v(whole);
  const ByteView parts[] = {v.first(3), v.subspan(3, 0), v.subspan(3)};
  Bytes out(h.size());
  h.compute(parts, out);
  EXPECT_EQ(out, h.compute(whole));
  Hmac moved(std::move(h));
  EXPECT_EQ(out, moved.compute(whole));
}

namespace {

void run_wycheproof_hmac(const char* file, HashAlg alg) {
  auto f = skiff::test::load_wycheproof(file);
  std::size_t ran = 0;
  for (const auto& g : f.groups) {
    std::size_t tag_bytes = static_cast<std::size_t>(g.int_attr("tagSize")) / 8;
    for (const auto& t : g.tests) {
      Bytes key = t.hex("key"), msg = t.hex("msg"), tag = t.hex("tag");
      Bytes full = Hmac(alg, key).compute(msg);
      // Groups with a short tagSize use HMAC truncated to its leftmost bytes.
      bool match = tag.size() == tag_bytes && tag_bytes <= full.size() &&
                   equal_constant_time(ByteView(full).first(tag_bytes), tag);
      if (t.result == skiff::test::Expect::valid) {
        EXPECT_TRUE(match) << file << " " << t.label();
      } else if (t.result == skiff::test::Expect::invalid) {
        EXPECT_FALSE(match) << file << " " << t.label();
      }
      ++ran;
    }
  }
  EXPECT_EQ(ran, f.number_of_tests);
}

}  // namespace

TEST(HmacKat, WycheproofSha1) { run_wycheproof_hmac("hmac_sha1_test.json", HashAlg::sha1); }
TEST(HmacKat, WycheproofSha256) { run_wycheproof_hmac("hmac_sha256_test.json", HashAlg::sha256); }
TEST(HmacKat, WycheproofSha512) { run_wycheproof_hmac("hmac_sha512_test.json", HashAlg::sha512); }
