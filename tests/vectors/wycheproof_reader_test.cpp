// The JSON reader behind every Wycheproof test: if it mis-reads a file, whole test
// groups would silently vanish, so every file's declared test count is checked.
#include <gtest/gtest.h>

#include <stdexcept>

#include "wycheproof.hpp"

using namespace skiff::test;

TEST(WycheproofReader, ParsesValues) {
  Json j = parse_json(R"( {"a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {}} )");
  const auto& a = j["a"].as_array();
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].as_int(), 1);
  EXPECT_DOUBLE_EQ(a[1].as_double(), -2500.0);
  EXPECT_TRUE(a[2].as_bool());
  EXPECT_FALSE(a[3].as_bool());
  EXPECT_TRUE(a[4].is_null());
  EXPECT_EQ(j["s"].as_string(), "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_TRUE(j["o"].is_object());
  EXPECT_EQ(j.find("missing"), nullptr);
  EXPECT_THROW(j["missing"], std::runtime_error);
  EXPECT_THROW(a[1].as_int(), std::runtime_error);
}

TEST(WycheproofReader, RejectsMalformed) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\ud800\"", "[1] 2", "\"a\nb\"", "tru", "-", "012", "1.", ".5"})
    EXPECT_THROW(parse_json(bad), std::runtime_error) << bad;
  std::string deep(200, '[');
  EXPECT_THROW(parse_json(deep), std::runtime_error);
}

TEST(WycheproofReader, Hex) {
  EXPECT_EQ(hex_decode("00ff7A"), (Bytes{0x00, 0xff, 0x7a}));
  EXPECT_EQ(hex_encode(Bytes{0x00, 0xff, 0x7a}), "00ff7a");
  EXPECT_TRUE(hex_decode("").empty());
  EXPECT_THROW(hex_decode("abc"), std::runtime_error);
  EXPECT_THROW(hex_decode("zz"), std::runtime_error);
}

TEST(WycheproofReader, EveryFileMatchesItsDeclaredCount) {
  for (const char* name :
       {"aes_gcm_test.json", "chacha20_poly1305_test.json", "hmac_sha1_test.json", "hmac_sha256_test.json",
        "hmac_sha512_test.json", "x25519_test.json", "ed25519_test.json", "ecdsa_secp256r1_sha256_test.json",
        "ecdsa_secp384r1_sha384_test.json", "ecdsa_secp521r1_sha512_test.json", "ecdh_secp256r1_ecpoint_test.json",
        "ecdh_secp384r1_ecpoint_test.json", "ecdh_secp521r1_ecpoint_test.json", "rsa_signature_2048_sha256_test.json",
        "rsa_signature_2048_sha512_test.json", "rsa_signature_3072_sha256_test.json",
        "rsa_signature_4096_sha512_test.json", "mlkem_768_test.json", "mlkem_768_encaps_test.json",
        "mlkem_768_keygen_seed_test.json"}) {
    WycheproofFile f = load_wycheproof(name);
    EXPECT_FALSE(f.algorithm.empty()) << name;
    EXPECT_GT(f.test_count(), 0u) << name;
    EXPECT_EQ(f.test_count(), f.number_of_tests) << name;
  }
}
