// sshd_config -> skiff::ServerOptions: what skiffd asks the library to enforce.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "skiffd/server_options.hpp"

namespace skiffd {
namespace {

skiff::config::ServerConfig config_of(const std::string& text) {
  auto none = [](std::string_view) -> skiff::Result<std::vector<skiff::config::IncludedFile>> {
    return std::vector<skiff::config::IncludedFile>{};
  };
  auto f = skiff::config::ServerConfigFile::parse("test_config", text, none);
  EXPECT_TRUE(f) << f.error().message;
  auto c = f->global();
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

using Lists = std::vector<std::vector<std::string>>;

TEST(SkiffdServerOptions, MethodsFollowTheYesNoKeywords) {
  skiffd::Setup setup;
  auto o = make_server_options(setup, config_of("UsePAM yes\n"));
  EXPECT_EQ(o.methods, (std::vector<std::string>{"publickey", "keyboard-interactive", "password"}));
  o = make_server_options(setup, config_of("UsePAM yes\nPasswordAuthentication no\nPubkeyAuthentication no\n"));
  EXPECT_EQ(o.methods, (std::vector<std::string>{"keyboard-interactive"}));
  // keyboard-interactive is a PAM conversation: without PAM it is not offered.
  o = make_server_options(setup, config_of("UsePAM no\nKbdInteractiveAuthentication yes\n"));
  EXPECT_EQ(o.methods, (std::vector<std::string>{"publickey", "password"}));
}

TEST(SkiffdServerOptions, AuthenticationMethodsAndLimits) {
  skiffd::Setup setup;
  auto o = make_server_options(
      setup, config_of("AuthenticationMethods publickey,password publickey,keyboard-interactive\nMaxAuthTries 3\n"
                       "LoginGraceTime 30\nMaxSessions 4\nClientAliveInterval 15\nClientAliveCountMax 2\n"));
  EXPECT_EQ(o.authentication_methods, (Lists{{"publickey", "password"}, {"publickey", "keyboard-interactive"}}));
  EXPECT_EQ(o.max_auth_tries, 3u);
  EXPECT_EQ(o.login_grace_time, std::chrono::seconds(30));
  EXPECT_EQ(o.max_sessions, 4u);
  EXPECT_EQ(o.client_alive_interval, std::chrono::seconds(15));
  EXPECT_EQ(o.client_alive_count_max, 2u);
  EXPECT_TRUE(make_server_options(setup, config_of("AuthenticationMethods any\n")).authentication_methods.empty());
}

TEST(SkiffdServerOptions, AlgorithmsAndRekeyLimit) {
  skiffd::Setup setup;
  auto o = make_server_options(setup, config_of("Ciphers aes128-ctr\nMACs hmac-sha2-256\nRekeyLimit 1G 1h\n"));
  EXPECT_EQ(o.transport.ciphers, (std::vector<std::string>{"aes128-ctr"}));
  EXPECT_EQ(o.transport.macs, (std::vector<std::string>{"hmac-sha2-256"}));
  EXPECT_EQ(o.transport.rekey_bytes, 1ull << 30);
  EXPECT_EQ(o.transport.rekey_interval, std::chrono::seconds(3600));
}

TEST(SkiffdServerOptions, TimingSecretIsStableAndKeyed) {
  auto a = skiff::PrivateKey::generate(skiff::KeyType::ed25519);
  auto b = skiff::PrivateKey::generate(skiff::KeyType::ed25519);
  ASSERT_TRUE(a && b);
  auto ta = a->to_file_text({});
  auto tb = b->to_file_text({});
  ASSERT_TRUE(ta && tb);
  const auto sa = timing_secret_from({*ta});
  EXPECT_EQ(sa.size(), 64u);
  EXPECT_EQ(sa, timing_secret_from({*ta}));  // every connection process computes the same
  EXPECT_NE(sa, timing_secret_from({*tb}));
  EXPECT_NE(timing_secret_from({*ta, *tb}), timing_secret_from({*ta + *tb}));
}

}  // namespace
}  // namespace skiffd
