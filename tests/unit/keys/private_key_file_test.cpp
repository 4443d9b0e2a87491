// The private key file dispatcher: PEM and PKCS#8 keys from OpenSSH 9.2's ssh-keygen
// (-m PEM / -m PKCS8, plain and encrypted) and its openssh-key-v1 keys load through
// one entry point, with the format, encryption and public part reported; saving in each
// format loads back.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "keys/private_key_file.hpp"
#include "keys/ssh_key.hpp"
#include "openssh_key_fixtures.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"

using skiff::Errc;
using skiff::crypto::KeyType;
using skiff::crypto::PrivateKey;
using skiff::keys::encode_public_blob;
using skiff::keys::load_private_key;
using skiff::keys::private_key_is_encrypted;
using skiff::keys::private_key_public_part;
using skiff::keys::PrivateKeyFormat;
using skiff::keys::save_private_key;
using skiff::wire::Bytes;
using skiff_test::kFixturePassphrase;
using skiff_test::kOpenSshFixtures;

namespace {

struct PemFixture {
  std::string_view name;
  PrivateKeyFormat format;
  bool encrypted;
  std::string_view private_key;  // ssh-keygen -m PEM|PKCS8, passphrase kFixturePassphrase
  std::string_view public_line;  // ssh-keygen -y
};

const PemFixture kPemFixtures[] = {
    {"pem_ec256_plain", PrivateKeyFormat::pem, false,
     R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIPeidmP2bYzmdBQeVP48ROzYU33L07btSZurzEkq25ASoAoGCCqGSM49
AwEHoUQDQgAExKVXK+K+6dXeMxa+5AI836x5o6xQcdkLPCkaPKyD8slC1fSn6h7i
+n+INada4ucRtRgYL8y1o/jghn/7yN/RMA==
-----END EC PRIVATE KEY-----
)",
     "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMSlVyvivunV3jMWvuQCPN+seaOsUHHZCzwpGjysg/LJQtX0p+oe4vp/iDWnWuLnEbUYGC/MtaP44IZ/+8jf0TA="},
    {"pem_ec384_enc", PrivateKeyFormat::pem, true,
     R"(-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,B0824E3ED85867BF42D325E8FB940E09

kY0kUBCoefvU9nWexfeZVQfqfaJUAftEAL1TLTKIIqHvkukBB8eJAMluSfnN+Zv7
nSH0iLmrVM/wooyeqjG2xJvR/S60YNHjI23j2NFaF1LoO9v6E3Zk32W6EjQAY+CC
MxBZKwee1fWFcYODbnYUvDGMH+EAsUiCtpvomMaoS+Qw8rLzA13tmkYjSx5Ffqfh
ChdLfXmNb+f+cPEKQX6osQkw/zn8NMeFhT9iVIFQer0=
-----END EC PRIVATE KEY-----
)",
     "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBDLKWdNYcf1PIUX0xI4fNqXRiF9XuzoD3Nsnef6ppTTxA7uiy90A8tMJ7GVcQhG/BeIUMEcbrKy1Kq5P5yt6M5wdxy7Dp63RZZpStgTuRq4eb/Df2WHHjFIPyGC4BhiL8A=="},
    {"pem_p8_ec256_plain", PrivateKeyFormat::pkcs8, false,
     R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHqwmEpJFrYi2Rzmz
VlkdFyt6Onz+Zc4yM3ZboNMTKBmhRANCAASGtUW8pHs6uBZNvxjZSjTnLZ/EzqdS
bJ24n0oDmabN8IsA7wkM8c3WcfXuWX/dOPct7W20fFMRUhhSSTP8gUwn
-----END PRIVATE KEY-----
)",
     "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIa1Rbykezq4Fk2/GNlKNOctn8TOp1JsnbifSgOZps3wiwDvCQzxzdZx9e5Zf9049y3tbbR8UxFSGFJJM/yBTCc="},
    {"pem_p8_ec256_enc", PrivateKeyFormat::pkcs8, true,
     R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgA6DjBKAGK2AICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEESFRlOZzHYH2qqtm5nHUL4EgZBm
6zZmDYtT0ZVy69lBKpT0puJ+BvNTNFy5HC0rtysB467cZxVd2F2hp581LGoRJEQL
J/m0Z/H8jXK+KM5IK2NsyLpcwN2Wku6uXFJoFeZ1D4cWU8kPNEcCtHYQTPjAH9d8
yB/C7JO24wXeuoug9lgkgv9W4bn7xEialUtWOyvPXBPjwq6dKIQI/vvwtZjVwGw=
-----END ENCRYPTED PRIVATE KEY-----
)",
     "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHoqaerGruClVU41IJz8bl0FMqSP93f2po3vEK4GHSHfJZUS5inGEPWesmH+PEZyrexGJt2TBuP+DkMjatXDtLw="},
};

