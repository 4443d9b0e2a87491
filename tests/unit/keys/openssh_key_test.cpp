// openssh-key-v1: keys that OpenSSH 9.2's ssh-keygen wrote (plain and with every -Z
// cipher) read back to what `ssh-keygen -y` printed; what skiff writes has ssh-keygen's
// exact layout and round-trips for every key type and cipher; wrong passphrases and
// every kind of damaged file give clean errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <string_view>

#include "crypto/bcrypt_pbkdf.hpp"
#include "crypto/key_file_cipher.hpp"
#include "keys/openssh_key.hpp"
#include "openssh_key_fixtures.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using skiff::Errc;
using skiff::crypto::KeyType;
using skiff::crypto::PrivateKey;
using skiff::keys::encode_public_blob;
using skiff::keys::inspect_openssh_private_key;
using skiff::keys::OpenSshKeyOptions;
using skiff::keys::read_openssh_private_key;
using skiff::keys::write_openssh_private_key;
using skiff::wire::Bytes;
using skiff::wire::Reader;
using skiff::wire::Writer;
using skiff_test::kFixturePassphrase;
using skiff_test::kOpenSshFixtures;
using skiff_test::OpenSshFixture;

namespace {

constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----\n";

Bytes unarmour(std::string_view text) {
  text.remove_prefix(kBegin.size());
  text.remove_suffix(kEnd.size());
  std::string b64;
  for (char c : text) {
    if (c != '\n') b64.push_back(c);
  }
  return skiff::wire::base64_decode(b64).value();
}

std::string armour(const Bytes& bin) {
  std::string b64 = skiff::wire::base64_encode(bin), out(kBegin);
  for (std::size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + std::string(kEnd);
}

struct PublicLine {
  Bytes blob;
  std::string comment;
};
PublicLine split_public_line(std::string_view line) {
  auto sp1 = line.find(' ');
  auto sp2 = line.find(' ', sp1 + 1);
  std::string_view b64 = line.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
  return {skiff::wire::base64_decode(b64).value(),
          sp2 == std::string_view::npos ? std::string() : std::string(line.substr(sp2 + 1))};
}

// Offset of the private section (the first check integer) in a decoded file.
std::size_t section_offset(const Bytes& bin) {
  Reader r(bin);
  EXPECT_TRUE(r.raw(15) && r.string() && r.string() && r.string() && r.u32() && r.string() && r.u32());
  return r.position();
}

void expect_error(const skiff::Result<skiff::keys::OpenSshPrivateKey>& r, Errc code, const std::string& what) {
  ASSERT_FALSE(r) << what;
  EXPECT_EQ(r.error().code, code) << what << ": " << r.error().to_string();
}

const OpenSshFixture& fixture(std::string_view name) {
  for (const OpenSshFixture& f : kOpenSshFixtures) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no fixture " + std::string(name));
}

const PrivateKey& test_key(KeyType type, std::size_t bits = 2048) {
  static std::map<std::pair<KeyType, std::size_t>, PrivateKey> keys;
  auto it = keys.find({type, bits});
  if (it == keys.end()) it = keys.emplace(std::pair{type, bits}, PrivateKey::generate(type, bits).value()).first;
  return it->second;
}

// --- Keys written by ssh-keygen -------------------------------------------------------

TEST(OpenSshKey, ReadsSshKeygenFixtures) {
  for (const OpenSshFixture& f : kOpenSshFixtures) {
    const PublicLine want = split_public_line(f.public_line);
    const bool encrypted = f.cipher != "none";
    auto info = inspect_openssh_private_key(f.private_key);
    ASSERT_TRUE(info) << f.name << ": " << info.error().to_string();
    EXPECT_EQ(encode_public_blob(info->public_key), want.blob) << f.name;
    EXPECT_EQ(info->encrypted, encrypted) << f.name;
    EXPECT_EQ(info->cipher, f.cipher) << f.name;
    EXPECT_EQ(info->kdf, encrypted ? "bcrypt" : "none") << f.name;
    EXPECT_EQ(info->kdf_rounds, encrypted ? 2u : 0u) << f.name;

    auto key = read_openssh_private_key(f.private_key, encrypted ? kFixturePassphrase : "");
    ASSERT_TRUE(key) << f.name << ": " << key.error().to_string();
    EXPECT_EQ(encode_public_blob(key->key.public_key()), want.blob) << f.name;
    EXPECT_EQ(key->comment, want.comment) << f.name;
    // The private half really is the key's: a signature verifies with the public key.
    const Bytes msg = {'s', 'k', 'i', 'f', 'f'};
    auto sig = key->key.sign(msg);
    ASSERT_TRUE(sig) << f.name;
    EXPECT_TRUE(info->public_key.verify(msg, *sig)) << f.name;
  }
}

TEST(OpenSshKey, WrongOrMissingPassphrase) {
  for (const OpenSshFixture& f : kOpenSshFixtures) {
    if (f.cipher == "none") {
      // OpenSSH ignores a passphrase given for a plain key; so does skiff.
      EXPECT_TRUE(read_openssh_private_key(f.private_key, "anything")) << f.name;
      continue;
    }
    expect_error(read_openssh_private_key(f.private_key, "correct horse!"), Errc::bad_passphrase, std::string(f.name));
    expect_error(read_openssh_private_key(f.private_key, ""), Errc::bad_passphrase, std::string(f.name) + " empty");
  }
}

TEST(OpenSshKey, AcceptsCrlfAndTrailingBlankLines) {
  const OpenSshFixture& f = fixture("ed25519_plain");
  std::string crlf;
  for (char c : f.private_key) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_TRUE(read_openssh_private_key(crlf, ""));
  EXPECT_TRUE(read_openssh_private_key(std::string(f.private_key) + "\n\n", ""));
  std::string no_final_newline(f.private_key);
  no_final_newline.pop_back();
  EXPECT_TRUE(read_openssh_private_key(no_final_newline, ""));
}

// Re-writing a plain ssh-keygen key gives ssh-keygen's bytes, except the random checks.
TEST(OpenSshKey, WritesSshKeygenLayout) {
  for (const OpenSshFixture& f : kOpenSshFixtures) {
    if (f.cipher != "none") continue;
    auto key = read_openssh_private_key(f.private_key, "");
    ASSERT_TRUE(key);
    auto text = write_openssh_private_key(key->key, key->comment, "");
    ASSERT_TRUE(text);
    Bytes ours = unarmour(*text), theirs = unarmour(f.private_key);
    ASSERT_EQ(ours.size(), theirs.size()) << f.name;
    const std::size_t checks = section_offset(theirs);
    for (std::size_t i = checks; i < checks + 8; ++i) ours[i] = theirs[i];
    EXPECT_EQ(ours, theirs) << f.name;
    EXPECT_EQ(armour(ours), f.private_key) << f.name;  // same armour and line lengths
  }
}

// --- Round trips ----------------------------------------------------------------------

TEST(OpenSshKey, RoundTripEveryTypeAndCipher) {
  const std::pair<KeyType, std::size_t> types[] = {{KeyType::ed25519, 0},    {KeyType::ecdsa_p256, 0},
                                                   {KeyType::ecdsa_p384, 0}, {KeyType::ecdsa_p521, 0},
                                                   {KeyType::rsa, 2048},     {KeyType::rsa, 3072}};
  for (auto [type, bits] : types) {
    const PrivateKey& key = test_key(type, bits);
    const Bytes blob = encode_public_blob(key.public_key());
    for (const auto& c : skiff::crypto::key_file_ciphers()) {
      const bool plain = c.name == "none";
      const std::string what = std::string(skiff::keys::key_type_name(type)) + " " + std::string(c.name);
      OpenSshKeyOptions opt{std::string(c.name), 2};
      auto text = write_openssh_private_key(key, "user@host with spaces", plain ? "" : "pass phrase", opt);
      ASSERT_TRUE(text) << what << ": " << text.error().to_string();
      ASSERT_TRUE(text->starts_with(kBegin) && text->ends_with(kEnd)) << what;
      auto info = inspect_openssh_private_key(*text);
      ASSERT_TRUE(info) << what;
      EXPECT_EQ(info->cipher, c.name) << what;
      EXPECT_EQ(info->kdf_rounds, plain ? 0u : 2u) << what;
      EXPECT_EQ(encode_public_blob(info->public_key), blob) << what;
      auto back = read_openssh_private_key(*text, plain ? "" : "pass phrase");
      ASSERT_TRUE(back) << what << ": " << back.error().to_string();
      EXPECT_EQ(back->comment, "user@host with spaces");
      EXPECT_EQ(encode_public_blob(back->key.public_key()), blob) << what;
      const Bytes msg = {1, 2, 3};
      EXPECT_TRUE(key.public_key().verify(msg, back->key.sign(msg).value())) << what;
      if (!plain) expect_error(read_openssh_private_key(*text, "pass phrasE"), Errc::bad_passphrase, what);
      // Section padded to the block size with 1, 2, 3, ... (checked when reading).
      const Bytes bin = unarmour(*text);
      const std::size_t off = section_offset(bin);
      EXPECT_EQ((bin.size() - off - c.tag_len) % c.block_size, 0u) << what;
    }
  }
}

TEST(OpenSshKey, EmptyPassphraseWritesPlainKey) {
  auto text = write_openssh_private_key(test_key(KeyType::ed25519), "", "", {"aes256-gcm@openssh.com", 2});
  ASSERT_TRUE(text);
  auto info = inspect_openssh_private_key(*text);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->encrypted);
  EXPECT_EQ(info->cipher, "none");
  EXPECT_EQ(info->kdf, "none");
  auto back = read_openssh_private_key(*text, "");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->comment, "");
}

