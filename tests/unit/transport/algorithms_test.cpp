#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transport/algorithms.hpp"

using namespace skiff;
using namespace skiff::transport;

namespace {

using Names = std::vector<std::string>;

Names spec(AlgorithmKind kind, std::string_view s) {
  auto r = apply_algorithm_spec(kind, s);
  EXPECT_TRUE(r) << s << ": " << r.error().to_string();
  return r ? *r : Names{};
}

}  // namespace

TEST(Algorithms, DefaultsAreSupportedAndOrdered) {
  for (auto kind : {AlgorithmKind::kex, AlgorithmKind::host_key, AlgorithmKind::cipher, AlgorithmKind::mac,
                    AlgorithmKind::compression}) {
    for (const auto& name : default_algorithms(kind)) EXPECT_TRUE(is_supported(kind, name)) << name;
  }
  EXPECT_EQ(default_algorithms(AlgorithmKind::kex).front(), "curve25519-sha256");
  EXPECT_EQ(default_algorithms(AlgorithmKind::kex).back(), "diffie-hellman-group14-sha256");
  EXPECT_EQ(default_algorithms(AlgorithmKind::host_key).size(), 6u);
  EXPECT_EQ(default_algorithms(AlgorithmKind::cipher),
            (Names{"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
                   "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::mac),
            (Names{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256",
                   "hmac-sha2-512"}));
  EXPECT_EQ(default_algorithms(AlgorithmKind::compression), (Names{"none", "zlib@openssh.com"}));
  EXPECT_TRUE(is_supported(AlgorithmKind::kex, "diffie-hellman-group1-sha1"));
  EXPECT_TRUE(is_supported(AlgorithmKind::host_key, "ssh-rsa"));
  EXPECT_FALSE(is_supported(AlgorithmKind::mac, "umac-64-etm@openssh.com"));
  EXPECT_FALSE(is_supported(AlgorithmKind::kex, "ext-info-c"));
  EXPECT_FALSE(is_supported(AlgorithmKind::kex, "kex-strict-c-v00@openssh.com"));
}

TEST(Algorithms, PlainListReplacesDefaults) {
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes256-ctr,aes128-ctr"), (Names{"aes256-ctr", "aes128-ctr"}));
  EXPECT_EQ(spec(AlgorithmKind::kex, "diffie-hellman-group1-sha1"), (Names{"diffie-hellman-group1-sha1"}));
  // Duplicates collapse to the first occurrence.
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes128-ctr,aes256-ctr,aes128-ctr"), (Names{"aes128-ctr", "aes256-ctr"}));
}

TEST(Algorithms, Wildcards) {
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes*-ctr"), (Names{"aes128-ctr", "aes192-ctr", "aes256-ctr"}));
  // Each pattern's matches come in supported-list order; patterns in spec order.
  EXPECT_EQ(spec(AlgorithmKind::cipher, "*gcm*,aes1?8-ctr"),
            (Names{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr"}));
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes128-ctr,aes*-ctr"), (Names{"aes128-ctr", "aes192-ctr", "aes256-ctr"}));
  // A wildcard may match nothing as long as something is left.
  EXPECT_EQ(spec(AlgorithmKind::cipher, "3des*,aes128-ctr"), (Names{"aes128-ctr"}));
  EXPECT_EQ(spec(AlgorithmKind::mac, "*"), supported_algorithms(AlgorithmKind::mac));
}

TEST(Algorithms, NegationInPlainList) {
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes*,!aes192*,!*gcm*"), (Names{"aes128-ctr", "aes256-ctr"}));
  EXPECT_EQ(spec(AlgorithmKind::cipher, "!aes192*,aes*-ctr"), (Names{"aes128-ctr", "aes256-ctr"}));
  // A negated unknown name is harmless.
  EXPECT_EQ(spec(AlgorithmKind::cipher, "aes128-ctr,!3des-cbc"), (Names{"aes128-ctr"}));
  auto r = apply_algorithm_spec(AlgorithmKind::cipher, "!aes128-ctr");
  ASSERT_FALSE(r);  // nothing positive: empty result
}

TEST(Algorithms, Append) {
  Names hk = default_algorithms(AlgorithmKind::host_key);
  Names with_rsa = hk;
  with_rsa.push_back("ssh-rsa");
  EXPECT_EQ(spec(AlgorithmKind::host_key, "+ssh-rsa"), with_rsa);
  // Already present: not repeated, not moved.
  EXPECT_EQ(spec(AlgorithmKind::host_key, "+ssh-ed25519,ssh-rsa"), with_rsa);
  Names kex = default_algorithms(AlgorithmKind::kex);
  kex.push_back("diffie-hellman-group14-sha1");
  kex.push_back("diffie-hellman-group1-sha1");
  EXPECT_EQ(spec(AlgorithmKind::kex, "+diffie-hellman-group*-sha1"), kex);
  Names mac = default_algorithms(AlgorithmKind::mac);
  mac.push_back("hmac-sha1-etm@openssh.com");
  mac.push_back("hmac-sha1");
  EXPECT_EQ(spec(AlgorithmKind::mac, "+*sha1*"), mac);
}

TEST(Algorithms, Remove) {
  Names macs = spec(AlgorithmKind::mac, "-*-etm@openssh.com");
  EXPECT_EQ(macs, (Names{"hmac-sha2-256", "hmac-sha2-512"}));
  EXPECT_EQ(spec(AlgorithmKind::kex, "-*-sha1"), default_algorithms(AlgorithmKind::kex));
  EXPECT_EQ(spec(AlgorithmKind::cipher, "-chacha20-poly1305@openssh.com,aes*-gcm@openssh.com"),
            (Names{"aes128-ctr", "aes192-ctr", "aes256-ctr"}));
  // Unknown names may be removed (OpenSSH does not check them either).
  EXPECT_EQ(spec(AlgorithmKind::cipher, "-3des-cbc"), default_algorithms(AlgorithmKind::cipher));
  // OpenSSH's denylist with negation: remove everything except aes128-ctr.
  EXPECT_EQ(spec(AlgorithmKind::cipher, "-*,!aes128-ctr"), (Names{"aes128-ctr"}));
  auto all_gone = apply_algorithm_spec(AlgorithmKind::cipher, "-*");
  ASSERT_FALSE(all_gone);
  EXPECT_EQ(all_gone.error().code, Errc::invalid_argument);
}

TEST(Algorithms, Prepend) {
  Names c = spec(AlgorithmKind::cipher, "^aes256-gcm@openssh.com");
  EXPECT_EQ(c, (Names{"aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr",
                      "aes256-ctr", "aes128-gcm@openssh.com"}));
  Names h = spec(AlgorithmKind::host_key, "^ssh-rsa,rsa-sha2-256");
  ASSERT_EQ(h.size(), 7u);
  EXPECT_EQ(h[0], "ssh-rsa");
  EXPECT_EQ(h[1], "rsa-sha2-256");
  EXPECT_EQ(h[2], "ssh-ed25519");
  EXPECT_EQ(h.back(), "rsa-sha2-512");
}

TEST(Algorithms, Errors) {
  auto unknown = apply_algorithm_spec(AlgorithmKind::cipher, "aes128-ctr,xyz");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unsupported);
  EXPECT_NE(unknown.error().message.find("Bad SSH2 cipher spec"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("'xyz'"), std::string::npos);
  for (auto s : {"+xyz", "^umac-64@openssh.com"}) {
    auto r = apply_algorithm_spec(AlgorithmKind::mac, s);
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.error().code, Errc::unsupported) << s;
  }
  // Names of another kind are unknown here.
  EXPECT_FALSE(apply_algorithm_spec(AlgorithmKind::cipher, "hmac-sha1"));
  // Syntax errors.
  for (auto s : {"", "+", "-", "^", "aes128-ctr,", ",aes128-ctr", "aes128-ctr,,aes256-ctr", "+!aes128-ctr",
                 "^!aes128-ctr", "!"}) {
    auto r = apply_algorithm_spec(AlgorithmKind::cipher, s);
    ASSERT_FALSE(r) << "'" << s << "'";
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << s;
  }
  // Wildcards matching nothing leave an empty list.
  auto none = apply_algorithm_spec(AlgorithmKind::cipher, "3des*");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
}
