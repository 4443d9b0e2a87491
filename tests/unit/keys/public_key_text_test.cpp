// Public keys as text: the one-line form, RFC 4716 and PEM, against what OpenSSH 9.2's
// ssh-keygen, PuTTY's puttygen 0.78 and the RFC's own examples contain; every reading
// rule of RFC 4716; round trips; malformed input refused with a clean error.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "crypto/pem.hpp"
#include "keys/public_key_text.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"

using skiff::Errc;
using skiff::crypto::KeyType;
using skiff::crypto::PrivateKey;
using skiff::crypto::PublicKey;
using skiff::keys::format_public_key_line;
using skiff::keys::format_rfc4716;
using skiff::keys::parse_public_key_any;
using skiff::keys::parse_public_key_line;
using skiff::keys::parse_rfc4716;
using skiff::keys::PublicKeyText;
using skiff::wire::Bytes;

namespace {

// Made with OpenSSH 9.2 as root on host "vm" (so ssh-keygen -e names root@vm):
//   ssh-keygen -t ed25519 | -t ecdsa -b 256|384|521 | -t rsa -b 2048 -C user@host
//   ssh-keygen -e -f k.pub            (RFC 4716)
//   ssh-keygen -e -m PKCS8 -f k.pub   (SPKI)
//   ssh-keygen -e -m PEM -f k.pub     (PKCS#1 for RSA; ECDSA gets SPKI here too)
//   puttygen k -O public [-C "<long comment>"]
// kRfcExample1/3 are the examples of RFC 4716 3.6; *Line is ssh-keygen -i of them.

constexpr std::string_view kEd25519Pub = R"TXT(ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ/MPGgM3WHqFgylQSvvLK9E+4HMDwkxeMRWbWvmIHF2 user@host
)TXT";
constexpr std::string_view kEd25519Rfc = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "256-bit ED25519, converted by root@vm from OpenSSH"
AAAAC3NzaC1lZDI1NTE5AAAAIJ/MPGgM3WHqFgylQSvvLK9E+4HMDwkxeMRWbWvmIHF2
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kEc256Pub = R"TXT(ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGLa3AEClmlYmZiqD5K1bh41iwBlmH4THMVH0nqnjkkZMTBP1T9UbRDMsgBg7fz4L4fXtWFXeSw+C4PDj+aXZUE= user@host
)TXT";
constexpr std::string_view kEc256Rfc = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "256-bit ECDSA, converted by root@vm from OpenSSH"
AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGLa3AEClmlYmZiqD5
K1bh41iwBlmH4THMVH0nqnjkkZMTBP1T9UbRDMsgBg7fz4L4fXtWFXeSw+C4PDj+aXZUE=
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kEc256Spki = R"TXT(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYtrcAQKWaViZmKoPkrVuHjWLAGWY
fhMcxUfSeqeOSRkxME/VP1RtEMyyAGDt/Pgvh9e1YVd5LD4Lg8OP5pdlQQ==
-----END PUBLIC KEY-----
)TXT";
constexpr std::string_view kEc256PemE = R"TXT(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYtrcAQKWaViZmKoPkrVuHjWLAGWY
fhMcxUfSeqeOSRkxME/VP1RtEMyyAGDt/Pgvh9e1YVd5LD4Lg8OP5pdlQQ==
-----END PUBLIC KEY-----
)TXT";
constexpr std::string_view kEc384Pub = R"TXT(ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHlNrqK1Z+gXniS65BVUelEbFagNbq3XHd7o4NHgGPVe08JcdOWD6hgSc2uqPXeRJbBho18F7wB1T9K/CEVI3DL+VIAd2ROpn3XJ8I5Kx+QX+EzKIt5QsWvD+D6DZvrYkg== user@host
)TXT";
constexpr std::string_view kEc384Rfc = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "384-bit ECDSA, converted by root@vm from OpenSSH"
AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHlNrqK1Z+gXniS65B
VUelEbFagNbq3XHd7o4NHgGPVe08JcdOWD6hgSc2uqPXeRJbBho18F7wB1T9K/CEVI3DL+
VIAd2ROpn3XJ8I5Kx+QX+EzKIt5QsWvD+D6DZvrYkg==
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kEc384Spki = R"TXT(-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEeU2uorVn6BeeJLrkFVR6URsVqA1urdcd
3ujg0eAY9V7Twlx05YPqGBJza6o9d5ElsGGjXwXvAHVP0r8IRUjcMv5UgB3ZE6mf
dcnwjkrH5Bf4TMoi3lCxa8P4PoNm+tiS
-----END PUBLIC KEY-----
)TXT";
constexpr std::string_view kEc521Pub = R"TXT(ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACosGN+Ene39Patp4ii3aJnlzaNSMvsjMFCykLKJBHG4Z6AvGK2biBw/cdWCEU8T6QlcW+YFa2mlRkS54EUSw0RkgDMf8tk9g1vjw0ZstxdHLYMGntF74gb1Sj2PWhelea4ioVT9+SQ8Xca0QBu3Vybp9U2RIUPubyjvWhKKXOJytBxfw== user@host
)TXT";
constexpr std::string_view kEc521Rfc = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "521-bit ECDSA, converted by root@vm from OpenSSH"
AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACosGN+Ene39Patp4
ii3aJnlzaNSMvsjMFCykLKJBHG4Z6AvGK2biBw/cdWCEU8T6QlcW+YFa2mlRkS54EUSw0R
kgDMf8tk9g1vjw0ZstxdHLYMGntF74gb1Sj2PWhelea4ioVT9+SQ8Xca0QBu3Vybp9U2RI
UPubyjvWhKKXOJytBxfw==
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kEc521Spki = R"TXT(-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAqLBjfhJ3t/T2raeIot2iZ5c2jUjL
7IzBQspCyiQRxuGegLxitm4gcP3HVghFPE+kJXFvmBWtppUZEueBFEsNEZIAzH/L
ZPYNb48NGbLcXRy2DBp7Re+IG9Uo9j1oXpXmuIqFU/fkkPF3GtEAbt1cm6fVNkSF
D7m8o71oSilzicrQcX8=
-----END PUBLIC KEY-----
)TXT";
constexpr std::string_view kRsaPub = R"TXT(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC2jpvZL3jci56O2N1TqHcBKlie1AdcONQkGX2tgi1QWciqat7JzNLZrQIjqlhzDve64CJb+jiSuX4Jvq5dtRBrBVq05TELhMKAdfe9JVNVA9iESs79huxVif//lJ5MNoPh1J8e8pVx8IOwJEQMlbo3G+meAJlG+9jb3rPPTnVwvz/xSzXW2v9XNP9CR61bTCGIcn1Ov6ASJ9q+dsLyP2KEWnLBbOPQ36UlESYhE1HW0ztpEFSk0VqcYILz8AeEmsp5iZS+aVFNcZXTn4xr5cKLtJ5yDVc7t2RYPo0PmbZiKblipL6BTjP4ztlsnfVHQFvqP+XWN4I3nlP+QMM5CEbX user@host
)TXT";
constexpr std::string_view kRsaRfc = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "2048-bit RSA, converted by root@vm from OpenSSH"
AAAAB3NzaC1yc2EAAAADAQABAAABAQC2jpvZL3jci56O2N1TqHcBKlie1AdcONQkGX2tgi
1QWciqat7JzNLZrQIjqlhzDve64CJb+jiSuX4Jvq5dtRBrBVq05TELhMKAdfe9JVNVA9iE
Ss79huxVif//lJ5MNoPh1J8e8pVx8IOwJEQMlbo3G+meAJlG+9jb3rPPTnVwvz/xSzXW2v
9XNP9CR61bTCGIcn1Ov6ASJ9q+dsLyP2KEWnLBbOPQ36UlESYhE1HW0ztpEFSk0VqcYILz
8AeEmsp5iZS+aVFNcZXTn4xr5cKLtJ5yDVc7t2RYPo0PmbZiKblipL6BTjP4ztlsnfVHQF
vqP+XWN4I3nlP+QMM5CEbX
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kRsaSpki = R"TXT(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAto6b2S943IuejtjdU6h3
ASpYntQHXDjUJBl9rYItUFnIqmreyczS2a0CI6pYcw73uuAiW/o4krl+Cb6uXbUQ
awVatOUxC4TCgHX3vSVTVQPYhErO/YbsVYn//5SeTDaD4dSfHvKVcfCDsCREDJW6
NxvpngCZRvvY296zz051cL8/8Us11tr/VzT/QketW0whiHJ9Tr+gEifavnbC8j9i
hFpywWzj0N+lJREmIRNR1tM7aRBUpNFanGCC8/AHhJrKeYmUvmlRTXGV05+Ma+XC
i7Secg1XO7dkWD6ND5m2Yim5YqS+gU4z+M7ZbJ31R0Bb6j/l1jeCN55T/kDDOQhG
1wIDAQAB
-----END PUBLIC KEY-----
)TXT";
constexpr std::string_view kRsaPkcs1 = R"TXT(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAto6b2S943IuejtjdU6h3ASpYntQHXDjUJBl9rYItUFnIqmreyczS
2a0CI6pYcw73uuAiW/o4krl+Cb6uXbUQawVatOUxC4TCgHX3vSVTVQPYhErO/Ybs
VYn//5SeTDaD4dSfHvKVcfCDsCREDJW6NxvpngCZRvvY296zz051cL8/8Us11tr/
VzT/QketW0whiHJ9Tr+gEifavnbC8j9ihFpywWzj0N+lJREmIRNR1tM7aRBUpNFa
nGCC8/AHhJrKeYmUvmlRTXGV05+Ma+XCi7Secg1XO7dkWD6ND5m2Yim5YqS+gU4z
+M7ZbJ31R0Bb6j/l1jeCN55T/kDDOQhG1wIDAQAB
-----END RSA PUBLIC KEY-----
)TXT";
constexpr std::string_view kPuttyEd25519 = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "user@host"
AAAAC3NzaC1lZDI1NTE5AAAAIJ/MPGgM3WHqFgylQSvvLK9E+4HMDwkxeMRWbWvm
IHF2
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kPuttyRsa = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "user@host"
AAAAB3NzaC1yc2EAAAADAQABAAABAQC2jpvZL3jci56O2N1TqHcBKlie1AdcONQk
GX2tgi1QWciqat7JzNLZrQIjqlhzDve64CJb+jiSuX4Jvq5dtRBrBVq05TELhMKA
dfe9JVNVA9iESs79huxVif//lJ5MNoPh1J8e8pVx8IOwJEQMlbo3G+meAJlG+9jb
3rPPTnVwvz/xSzXW2v9XNP9CR61bTCGIcn1Ov6ASJ9q+dsLyP2KEWnLBbOPQ36Ul
ESYhE1HW0ztpEFSk0VqcYILz8AeEmsp5iZS+aVFNcZXTn4xr5cKLtJ5yDVc7t2RY
Po0PmbZiKblipL6BTjP4ztlsnfVHQFvqP+XWN4I3nlP+QMM5CEbX
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kPuttyLongComment = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "a fairly long comment that goes on and on beyond seventy-two bytes of header line, really"
AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGLa3AEClmlY
mZiqD5K1bh41iwBlmH4THMVH0nqnjkkZMTBP1T9UbRDMsgBg7fz4L4fXtWFXeSw+
C4PDj+aXZUE=
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kRfcExample1 = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Comment: "1024-bit RSA, converted from OpenSSH by me@example.com"
x-command: /home/me/bin/lock-in-guest.sh
AAAAB3NzaC1yc2EAAAABIwAAAIEA1on8gxCGJJWSRT4uOrR13mUaUk0hRf4RzxSZ1zRb
YYFw8pfGesIFoEuVth4HKyF8k1y4mRUnYHP1XNMNMJl1JcEArC2asV8sHf6zSPVffozZ
5TT4SfsUu/iKy9lUcCfXzwre4WWZSXXcPff+EHtWshahu3WzBdnGxm5Xoi89zcE=
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kRfcExample3 = R"TXT(---- BEGIN SSH2 PUBLIC KEY ----
Subject: me
Comment: 1024-bit rsa, created by me@example.com Mon Jan 15 \
08:31:24 2001
AAAAB3NzaC1yc2EAAAABJQAAAIEAiPWx6WM4lhHNedGfBpPJNPpZ7yKu+dnn1SJejgt4
596k6YjzGGphH2TUxwKzxcKDKKezwkpfnxPkSMkuEspGRt/aZZ9wa++Oi7Qkr8prgHc4
soW6NUlfDzpvZK2H5E7eQaSeP3SAwGmQKUFHCddNaP0L+hM7zhFNzjFvpaMgJw0=
---- END SSH2 PUBLIC KEY ----
)TXT";
constexpr std::string_view kRfcExample1Line = R"TXT(ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAIEA1on8gxCGJJWSRT4uOrR13mUaUk0hRf4RzxSZ1zRbYYFw8pfGesIFoEuVth4HKyF8k1y4mRUnYHP1XNMNMJl1JcEArC2asV8sHf6zSPVffozZ5TT4SfsUu/iKy9lUcCfXzwre4WWZSXXcPff+EHtWshahu3WzBdnGxm5Xoi89zcE=
)TXT";
constexpr std::string_view kRfcExample3Line = R"TXT(ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAIEAiPWx6WM4lhHNedGfBpPJNPpZ7yKu+dnn1SJejgt4596k6YjzGGphH2TUxwKzxcKDKKezwkpfnxPkSMkuEspGRt/aZZ9wa++Oi7Qkr8prgHc4soW6NUlfDzpvZK2H5E7eQaSeP3SAwGmQKUFHCddNaP0L+hM7zhFNzjFvpaMgJw0=
)TXT";