TEST(OpenSshKey, WriterRefusesBadOptions) {
  const PrivateKey& key = test_key(KeyType::ed25519);
  for (const OpenSshKeyOptions& opt : {OpenSshKeyOptions{"aes512-ctr", 2}, OpenSshKeyOptions{"none", 2},
                                       OpenSshKeyOptions{"aes256-ctr", 0},
                                       OpenSshKeyOptions{"aes256-ctr", skiff::limits::kMaxKdfRounds + 1}}) {
    auto r = write_openssh_private_key(key, "c", "pw", opt);
    ASSERT_FALSE(r) << opt.cipher << " " << opt.kdf_rounds;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  auto r = write_openssh_private_key(key, std::string_view("a\0b", 3), "", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

// --- Damaged files --------------------------------------------------------------------

// Builds a file from parts, encrypting the section as OpenSSH does, so that each test
// can break exactly one thing.
struct Parts {
  std::string cipher = "none";
  std::string kdf = "none";
  Bytes salt = Bytes(16, 7);
  std::uint32_t rounds = 2;
  std::optional<Bytes> kdf_options;  // replaces the one made from salt and rounds
  std::uint32_t nkeys = 1;
  Bytes public_blob;
  Bytes section;  // plaintext, already padded
  std::string passphrase;
  Bytes trailing;
};

std::string build(const Parts& p) {
  Bytes bin;
  Writer w(bin);
  Bytes opts;
  if (p.kdf_options) opts = *p.kdf_options;
  else if (p.kdf == "bcrypt") Writer(opts).string(p.salt).u32(p.rounds);
  w.raw(std::string_view("openssh-key-v1\0", 15)).string(p.cipher).string(p.kdf).string(opts).u32(p.nkeys);
  w.string(p.public_blob).u32(static_cast<std::uint32_t>(p.section.size()));
  const auto* c = skiff::crypto::find_key_file_cipher(p.cipher);
  if (p.kdf == "bcrypt" && c != nullptr && c->key_len > 0) {
    skiff::crypto::SecureBytes k(c->key_len + c->iv_len);
    EXPECT_TRUE(skiff::crypto::bcrypt_pbkdf(p.passphrase, p.salt, p.rounds, k));
    skiff::crypto::ByteView kv(k.data(), k.size());
    w.raw(skiff::crypto::key_file_encrypt(*c, kv.first(c->key_len), kv.subspan(c->key_len), p.section).value());
  } else {
    w.raw(p.section);
  }
  w.raw(p.trailing);
  return armour(bin);
}

struct SectionSpec {
  std::uint32_t check1 = 0x11223344, check2 = 0x11223344;
  std::string type_name = "ssh-ed25519";
  Bytes pk, sk;
  std::string comment = "c";
  std::size_t block = 8;
  bool good_padding = true;
  Bytes extra;  // between the comment and the padding
};

Bytes section(const SectionSpec& s) {
  Bytes out;
  Writer w(out);
  w.u32(s.check1).u32(s.check2).string(s.type_name).string(s.pk).string(s.sk).string(s.comment).raw(s.extra);
  for (std::uint8_t i = 1; out.size() % s.block != 0; ++i) w.byte(s.good_padding ? i : static_cast<std::uint8_t>(i + 1));
  return out;
}

// An Ed25519 key with fixed seed 0..31 and its parts.
struct EdKey {
  PrivateKey key = PrivateKey::ed25519(Bytes{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                             16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31})
                       .value();
  Bytes blob = encode_public_blob(key.public_key());
  Bytes pk = key.public_key().raw_public();
  Bytes sk = [this] {
    auto seed = key.ed25519_seed();
    Bytes s(seed.begin(), seed.end());
    s.insert(s.end(), pk.begin(), pk.end());
    return s;
  }();
  SectionSpec spec() const {
    SectionSpec s;
    s.pk = pk;
    s.sk = sk;
    return s;
  }
  Parts parts(const SectionSpec& s) const {
    Parts p;
    p.public_blob = blob;
    p.section = section(s);
    return p;
  }
};

TEST(OpenSshKeyMalformed, BuilderMakesValidFiles) {
  EdKey ed;
  EXPECT_TRUE(read_openssh_private_key(build(ed.parts(ed.spec())), ""));
  Parts p = ed.parts([&] {
    auto s = ed.spec();
    s.block = 16;
    return s;
  }());
  p.cipher = "aes256-ctr";
  p.kdf = "bcrypt";
  p.passphrase = "pw";
  EXPECT_TRUE(read_openssh_private_key(build(p), "pw"));
}

TEST(OpenSshKeyMalformed, TruncatedAtEveryOffset) {
  for (std::string_view name : {"ed25519_plain", "ed25519_aes256-gcm", "ecdsa521_chacha20-poly1305"}) {
    const OpenSshFixture& f = fixture(name);
    const Bytes bin = unarmour(f.private_key);
    for (std::size_t n = 0; n < bin.size(); ++n) {
      const std::string text = armour(Bytes(bin.begin(), bin.begin() + static_cast<long>(n)));
      auto r = read_openssh_private_key(text, kFixturePassphrase);
      ASSERT_FALSE(r) << f.name << " cut at " << n;
      EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::bad_format)
          << f.name << " cut at " << n << ": " << r.error().to_string();
      EXPECT_FALSE(inspect_openssh_private_key(text)) << f.name << " cut at " << n;
    }
  }
}

TEST(OpenSshKeyMalformed, CheckIntegers) {
  EdKey ed;
  auto s = ed.spec();
  s.check2 ^= 1;
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "plain");
  s.block = 16;
  Parts p = ed.parts(s);
  p.cipher = "aes128-cbc";
  p.kdf = "bcrypt";
  p.passphrase = "pw";
  expect_error(read_openssh_private_key(build(p), "pw"), Errc::bad_passphrase, "encrypted");
}

TEST(OpenSshKeyMalformed, Padding) {
  EdKey ed;
  auto s = ed.spec();
  s.good_padding = false;
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "2, 3, ...");
  // ed25519_plain ends "... comment || 01 02": change the last padding byte.
  Bytes bin = unarmour(fixture("ed25519_plain").private_key);
  ASSERT_EQ(bin.back(), 2);
  bin.back() = 0;
  expect_error(read_openssh_private_key(armour(bin), ""), Errc::bad_format, "fixture");
  // Fields after the comment look like bad padding, too.
  s = ed.spec();
  s.extra = {0, 0, 0, 0};
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "extra field");
}

