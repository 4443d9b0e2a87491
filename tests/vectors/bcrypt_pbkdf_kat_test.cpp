// Known answers for the hand-written Blowfish and bcrypt_pbkdf (src/crypto/bcrypt_pbkdf.*).
// Blowfish: Eric Young's published test vectors (ECB, and the variable key length set).
// bcrypt_pbkdf: OpenSSH as the oracle. Two keys made with ssh-keygen (OpenSSH 9.2p1):
//   ssh-keygen -t ed25519 -N 'pass' -a 16 -C skiff-test-1 -f k1
//   ssh-keygen -t ed25519 -N $'p\xc3\xa4ss w\xc3\xb6rd\xe2\x82\xac' -a 1 -C skiff-test-2 -f k2
// Their private halves are aes256-ctr encrypted under bcrypt_pbkdf(passphrase, salt,
// rounds) -> 32-byte key || 16-byte IV; decrypting them must give matching check words,
// the public key of the .pub file, the comment and the 1, 2, 3... padding.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bcrypt_pbkdf.hpp"
#include "crypto/blowfish.hpp"
#include "crypto/primitives.hpp"
#include "wire/base64.hpp"
#include "wire/reader.hpp"
#include "wycheproof.hpp"

using namespace skiff::crypto;
using skiff::Errc;
using skiff::test::hex_decode;
using skiff::test::hex_encode;