constexpr std::string_view kKeygenComment[] = {
    "256-bit ED25519, converted by root@vm from OpenSSH", "256-bit ECDSA, converted by root@vm from OpenSSH",
    "384-bit ECDSA, converted by root@vm from OpenSSH", "521-bit ECDSA, converted by root@vm from OpenSSH",
    "2048-bit RSA, converted by root@vm from OpenSSH"};

struct Fixture {
  std::string_view pub;  // key.pub, "type base64 user@host\n"
  std::string_view rfc;  // ssh-keygen -e
  std::string_view spki;  // ssh-keygen -e -m PKCS8, empty when ssh-keygen has none
};

const Fixture kFixtures[] = {
    {kEd25519Pub, kEd25519Rfc, {}},
    {kEc256Pub, kEc256Rfc, kEc256Spki},
    {kEc384Pub, kEc384Rfc, kEc384Spki},
    {kEc521Pub, kEc521Rfc, kEc521Spki},
    {kRsaPub, kRsaRfc, kRsaSpki},
};

std::string_view chomp(std::string_view s) { return s.substr(0, s.find('\n')); }

Bytes blob_of_line(std::string_view line) {
  auto rest = line.substr(line.find(' ') + 1);
  auto b = skiff::wire::base64_decode(rest.substr(0, rest.find_first_of(" \n")));
  if (!b) throw std::runtime_error("bad fixture");
  return *b;
}