TEST(OpenSshKeyMalformed, TrailingData) {
  EdKey ed;
  Parts p = ed.parts(ed.spec());
  p.trailing = {1};
  expect_error(read_openssh_private_key(build(p), ""), Errc::trailing_data, "after section");
  Bytes bin = unarmour(fixture("ed25519_aes256-gcm").private_key);
  bin.push_back(0);
  expect_error(read_openssh_private_key(armour(bin), kFixturePassphrase), Errc::trailing_data, "after tag");
}

TEST(OpenSshKeyMalformed, OverlongLengthFields) {
  const Bytes good = unarmour(fixture("ed25519_plain").private_key);
  // Every u32 length of the envelope in turn, set to huge and to one past the end.
  std::vector<std::size_t> offsets;
  Reader r(good);
  ASSERT_TRUE(r.raw(15));
  for (int i = 0; i < 3; ++i) {
    offsets.push_back(r.position());
    ASSERT_TRUE(r.string());
  }
  ASSERT_TRUE(r.u32());
  offsets.push_back(r.position());
  ASSERT_TRUE(r.string());
  offsets.push_back(r.position());
  for (std::size_t off : offsets) {
    for (std::uint32_t v : {0xFFFFFFFFu, 0x7FFFFFF8u, static_cast<std::uint32_t>(good.size())}) {
      Bytes bin = good;
      skiff::wire::put_u32(bin.data() + off, v);
      auto res = read_openssh_private_key(armour(bin), "");
      ASSERT_FALSE(res) << off << " " << v;
      EXPECT_TRUE(res.error().code == Errc::truncated || res.error().code == Errc::too_large ||
                  res.error().code == Errc::bad_format)
          << off << " " << v << ": " << res.error().to_string();
    }
  }
  // Lengths inside the private section: the comment's.
  EdKey ed;
  Parts p = ed.parts(ed.spec());
  // checks 8 || string "ssh-ed25519" 15 || string pk 36 || string sk 68 || string "c"
  const std::size_t comment_len_at = 8 + 15 + 36 + 68;
  ASSERT_EQ(p.section[comment_len_at + 3], 1);
  skiff::wire::put_u32(p.section.data() + comment_len_at, 0x10000);
  expect_error(read_openssh_private_key(build(p), ""), Errc::truncated, "comment length");
}