namespace {

struct BlowfishCase {
  const char* key;
  const char* plain;
  const char* cipher;
};

// Eric Young's Blowfish vectors (schneier.com/code/vectors.txt).
const BlowfishCase kBlowfishEcb[] = {
    {"0000000000000000", "0000000000000000", "4ef997456198dd78"},
    {"ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a"},
    {"3000000000000000", "1000000000000001", "7d856f9a613063f2"},
    {"1111111111111111", "1111111111111111", "2466dd878b963c9d"},
    {"0123456789abcdef", "1111111111111111", "61f9c3802281b096"},
    {"1111111111111111", "0123456789abcdef", "7d0cc630afda1ec7"},
    {"fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d"},
    {"7ca110454a1a6e57", "01a1d6d039776742", "59c68245eb05282b"},
};

// Same set, variable key length: prefixes of one key, plaintext fedcba9876543210.
constexpr std::string_view kVarKey = "f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677";
const std::pair<std::size_t, const char*> kBlowfishVarKey[] = {
    {1, "f9ad597c49db005e"},  {2, "e91d21c1d961a6d6"},  {3, "e9c2b70a1bc65cf3"},
    {5, "b39e44481bdb1e6e"},  {8, "e87a244e2cc85e82"},  {13, "884f80625060b8b4"},
    {14, "1f85031c19e11968"}, {17, "03429e838ce2d14b"}, {18, "a4299e27469ff67b"},
    {24, "05044b62fa52d080"},
};

TEST(BlowfishKat, EricYoungEcb) {
  for (const auto& c : kBlowfishEcb) {
    const auto out = detail::blowfish_encrypt_block_for_test(hex_decode(c.key), hex_decode(c.plain));
    EXPECT_EQ(hex_encode(out), c.cipher) << "key " << c.key;
  }
}

TEST(BlowfishKat, EricYoungVariableKeyLength) {
  const Bytes key = hex_decode(kVarKey);
  const Bytes plain = hex_decode("fedcba9876543210");
  for (const auto& [len, cipher] : kBlowfishVarKey) {
    const auto out = detail::blowfish_encrypt_block_for_test(ByteView(key).first(len), plain);
    EXPECT_EQ(hex_encode(out), cipher) << "key length " << len;
  }
}

TEST(BlowfishKat, TablesAreHexDigitsOfPi) {
  EXPECT_EQ(detail::kBlowfishInitP[0], 0x243f6a88u);
  EXPECT_EQ(detail::kBlowfishInitP[17], 0x8979fb1bu);
  EXPECT_EQ(detail::kBlowfishInitS[0][0], 0xd1310ba6u);
  EXPECT_EQ(detail::kBlowfishInitS[3][255], 0x3ac372e6u);
}

struct OpensshKey {
  std::string_view private_file;
  std::string_view public_file;
  std::string_view passphrase;
  std::uint32_t rounds;
  std::string_view comment;
};

const OpensshKey kKeys[] = {
    {"-----BEGIN OPENSSH PRIVATE KEY-----\n"
     "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBJ51a8lF\n"
     "EQp4c50D2cZ1L3AAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIGPGIJLz0MLEbctq\n"
     "I5HWm1FKg9i2ALCyZnvcPfuxbE7iAAAAkLsXS/oSxoJI/vBy5VdcR3DvvCuuEdlzXKEqUJ\n"
     "A67PSjDa1wSdPpX2Xsy72sHpkJiO5vzOJ8OAS+3VDIcVZcQl9T97p5PS1EqdnEtybnSwMg\n"
     "2b9Fwi6CiSpxfPdrJeKFepxBWysHH11MPjRqhwbd3AXo6yRXrp0yAx6E8UaNNFs7B5uynY\n"
     "JIZsEKLfCaA2+pMA==\n"
     "-----END OPENSSH PRIVATE KEY-----\n",
     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPGIJLz0MLEbctqI5HWm1FKg9i2ALCyZnvcPfuxbE7i skiff-test-1",
     "pass", 16, "skiff-test-1"},
    {"-----BEGIN OPENSSH PRIVATE KEY-----\n"
     "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABA/ETghO4\n"
     "93ks/Mxdk7XB4GAAAAAQAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIE44OjFsxvZ8vvUw\n"
     "9h0QRgMqbVWl2Akh/4rCD0MHdswwAAAAkKT0BCj6CCdVjT928v6fMGfgAyNS07+g7a4i7g\n"
     "N0OtH/itXNmuqbl08V3ShIHrd37HUe4UHB3I+prAj2+ArEz9OATFByCGbGrnx4wbifkiAL\n"
     "CrBRsVAuy4KKSN+GQ4u4S1f8jkSemHGxnTzSFFE3fMT/nk7v+j5/vlpSBcyecn27K401pl\n"
     "+q77vBGid9kLtX9w==\n"
     "-----END OPENSSH PRIVATE KEY-----\n",
     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE44OjFsxvZ8vvUw9h0QRgMqbVWl2Akh/4rCD0MHdsww skiff-test-2",
     "p\xc3\xa4ss w\xc3\xb6rd\xe2\x82\xac", 1, "skiff-test-2"},
};

Bytes pem_body(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----\n";
  std::string b64;
  for (char ch : pem.substr(kBegin.size(), pem.size() - kBegin.size() - kEnd.size()))
    if (ch != '\n') b64 += ch;
  auto raw = skiff::wire::base64_decode(b64);
  return raw ? *raw : Bytes{};
}

Bytes pub_blob(std::string_view line) {
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  auto raw = skiff::wire::base64_decode(line.substr(sp1 + 1, sp2 - sp1 - 1));
  return raw ? *raw : Bytes{};
}

std::string_view as_text(ByteView v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }

TEST(BcryptPbkdfKat, DecryptsOpensshKeys) {
  for (const auto& k : kKeys) {
    SCOPED_TRACE(k.comment);
    const Bytes file = pem_body(k.private_file);
    ASSERT_FALSE(file.empty());
    constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
    ASSERT_EQ(as_text(ByteView(file).first(kMagic.size())), kMagic);
    skiff::wire::Reader r(ByteView(file).subspan(kMagic.size()));
    ASSERT_EQ(as_text(r.string().value()), "aes256-ctr");
    ASSERT_EQ(as_text(r.string().value()), "bcrypt");
    skiff::wire::Reader opts(r.string().value());
    const ByteView salt = opts.string().value();
    const std::uint32_t rounds = opts.u32().value();
    ASSERT_TRUE(opts.expect_end());
    EXPECT_EQ(salt.size(), 16u);
    EXPECT_EQ(rounds, k.rounds);
    ASSERT_EQ(r.u32().value(), 1u);
    const ByteView pub = r.string().value();
    const ByteView enc = r.string().value();
    ASSERT_TRUE(r.expect_end());
    EXPECT_EQ(hex_encode(pub), hex_encode(pub_blob(k.public_file)));

    std::array<std::uint8_t, 48> key_iv{};
    ASSERT_TRUE(bcrypt_pbkdf(k.passphrase, salt, rounds, key_iv));
    Bytes plain(enc.begin(), enc.end());
    ASSERT_TRUE(aes_ctr_xor(ByteView(key_iv).first(32), ByteView(key_iv).subspan(32), plain));

    skiff::wire::Reader p(plain);
    const std::uint32_t check1 = p.u32().value();
    const std::uint32_t check2 = p.u32().value();
    EXPECT_EQ(check1, check2);
    EXPECT_EQ(as_text(p.string().value()), "ssh-ed25519");
    const ByteView pk = p.string().value();
    ASSERT_EQ(pk.size(), 32u);
    // The .pub blob is string "ssh-ed25519" (4 + 11 bytes) then string pk (4 + 32).
    EXPECT_EQ(hex_encode(pk), hex_encode(ByteView(pub_blob(k.public_file)).subspan(19)));
    const ByteView sk = p.string().value();
    ASSERT_EQ(sk.size(), 64u);
    EXPECT_EQ(hex_encode(sk.subspan(32)), hex_encode(pk));  // ed25519 sk = seed || pk
    EXPECT_EQ(as_text(p.string().value()), k.comment);
    const ByteView pad = p.rest();
    EXPECT_LT(pad.size(), 16u);
    for (std::size_t i = 0; i < pad.size(); ++i) EXPECT_EQ(pad[i], i + 1);
  }
}

TEST(BcryptPbkdfKat, WrongPassphraseFailsTheCheckWords) {
  const Bytes file = pem_body(kKeys[1].private_file);
  // salt sits at a fixed offset in this container: magic 15, "aes256-ctr" 14,
  // "bcrypt" 10, kdfoptions length 4, salt length 4.
  const ByteView salt = ByteView(file).subspan(15 + 14 + 10 + 4 + 4, 16);
  std::array<std::uint8_t, 48> key_iv{};
  ASSERT_TRUE(bcrypt_pbkdf("p\xc3\xa4ss w\xc3\xb6rd", salt, 1, key_iv));
  const std::size_t enc_at = file.size() - 144;  // the last string: 144 encrypted bytes
  Bytes plain(file.begin() + static_cast<std::ptrdiff_t>(enc_at), file.end());
  ASSERT_TRUE(aes_ctr_xor(ByteView(key_iv).first(32), ByteView(key_iv).subspan(32), plain));
  EXPECT_NE(hex_encode(ByteView(plain).first(4)), hex_encode(ByteView(plain).subspan(4, 4)));
}

// OpenBSD's regression vectors for bcrypt_pbkdf (regress/lib/libutil/bcrypt_pbkdf, as
// republished by pyca/bcrypt and RustCrypto's bcrypt-pbkdf): embedded NULs in passphrase
// and salt, one-byte inputs, several rounds and output lengths (64 bytes = two strides).
TEST(BcryptPbkdfKat, OpenBsdRegressionVectors) {
  using namespace std::string_view_literals;
  struct Case {
    std::string_view passphrase;
    std::string_view salt;
    unsigned rounds;
    std::string_view out_hex;
  };
  const Case cases[] = {
      {"password"sv, "salt"sv, 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"},
      {"password"sv, "\0"sv, 4, "c12b566235eee04c212598970a579a67"},
      {"\0"sv, "salt"sv, 4, "6051be18c2f4f82cbf0efee5471b4bb9"},
      {"password\0"sv, "salt\0"sv, 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"},
      {"pass\0wor"sv, "sa\0l"sv, 4, "c2bffd9db38f6569efef4372f4de83c0"},
      {"pass\0word"sv, "sa\0lt"sv, 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f"},
      {"password"sv, "salt"sv, 8,
       "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d"},
      {"password"sv, "salt"sv, 42, "833cf0dcf56db65608e8f0dc0ce882bd"},
      {"Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et "
       "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea "
       "commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat "
       "nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit "
       "anim id est laborum."sv,
       "salis\0"sv, 8, "10978b07253df57f71a162eb0e8ad30a"},
  };
  for (const Case& c : cases) {
    const Bytes salt(c.salt.begin(), c.salt.end());
    Bytes out(c.out_hex.size() / 2);
    ASSERT_TRUE(bcrypt_pbkdf(c.passphrase, salt, c.rounds, out)) << c.out_hex;
    EXPECT_EQ(hex_encode(out), c.out_hex);
  }
}

TEST(BcryptPbkdf, StridedOutputLengths) {
  // Each length has its own stride, so outputs of different lengths are not prefixes of
  // each other; check only that every length 1..1024 works and is deterministic.
  const Bytes salt{1, 2, 3};
  for (std::size_t n : {1u, 31u, 32u, 33u, 64u, 65u, 1000u, 1024u}) {
    Bytes a(n, 0), b(n, 0xff);
    ASSERT_TRUE(bcrypt_pbkdf("x", salt, 1, a)) << n;
    ASSERT_TRUE(bcrypt_pbkdf("x", salt, 1, b)) << n;
    EXPECT_EQ(a, b) << n;
  }
}

TEST(BcryptPbkdf, RejectsBadArguments) {
  const Bytes salt{1, 2, 3, 4};
  std::array<std::uint8_t, 16> out{};
  std::vector<std::uint8_t> big(1025);
  const auto errc = [](const skiff::Result<void>& r) { return r ? Errc::truncated : r.error().code; };
  EXPECT_EQ(errc(bcrypt_pbkdf("pass", salt, 0, out)), Errc::invalid_argument);
  EXPECT_EQ(errc(bcrypt_pbkdf("pass", {}, 16, out)), Errc::invalid_argument);
  EXPECT_EQ(errc(bcrypt_pbkdf("pass", salt, 16, std::span<std::uint8_t>{})), Errc::invalid_argument);
  EXPECT_EQ(errc(bcrypt_pbkdf("pass", salt, 16, big)), Errc::invalid_argument);
  EXPECT_EQ(errc(bcrypt_pbkdf("", salt, 16, out)), Errc::invalid_argument);
  EXPECT_EQ(hex_encode(out), std::string(32, '0'));
}

}  // namespace