Bytes blob(const PublicKey& k) { return skiff::keys::encode_public_blob(k); }

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(PublicKeyLine, ReadsAndWritesKeyPubFiles) {
  for (const auto& f : kFixtures) {
    SCOPED_TRACE(chomp(f.pub).substr(0, 40));
    auto k = parse_public_key_line(chomp(f.pub));
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(k->comment, "user@host");
    EXPECT_EQ(blob(k->key), blob_of_line(f.pub));
    EXPECT_EQ(format_public_key_line(k->key, k->comment) + "\n", f.pub);
    EXPECT_EQ(format_public_key_line(k->key, ""), chomp(f.pub).substr(0, chomp(f.pub).rfind(' ')));
  }
}

TEST(PublicKeyLine, CommentAndBlanks) {
  const std::string line(chomp(kEd25519Pub));
  const std::string type_and_blob = line.substr(0, line.rfind(' '));
  const std::string b64 = type_and_blob.substr(type_and_blob.find(' ') + 1);
  struct Case {
    std::string text;
    std::string comment;
  };
  const Case cases[] = {
      {type_and_blob, ""},
      {type_and_blob + "\r", ""},
      {type_and_blob + " \t ", ""},
      {"ssh-ed25519\t \t" + b64 + "  two  words \t\r", "two  words"},
      {" \tssh-ed25519 " + b64 + " c", "c"},
      {"ssh-ed25519 " + b64 + "\tx=\"y z\" #", "x=\"y z\" #"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto k = parse_public_key_line(c.text);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(k->comment, c.comment);
    EXPECT_EQ(blob(k->key), blob_of_line(kEd25519Pub));
  }
}

TEST(PublicKeyLine, MalformedLinesAreCleanErrors) {
  const std::string ed(chomp(kEd25519Pub));
  const std::string ed_b64 = ed.substr(12, ed.rfind(' ') - 12);
  const std::string rsa(chomp(kRsaPub));
  const std::string rsa_b64 = rsa.substr(8, rsa.rfind(' ') - 8);
  const std::pair<std::string, Errc> cases[] = {
      {"", Errc::bad_format},
      {"   ", Errc::bad_format},
      {"ssh-ed25519", Errc::bad_format},
      {"ssh-ed25519 ", Errc::bad_format},
      {"ssh-dss " + ed_b64, Errc::unsupported},
      {"ssh-ed25519-cert-v01@openssh.com " + ed_b64, Errc::unsupported},
      {"sk-ssh-ed25519@openssh.com " + ed_b64, Errc::unsupported},
      {std::string("\x01\x02 ") + ed_b64, Errc::unsupported},
      {"ssh-rsa " + ed_b64 + " c", Errc::bad_format},  // type word and blob disagree
      {"ssh-ed25519 " + rsa_b64, Errc::bad_format},
      {"ecdsa-sha2-nistp384 " + std::string(chomp(kEc256Pub)).substr(20), Errc::bad_format},
      {"ssh-ed25519 " + ed_b64.substr(0, 20) + "*" + ed_b64.substr(21), Errc::bad_format},
      {"ssh-ed25519 " + ed_b64.substr(0, ed_b64.size() - 1), Errc::bad_format},  // bad padding
      {"ssh-ed25519 " + ed_b64 + "AAAA", Errc::trailing_data},
      {"ssh-ed25519 " + ed_b64 + "\nssh-ed25519 " + ed_b64, Errc::bad_format},
      {"ssh-ed25519 " + std::string(1024 * 1024, 'A'), Errc::too_large},
      {"ssh-ed25519 " + std::string(30000, 'A'), Errc::too_large},
  };
  for (const auto& [text, code] : cases) {
    SCOPED_TRACE(text.substr(0, 80));
    auto k = parse_public_key_line(text);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, code) << k.error().to_string();
  }
  auto mismatch = parse_public_key_line("ssh-rsa " + ed_b64);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos) << mismatch.error().message;
}