TEST(OpenSshKeyMalformed, UnknownCipherOrKdf) {
  EdKey ed;
  Parts p = ed.parts(ed.spec());
  p.cipher = "aes512-ctr";
  p.kdf = "bcrypt";
  expect_error(read_openssh_private_key(build(p), "pw"), Errc::unsupported, "cipher");
  EXPECT_FALSE(inspect_openssh_private_key(build(p)));
  p = ed.parts(ed.spec());
  p.cipher = "aes256-ctr";
  p.kdf = "scrypt";
  expect_error(read_openssh_private_key(build(p), "pw"), Errc::unsupported, "kdf");
  p.kdf = "none";  // an encrypted key needs a KDF
  expect_error(read_openssh_private_key(build(p), "pw"), Errc::bad_format, "no kdf");
  p.cipher = "none";
  p.kdf = "bcrypt";
  expect_error(read_openssh_private_key(build(p), "pw"), Errc::unsupported, "bcrypt without cipher");
  p.kdf = "none";
  p.kdf_options = Bytes{0, 0, 0, 0};
  expect_error(read_openssh_private_key(build(p), ""), Errc::bad_format, "kdf none with options");
}

TEST(OpenSshKeyMalformed, KdfRoundsAndSalt) {
  EdKey ed;
  auto s = ed.spec();
  s.block = 16;
  Parts p = ed.parts(s);
  p.cipher = "aes256-ctr";
  p.kdf = "bcrypt";
  p.passphrase = "pw";
  p.rounds = skiff::limits::kMaxKdfRounds + 1;
  p.kdf_options = Bytes{};
  Writer(*p.kdf_options).string(p.salt).u32(p.rounds);
  p.rounds = 2;  // the section itself is encrypted cheaply; the file claims many rounds
  const std::string text = build(p);
  expect_error(read_openssh_private_key(text, "pw"), Errc::too_large, "rounds above cap");
  auto info = inspect_openssh_private_key(text);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::too_large);
  for (const Bytes& opts : {Bytes{0, 0, 0, 1, 7, 0, 0, 0, 0}, Bytes{0, 0, 0, 0, 0, 0, 0, 2},
                            Bytes{0, 0, 0, 1, 7, 0, 0, 0, 2, 9}, Bytes{0, 0, 0, 1, 7, 0, 0}}) {
    p.kdf_options = opts;  // zero rounds, empty salt, trailing byte, truncated
    auto r = read_openssh_private_key(build(p), "pw");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().code, Errc::bad_passphrase) << r.error().to_string();
  }
}