Bytes blob_of(std::string_view public_line) {
  auto sp1 = public_line.find(' ');
  auto sp2 = public_line.find(' ', sp1 + 1);
  return skiff::wire::base64_decode(public_line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1))
      .value();
}

TEST(PrivateKeyFile, LoadsPemAndPkcs8FromSshKeygen) {
  for (const PemFixture& f : kPemFixtures) {
    EXPECT_EQ(private_key_is_encrypted(f.private_key), f.encrypted) << f.name;
    EXPECT_FALSE(private_key_public_part(f.private_key)) << f.name;
    auto key = load_private_key(f.private_key, f.encrypted ? kFixturePassphrase : "");
    ASSERT_TRUE(key) << f.name << ": " << key.error().to_string();
    EXPECT_EQ(key->format, f.format) << f.name;
    EXPECT_EQ(key->was_encrypted, f.encrypted) << f.name;
    EXPECT_EQ(key->comment, "") << f.name;
    EXPECT_EQ(encode_public_blob(key->key.public_key()), blob_of(f.public_line)) << f.name;
    if (f.encrypted) {
      for (std::string_view wrong : {"", "wrong"}) {
        auto r = load_private_key(f.private_key, wrong);
        ASSERT_FALSE(r) << f.name;
        EXPECT_EQ(r.error().code, Errc::bad_passphrase) << f.name << ": " << r.error().to_string();
      }
    }
  }
}

TEST(PrivateKeyFile, LoadsOpenSshKeys) {
  for (const auto& f : kOpenSshFixtures) {
    const bool encrypted = f.cipher != "none";
    EXPECT_EQ(private_key_is_encrypted(f.private_key), encrypted) << f.name;
    auto pub = private_key_public_part(f.private_key);
    ASSERT_TRUE(pub) << f.name;
    EXPECT_EQ(encode_public_blob(*pub), blob_of(f.public_line)) << f.name;
    auto key = load_private_key(f.private_key, encrypted ? kFixturePassphrase : "");
    ASSERT_TRUE(key) << f.name << ": " << key.error().to_string();
    EXPECT_EQ(key->format, PrivateKeyFormat::openssh);
    EXPECT_EQ(key->was_encrypted, encrypted);
    EXPECT_EQ(encode_public_blob(key->key.public_key()), blob_of(f.public_line)) << f.name;
    if (encrypted) {
      auto r = load_private_key(f.private_key, "");
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Errc::bad_passphrase);
    }
  }
  // Blank lines before the armour are tolerated.
  EXPECT_TRUE(load_private_key("\n\n" + std::string(kOpenSshFixtures[0].private_key), ""));
}

TEST(PrivateKeyFile, SaveAndLoadEveryFormat) {
  for (KeyType type : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto key = PrivateKey::generate(type, 2048).value();
    const Bytes blob = encode_public_blob(key.public_key());
    for (PrivateKeyFormat fmt : {PrivateKeyFormat::openssh, PrivateKeyFormat::pem, PrivateKeyFormat::pkcs8}) {
      for (std::string_view pass : {"", "secret"}) {
        const std::string what = std::string(skiff::keys::key_type_name(type)) + " format " +
                                 std::to_string(static_cast<int>(fmt)) + (pass.empty() ? " plain" : " encrypted");
        auto text = save_private_key(key, "a comment", pass, fmt, {"aes256-ctr", 2});
        ASSERT_TRUE(text) << what << ": " << text.error().to_string();
        // As in OpenSSH 9.2, an Ed25519 key asked for in PEM is written in OpenSSH's format.
        const PrivateKeyFormat want =
            fmt == PrivateKeyFormat::pem && type == KeyType::ed25519 ? PrivateKeyFormat::openssh : fmt;
        EXPECT_EQ(private_key_is_encrypted(*text), !pass.empty()) << what;
        auto back = load_private_key(*text, pass);
        ASSERT_TRUE(back) << what << ": " << back.error().to_string();
        EXPECT_EQ(back->format, want) << what;
        EXPECT_EQ(back->was_encrypted, !pass.empty()) << what;
        EXPECT_EQ(back->comment, want == PrivateKeyFormat::openssh ? "a comment" : "") << what;
        EXPECT_EQ(encode_public_blob(back->key.public_key()), blob) << what;
      }
    }
  }
}

TEST(PrivateKeyFile, RefusesNonKeys) {
  const std::string cases[] = {"", "hello\n", "ssh-ed25519 AAAA comment\n",
                               "garbage\n-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n",
                               "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                               "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"};
  for (const std::string& text : cases) {
    auto r = load_private_key(text, "pw");
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::bad_format) << text << ": " << r.error().to_string();
    EXPECT_FALSE(private_key_is_encrypted(text));
    EXPECT_FALSE(private_key_public_part(text));
  }
  auto r = load_private_key("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  r = load_private_key(std::string(skiff::limits::kMaxKeyFileBytes + 1, '\n'), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}

}  // namespace