TEST(PublicKeyLine, EveryTruncatedBlobIsRefused) {
  for (const auto& f : kFixtures) {
    const Bytes b = blob_of_line(f.pub);
    const std::string type(chomp(f.pub).substr(0, chomp(f.pub).find(' ')));
    for (std::size_t n = 0; n < b.size(); ++n) {
      auto k = parse_public_key_line(type + " " + skiff::wire::base64_encode({b.data(), n}));
      ASSERT_FALSE(k) << type << " " << n;
    }
  }
}

TEST(Rfc4716, MatchesSshKeygenExport) {
  for (std::size_t i = 0; i < std::size(kFixtures); ++i) {
    const auto& f = kFixtures[i];
    SCOPED_TRACE(kKeygenComment[i]);
    auto k = parse_rfc4716(f.rfc);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(blob(k->key), blob_of_line(f.pub));
    EXPECT_EQ(k->comment, kKeygenComment[i]);
    EXPECT_EQ(format_rfc4716(k->key, kKeygenComment[i]), f.rfc);
  }
}

TEST(Rfc4716, ReadsPuttyAndTheRfcExamples) {
  struct Case {
    std::string_view text;
    std::string_view line;  // ssh-keygen -i of the text, or the key.pub it came from
    std::string_view comment;
  };
  const Case cases[] = {
      {kPuttyEd25519, kEd25519Pub, "user@host"},
      {kPuttyRsa, kRsaPub, "user@host"},
      {kPuttyLongComment, kEc256Pub,
       "a fairly long comment that goes on and on beyond seventy-two bytes of header line, really"},
      {kRfcExample1, kRfcExample1Line, "1024-bit RSA, converted from OpenSSH by me@example.com"},
      {kRfcExample3, kRfcExample3Line, "1024-bit rsa, created by me@example.com Mon Jan 15 08:31:24 2001"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.comment);
    auto k = parse_rfc4716(c.text);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(blob(k->key), blob_of_line(c.line));
    EXPECT_EQ(k->comment, c.comment);
  }
}