TEST(OpenSshKeyMalformed, TwoKeys) {
  EdKey ed;
  for (std::uint32_t n : {0u, 2u}) {
    Parts p = ed.parts(ed.spec());
    p.nkeys = n;
    expect_error(read_openssh_private_key(build(p), ""), Errc::bad_format, "nkeys");
  }
}

TEST(OpenSshKeyMalformed, MismatchedPublicAndPrivate) {
  EdKey ed;
  const PrivateKey& other = test_key(KeyType::ed25519);
  Parts p = ed.parts(ed.spec());
  p.public_blob = encode_public_blob(other.public_key());
  expect_error(read_openssh_private_key(build(p), ""), Errc::bad_format, "header key");
  auto s = ed.spec();
  s.pk = other.public_key().raw_public();  // inner pk differs from sk's seed
  std::copy(s.pk.begin(), s.pk.end(), s.sk.begin() + 32);
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "inner pk");
  s = ed.spec();
  s.sk[40] ^= 1;  // sk does not end in pk
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "sk tail");
  s = ed.spec();
  s.type_name = "ssh-rsa";
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "type name");
  s = ed.spec();
  s.sk.pop_back();
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "sk size");
  s = ed.spec();
  s.comment = std::string("a\0b", 3);
  expect_error(read_openssh_private_key(build(ed.parts(s)), ""), Errc::bad_format, "NUL in comment");
  // ECDSA and RSA keys written for one key, header swapped for another of the same type.
  for (KeyType t : {KeyType::ecdsa_p256, KeyType::rsa}) {
    auto a = write_openssh_private_key(test_key(t), "", "").value();
    Bytes bin = unarmour(a);
    const Bytes own = encode_public_blob(test_key(t).public_key());
    const Bytes foreign = encode_public_blob(PrivateKey::generate(t, 2048).value().public_key());
    ASSERT_EQ(own.size(), foreign.size());
    auto at = std::search(bin.begin(), bin.end(), own.begin(), own.end());
    ASSERT_NE(at, bin.end());
    std::copy(foreign.begin(), foreign.end(), at);
    expect_error(read_openssh_private_key(armour(bin), ""), Errc::bad_format, "swapped header");
  }
}

