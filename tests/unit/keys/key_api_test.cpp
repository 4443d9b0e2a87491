// The public key API (include/skiff/key.hpp): what a library user sees of key files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <skiff/key.hpp>

namespace {

using skiff::Errc;
using skiff::KeyType;
using skiff::PrivateKey;
using skiff::PrivateKeyFormat;
using skiff::PublicKey;

TEST(KeyApi, PrivateKeyRoundTripsThroughEveryFormat) {
  for (KeyType type : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto key = PrivateKey::generate(type, type == KeyType::rsa ? 2048 : 0);
    ASSERT_TRUE(key) << key.error().to_string();
    for (auto format : {PrivateKeyFormat::openssh, PrivateKeyFormat::pem, PrivateKeyFormat::pkcs8}) {
      for (std::string_view pass : {"", "correct horse"}) {
        auto text = key->to_file_text(pass, format, "me@example");
        ASSERT_TRUE(text) << text.error().to_string();
        auto back = PrivateKey::parse(*text, pass);
        ASSERT_TRUE(back) << back.error().to_string();
        EXPECT_EQ(back->public_blob(), key->public_blob());
        EXPECT_EQ(back->type(), type);
        if (format == PrivateKeyFormat::openssh) {
          EXPECT_EQ(back->comment(), "me@example");
        }
        if (!pass.empty()) {
          auto wrong = PrivateKey::parse(*text, "wrong");
          ASSERT_FALSE(wrong);
          EXPECT_EQ(wrong.error().code, Errc::bad_passphrase);
          auto none = PrivateKey::parse(*text);
          ASSERT_FALSE(none);
          EXPECT_EQ(none.error().code, Errc::bad_passphrase);
        }
      }
    }
  }
}

TEST(KeyApi, PublicKeyParsesTheOneLineFormAndCompares) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  PublicKey pub = key->public_key();
  auto parsed = PublicKey::parse(pub.to_openssh_line() + " a comment");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(*parsed, pub);
  EXPECT_EQ(parsed->comment(), "a comment");
  EXPECT_EQ(parsed->bits(), 256u);
  EXPECT_EQ(parsed->fingerprint().rfind("SHA256:", 0), 0u);
  auto from_blob = PublicKey::from_blob(pub.blob());
  ASSERT_TRUE(from_blob);
  EXPECT_EQ(*from_blob, pub);
  auto other = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->public_key() == pub);
  EXPECT_FALSE(PublicKey::parse("ssh-ed25519 not-base64!"));
}

TEST(KeyApi, LoadNamesTheFile) {
  auto missing = PrivateKey::load("/nonexistent/skiff/id_ed25519");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("/nonexistent/skiff/id_ed25519"), std::string::npos);

  auto dir = std::filesystem::temp_directory_path() / ("skiff-key-api-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "broken";
  std::ofstream(path) << "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  auto broken = PrivateKey::load(path);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find(path.string()), std::string::npos);

  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key);
  std::ofstream(dir / "good") << *key->to_file_text();
  auto good = PrivateKey::load(dir / "good");
  ASSERT_TRUE(good) << good.error().to_string();
  EXPECT_EQ(good->public_blob(), key->public_blob());
  std::filesystem::remove_all(dir);
}

}  // namespace