TEST(Rfc4716, ReadingRules) {
  const std::string base(kRfcExample3);
  const std::string comment = "1024-bit rsa, created by me@example.com Mon Jan 15 08:31:24 2001";
  const std::pair<std::string, std::string> cases[] = {
      {replace_all(base, "\n", "\r\n"), comment},
      {replace_all(base, "\n", "\r"), comment},
      {replace_all(base, "Comment:", "cOMMENT:"), comment},
      {"\n  \n" + base + "\n\ntrailing text\n", comment},
      {replace_all(base, "Subject: me", "x-long: one \\\ntwo: \\\nthree\nSubject: \\\nme"), comment},
      {replace_all(base, "Comment: 1024-bit rsa, created by me@example.com Mon Jan 15 \\\n08:31:24 2001",
                   "Comment: \"a\\\n \\\nb\"\nComment: second"),
       "a b"},
      {replace_all(base, "Comment: 1024-bit rsa, created by me@example.com Mon Jan 15 \\\n08:31:24 2001",
                   "Comment:\"\""),
       ""},
      {replace_all(base, "Comment: 1024-bit rsa, created by me@example.com Mon Jan 15 \\\n08:31:24 2001\n", ""),
       ""},
      {replace_all(replace_all(base, "Subject: me\n", ""), "\n", "  \n"), comment},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    auto k = parse_rfc4716(text);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(k->comment, expected);
    EXPECT_EQ(blob(k->key), blob_of_line(kRfcExample3Line));
  }
}