TEST(OpenSshKeyMalformed, Armour) {
  const std::string good(fixture("ed25519_plain").private_key);
  auto check = [](const std::string& text, Errc code, const char* what) {
    expect_error(read_openssh_private_key(text, ""), code, what);
    EXPECT_FALSE(inspect_openssh_private_key(text)) << what;
  };
  check(good.substr(kBegin.size()), Errc::bad_format, "no BEGIN");
  check(good.substr(0, good.size() - kEnd.size()), Errc::bad_format, "no END");
  check("", Errc::bad_format, "empty");
  check(" " + good, Errc::bad_format, "indented BEGIN");
  check("-----BEGIN RSA PRIVATE KEY-----\n" + good.substr(kBegin.size()), Errc::bad_format, "other label");
  // Text after END is ignored, as OpenSSH does (people append the .pub line to the key).
  auto appended = read_openssh_private_key(good + "ssh-ed25519 AAAA comment\n", "");
  EXPECT_TRUE(appended) << (appended ? "" : appended.error().to_string());
  std::string bad = good;
  bad[kBegin.size() + 5] = '*';
  check(bad, Errc::bad_format, "bad base64 character");
  bad = good;
  bad.insert(kBegin.size() + 70, "=");
  check(bad, Errc::bad_format, "padding inside");
  std::string magic = good;
  magic[kBegin.size()] = 'c';  // "openssh" -> "qpenssh"
  check(magic, Errc::bad_format, "bad magic");
  check(std::string(skiff::limits::kMaxKeyFileBytes + 1, 'A'), Errc::too_large, "huge");
}

}  // namespace