TEST(Rfc4716, LongCommentsAreWrappedAt72Bytes) {
  auto k = parse_public_key_line(chomp(kEc521Pub));
  ASSERT_TRUE(k);
  std::string utf8;
  for (int i = 0; i < 60; ++i) utf8 += "\xc3\xa9\xe2\x82\xac ";  // "é€ "
  for (const std::string& comment : {std::string(kKeygenComment[0]) + " and a little more text here",
                                     std::string(300, 'x'), utf8, std::string(61, 'y') + "\\"}) {
    SCOPED_TRACE(comment);
    const std::string text = format_rfc4716(k->key, comment);
    std::size_t start = 0;
    for (std::size_t nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
      std::string_view line(text.data() + start, nl - start);
      EXPECT_LE(line.size(), 72u) << line;
      // No line starts inside a UTF-8 sequence.
      if (!line.empty()) {
        EXPECT_NE(static_cast<unsigned char>(line[0]) & 0xC0, 0x80) << line;
      }
    }
    auto back = parse_rfc4716(text);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->comment, comment);
    EXPECT_EQ(blob(back->key), blob(k->key));
  }
}

TEST(Rfc4716, CommentsAreCutToTheRfcLimit) {
  auto k = parse_public_key_line(chomp(kEd25519Pub));
  ASSERT_TRUE(k);
  auto back = parse_rfc4716(format_rfc4716(k->key, std::string(2000, 'z')));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->comment, std::string(1022, 'z'));
  std::string utf8(1021, 'z');
  utf8 += "\xe2\x82\xac";  // a 3-byte character across the limit is dropped whole
  back = parse_rfc4716(format_rfc4716(k->key, utf8));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->comment, std::string(1021, 'z'));
  back = parse_rfc4716(format_rfc4716(k->key, "two\nlines"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->comment, "two lines");
}

TEST(Rfc4716, MalformedFilesAreCleanErrors) {
  const std::string base(kRfcExample1);
  const std::pair<std::string, Errc> cases[] = {
      {"", Errc::bad_format},
      {"\n\n", Errc::bad_format},
      {std::string(chomp(kEd25519Pub)), Errc::bad_format},
      {base.substr(0, base.find("---- END")), Errc::bad_format},
      {replace_all(base, "---- END SSH2 PUBLIC KEY ----", "---- END SSH2 PRIVATE KEY ----"), Errc::bad_format},
      {replace_all(base, "AAAAB3Nza", "AAAA*3Nza"), Errc::bad_format},
      {replace_all(base, "89zcE=", "89zcE=="), Errc::bad_format},
      {replace_all(base, "5TT4SfsUu", "x-late: header\n5TT4SfsUu"), Errc::bad_format},
      {replace_all(base, "x-command:", "x command:"), Errc::bad_format},
      {replace_all(base, "x-command:", ":"), Errc::bad_format},
      {replace_all(base, "x-command: ", "x-command: " + std::string(1100, 'v')), Errc::bad_format},
      {replace_all(base, "x-command: ", "x-command: \\\n" + std::string(1100, 'v')), Errc::bad_format},
      {"---- BEGIN SSH2 PUBLIC KEY ----\nComment: \\", Errc::bad_format},
      {"---- BEGIN SSH2 PUBLIC KEY ----\n---- END SSH2 PUBLIC KEY ----\n", Errc::bad_format},
      {"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nAAAA\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
       Errc::unsupported},
      {replace_all(base, "AAAAB3NzaC1yc2E", "AAAAB3NzaC1kc3M"), Errc::unsupported},  // "ssh-dss"
      {replace_all(base, "x-command: /home", "x-command: " + std::string(1024 * 1024 - 400, '/')), Errc::too_large},
      {base + std::string(1024 * 1024, '\n'), Errc::too_large},
      {replace_all(base, "YYFw8", std::string(30000, 'A') + "\nYYFw8"), Errc::too_large},
  };
  for (const auto& [text, code] : cases) {
    SCOPED_TRACE(text.substr(0, 120));
    auto k = parse_rfc4716(text);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, code) << k.error().to_string();
  }
  // Cut anywhere before the end of the END line.
  const std::size_t end = base.find("---- END") + 29;
  for (std::size_t n = 0; n < end; ++n) ASSERT_FALSE(parse_rfc4716(base.substr(0, n))) << n;
}

TEST(PublicKeyAny, RecognisesEveryForm) {
  for (std::size_t i = 0; i < std::size(kFixtures); ++i) {
    const auto& f = kFixtures[i];
    SCOPED_TRACE(kKeygenComment[i]);
    const Bytes expected = blob_of_line(f.pub);
    std::vector<std::pair<std::string, std::string>> texts = {
        {std::string(f.pub), "user@host"},
        {"\n \n# a comment\n" + std::string(f.pub), "user@host"},
        {std::string(f.rfc), std::string(kKeygenComment[i])},
        {"\r\n" + std::string(f.rfc), std::string(kKeygenComment[i])},
    };
    if (!f.spki.empty()) texts.emplace_back(std::string(f.spki), "");
    for (const auto& [text, comment] : texts) {
      auto k = parse_public_key_any(text);
      ASSERT_TRUE(k) << k.error().to_string() << "\n" << text;
      EXPECT_EQ(blob(k->key), expected);
      EXPECT_EQ(k->comment, comment);
    }
  }
  for (std::string_view pem : {kRsaPkcs1, kEc256PemE}) {
    auto k = parse_public_key_any(pem);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(blob(k->key), blob_of_line(pem == kRsaPkcs1 ? kRsaPub : kEc256Pub));
  }
  auto putty = parse_public_key_any(kPuttyRsa);
  ASSERT_TRUE(putty);
  EXPECT_EQ(blob(putty->key), blob_of_line(kRsaPub));
}

TEST(PublicKeyAny, RefusesWhatIsNoPublicKey) {
  const std::pair<std::string, Errc> cases[] = {
      {"", Errc::bad_format},
      {"\n\n# only comments\n", Errc::bad_format},
      {"hello world\n", Errc::unsupported},
      {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", Errc::bad_format},
      {"---- BEGIN SSH2 PUBLIC KEY ----\n", Errc::bad_format},
      {std::string(1024 * 1024 + 1, '\n'), Errc::too_large},
  };
  for (const auto& [text, code] : cases) {
    SCOPED_TRACE(text.substr(0, 80));
    auto k = parse_public_key_any(text);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, code) << k.error().to_string();
  }
}

TEST(PublicKeyText, RoundTripsGeneratedKeys) {
  for (auto t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto priv = PrivateKey::generate(t, 2048);
    ASSERT_TRUE(priv);
    const PublicKey& key = priv->public_key();
    for (std::string_view comment : {std::string_view{}, std::string_view{"me@example.org"}}) {
      auto line = parse_public_key_line(format_public_key_line(key, comment));
      ASSERT_TRUE(line);
      EXPECT_EQ(blob(line->key), blob(key));
      EXPECT_EQ(line->comment, comment);
      auto rfc = parse_rfc4716(format_rfc4716(key, comment));
      ASSERT_TRUE(rfc);
      EXPECT_EQ(blob(rfc->key), blob(key));
      EXPECT_EQ(rfc->comment, comment);
      auto any = parse_public_key_any(format_rfc4716(key, comment));
      ASSERT_TRUE(any);
      EXPECT_EQ(blob(any->key), blob(key));
    }
    auto pem = skiff::crypto::public_key_to_pem(key, skiff::crypto::PemPublicFormat::spki);
    ASSERT_TRUE(pem);
    auto any = parse_public_key_any(*pem);
    ASSERT_TRUE(any);
    EXPECT_EQ(blob(any->key), blob(key));
  }
}

}  // namespace
