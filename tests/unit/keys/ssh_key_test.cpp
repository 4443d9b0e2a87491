// SSH wire blobs for public keys and signatures: keys and signatures made by OpenSSH's
// ssh-keygen decode and verify, every key type round-trips, and malformed or mismatched
// blobs are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

using skiff::Errc;
using skiff::crypto::HashAlg;
using skiff::crypto::KeyType;
using skiff::crypto::PrivateKey;
using skiff::crypto::PublicKey;
using skiff::keys::decode_public_blob;
using skiff::keys::encode_public_blob;
using skiff::keys::key_type_name;
using skiff::keys::sign_to_blob;
using skiff::keys::signature_algorithm_fits_key;
using skiff::keys::verify_blob;
using skiff::wire::Bytes;
using skiff::wire::Reader;
using skiff::wire::Writer;

namespace {

Bytes base64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  Bytes out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;  // '=' padding
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return out;
}

Bytes hex(std::string_view in) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(in.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Made with OpenSSH 9.2's ssh-keygen: `ssh-keygen -t <type>`, then
// `ssh-keygen -Y sign -n file` over the 12 bytes "hello skiff\n". The second field is the
// public key blob of the .pub line, the third the signature blob inside the SSHSIG.
struct OpensshSample {
  const char* key_type;
  const char* sig_alg;
  const char* public_blob;
  const char* signature_blob;
};

const OpensshSample kOpenssh[] = {
    {"ssh-ed25519", "ssh-ed25519",
     "AAAAC3NzaC1lZDI1NTE5AAAAIASoWeC0SkpLVe1/U2WnbXN8hiyoxRDHlbc6rsGDzkaj",
     "AAAAC3NzaC1lZDI1NTE5AAAAQJ0bw25qFlKUZ7KUdwW91h28lH6FWnpngiT36FmBkaLjDiuhP0WbxWpaTNqueQjqNEoyq8ac"
     "B24zg8ujeNCQbg8="},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256",
     "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBORlDZT9SCR0LevkOjkhj6sMbuXdUfyj3W2VxY1MbdE4"
     "FEmCTnZ/m4rMn3UxnmaX20pOuRmzMLHSphq0cX6A21w=",
     "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAABKAAAAIQD4Icb74g2QGy2cVMyw7WEXu+B/roZXZ7n8prBcnt6TNwAAACEAhw1l"
     "ogAptNj8rERlEK72+DxVbT6PQ3yMu0VmLIeIsgU="},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384",
     "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKgIMMHJPzLuu4UYirS1zI8Cs4LfnjDEwaf81H/frl7b"
     "D7PEUaHGuI79KqYvIjFt39I9NpRR93kHSrwUrVK6LrHeI2PYnhiJIqgbh/rgNFiAObrSpc/JbVwxkKKwgs44Eg==",
     "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAABpAAAAMEZnkA0eG1iQc1Zr9BqxlWbQzd8yyfNM8esjFHZj7LUzNNgRoGR0fZi0"
     "Ebg4V0MgVAAAADEArGl4rSeeu46SFgqGhaA3hxayLGtPJdW/CqXi1DQPaR/YrjaOpkJWzzZIuh/z9mZq"},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521",
     "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAClo8/sZ0RKfD6p1yX5Zl6x5WKNXX7SHYu5G1MmZjxj"
     "AWwOSZbE6tb/ZrZE0/xw0JvKhECdSG43yaPM89P3kbUbEQDMJCTfqe51oWZEO5jVgvZkD6K3AZcVVqM7mSd7ijJyecDQo0mi"
     "Cwq00cm9RTb8J9y43/7FcHpEMayC90JX2QKtPw==",
     "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAACMAAAAQgGrXe6z93+/36/5BrHfloS1y8cF0hBrDxKfITuRT9JBr7ZKMgufnMyF"
     "IiDWG8VeGAhWNKNOePuk85tASDToi6b5AAAAAEIArfgHLvOwBus78el4DRgRjbbctNO46Hk32Iztk3BzaUi8haovmwaOpPKh"
     "+QVQMuNnpLA6vKgBygj+/Tqw7CBTQQM="},
    {"ssh-rsa", "rsa-sha2-512",
     "AAAAB3NzaC1yc2EAAAADAQABAAABAQCHSONr1m90BNyNu+s/x7cj9SGL0Be34PkT0bcBws3B3KVjQsEIROTGXArpcCDPbGIA"
     "TcZFOw3MGucWn4VU/doIZQtCluFsIXyMfICOB2n4tETg4erp1uvA4SOU1KVN2SnxSYKQ/HC7jJ3q7qv3oYFD43F2NUfMI4Mb"
     "1VyWrd68i02zK0zjnLvrQg6GKx80MWjKOftPya/IS1JUB4oQl82eTdEggyuugUNAluz1Qtt3d1WBklyhJetLRwU5Qd0zgxfn"
     "RUVpWilEbtbWAAZBiBxdJnct0lYlUXgGZRM4m45tlBUQxkgqkyM4T8Az1r+GcCIlZbvhIBJmwfOALwv15L9r",
     "AAAADHJzYS1zaGEyLTUxMgAAAQCCZ07P1oWnfv79uWJY4xOYMxtgPl0rDZ9gN2EFIAVb28Hcltr560hqmo+Cp4xThcCtZJSI"
     "By5BxJjATpBZNILRxMjgFqZlQk5LJFuNFLj5ddiyfZRwYj8K3L4SiOgY0X9AKWHice8wboAIpdUnJsHflUzZeaoKbnt6hh3Q"
     "9SjVJxsYfE706oZW+CFmqa3L3odeLrj02pScsH0cNzPqwUUKx42KTXcO0zhW6kGuQHNa1CFRgRCY/Af5r9ZegZxIpOjKDlms"
     "BNgpHhohjNDol7ahdT7Q8ywqxPMh3xa35CBJFKRuPq4VfSFWblHOrFC7M3l0Y0H2ytGuzRM1pUHDauNG"},
};

// What ssh-keygen -Y signs (PROTOCOL.sshsig): "SSHSIG" || string(namespace) ||
// string(reserved) || string(hash algorithm) || string(SHA-512 of the message).
Bytes sshsig_signed_data() {
  Bytes out = bytes_of("SSHSIG");
  Writer(out).string("file").string("").string("sha512").string(hex(
      "e1525f59f224408a5b1c911229bbddc87c2c00c4160b7cc0f6325a30814a1cf8"
      "ae458fc0711b8b66e59cfa5469bf700522cbb8f35c92d4b33b58676978cacf00"));
  return out;
}

const KeyType kAllTypes[] = {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521,
                             KeyType::rsa};

// Key generation (RSA above all) dominates the run time, so each test process makes at
// most two keys per type and shares them; slot 1 is "another key of the same type".
const PrivateKey& make_key(KeyType type, int slot = 0) {
  static std::map<std::pair<KeyType, int>, PrivateKey> keys;
  auto it = keys.find({type, slot});
  if (it == keys.end()) {
    auto key = PrivateKey::generate(type, 2048);
    if (!key) throw std::runtime_error("key generation failed: " + key.error().to_string());
    it = keys.emplace(std::pair{type, slot}, std::move(*key)).first;
  }
  return it->second;
}

Bytes blob_of(std::initializer_list<std::string_view> strings) {
  Bytes out;
  Writer w(out);
  for (auto s : strings) w.string(s);
  return out;
}

}  // namespace

TEST(SshKey, TypeNames) {
  EXPECT_EQ(key_type_name(KeyType::ed25519), "ssh-ed25519");
  EXPECT_EQ(key_type_name(KeyType::ecdsa_p256), "ecdsa-sha2-nistp256");
  EXPECT_EQ(key_type_name(KeyType::ecdsa_p384), "ecdsa-sha2-nistp384");
  EXPECT_EQ(key_type_name(KeyType::ecdsa_p521), "ecdsa-sha2-nistp521");
  EXPECT_EQ(key_type_name(KeyType::rsa), "ssh-rsa");
}

TEST(SshKey, SignatureAlgorithmsFitKeys) {
  EXPECT_TRUE(signature_algorithm_fits_key("ssh-ed25519", KeyType::ed25519));
  EXPECT_TRUE(signature_algorithm_fits_key("ecdsa-sha2-nistp384", KeyType::ecdsa_p384));
  EXPECT_FALSE(signature_algorithm_fits_key("ecdsa-sha2-nistp256", KeyType::ecdsa_p384));
  for (auto alg : {"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"}) {
    EXPECT_TRUE(signature_algorithm_fits_key(alg, KeyType::rsa)) << alg;
    EXPECT_FALSE(signature_algorithm_fits_key(alg, KeyType::ed25519)) << alg;
  }
  EXPECT_FALSE(signature_algorithm_fits_key("ssh-ed25519", KeyType::rsa));
  EXPECT_FALSE(signature_algorithm_fits_key("rsa-sha2-384", KeyType::rsa));
  EXPECT_FALSE(signature_algorithm_fits_key("ssh-ed25519-cert-v01@openssh.com", KeyType::ed25519));
  EXPECT_FALSE(signature_algorithm_fits_key("", KeyType::ed25519));
}

TEST(SshKey, OpensshKeysAndSignatures) {
  const Bytes signed_data = sshsig_signed_data();
  for (const auto& s : kOpenssh) {
    Bytes blob = base64(s.public_blob);
    auto key = decode_public_blob(blob);
    ASSERT_TRUE(key) << s.key_type << ": " << key.error().to_string();
    EXPECT_EQ(key_type_name(key->type()), s.key_type);
    EXPECT_EQ(encode_public_blob(*key), blob) << s.key_type << " re-encodes byte for byte";
    Bytes sig = base64(s.signature_blob);
    auto ok = verify_blob(*key, s.sig_alg, signed_data, sig);
    EXPECT_TRUE(ok) << s.key_type << ": " << ok.error().to_string();
    Bytes other = signed_data;
    other.back() ^= 1;
    auto bad = verify_blob(*key, s.sig_alg, other, sig);
    ASSERT_FALSE(bad) << s.key_type;
    EXPECT_EQ(bad.error().code, Errc::signature_invalid);
  }
  // OpenSSH signs SSHSIG with rsa-sha2-512: the blob names it, so it fails as 256.
  auto rsa = decode_public_blob(base64(kOpenssh[4].public_blob));
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->bits(), 2048u);
  EXPECT_FALSE(verify_blob(*rsa, "rsa-sha2-256", signed_data, base64(kOpenssh[4].signature_blob)));
  EXPECT_FALSE(verify_blob(*rsa, "ssh-rsa", signed_data, base64(kOpenssh[4].signature_blob), true));
}

TEST(SshKey, PublicBlobRoundTripEveryType) {
  for (KeyType type : kAllTypes) {
    const PrivateKey& key = make_key(type);
    Bytes blob = encode_public_blob(key.public_key());
    Reader r(blob);
    EXPECT_EQ(*r.text(), key_type_name(type));
    auto back = decode_public_blob(blob);
    ASSERT_TRUE(back) << key_type_name(type) << ": " << back.error().to_string();
    EXPECT_EQ(back->type(), type);
    EXPECT_EQ(back->bits(), key.public_key().bits());
    EXPECT_EQ(back->raw_public(), key.public_key().raw_public());
    EXPECT_EQ(back->rsa_components().n, key.public_key().rsa_components().n);
    EXPECT_EQ(back->rsa_components().e, key.public_key().rsa_components().e);
    EXPECT_EQ(encode_public_blob(*back), blob);
  }
}

TEST(SshKey, MalformedPublicBlobsRejected) {
  for (KeyType type : kAllTypes) {
    Bytes blob = encode_public_blob(make_key(type).public_key());
    // Every truncation fails, and so does any trailing byte.
    for (std::size_t n = 0; n < blob.size(); ++n) {
      EXPECT_FALSE(decode_public_blob(std::span(blob).first(n))) << key_type_name(type) << " cut at " << n;
    }
    Bytes longer = blob;
    longer.push_back(0);
    auto trailing = decode_public_blob(longer);
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, Errc::trailing_data);
  }

  const PrivateKey& p256 = make_key(KeyType::ecdsa_p256);
  Bytes point = p256.public_key().raw_public();
  auto ecdsa_blob = [&](std::string_view name, std::string_view curve, const Bytes& q) {
    Bytes out;
    Writer(out).string(name).string(curve).string(q);
    return out;
  };
  EXPECT_TRUE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp256", "nistp256", point)));
  EXPECT_FALSE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp256", "nistp384", point))) << "curve name mismatch";
  EXPECT_FALSE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp384", "nistp384", point))) << "P-256 point as P-384";
  EXPECT_FALSE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp384", "nistp256", point)));
  Bytes off = point;
  off.back() ^= 1;
  EXPECT_FALSE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp256", "nistp256", off))) << "off the curve";
  Bytes compressed(point.begin(), point.begin() + 33);
  compressed[0] = static_cast<std::uint8_t>(2 + (point.back() & 1));
  EXPECT_FALSE(decode_public_blob(ecdsa_blob("ecdsa-sha2-nistp256", "nistp256", compressed)));

  auto unknown = decode_public_blob(blob_of({"ssh-dss", "x"}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::unsupported);
  EXPECT_FALSE(decode_public_blob(blob_of({"ssh-ed25519-cert-v01@openssh.com", "x"})));
  EXPECT_FALSE(decode_public_blob(Bytes{}));

  Bytes ed31, ed33;
  Writer(ed31).string("ssh-ed25519").string(Bytes(31, 1));
  Writer(ed33).string("ssh-ed25519").string(Bytes(33, 1));
  EXPECT_FALSE(decode_public_blob(ed31));
  EXPECT_FALSE(decode_public_blob(ed33));

  // RSA: e and n are canonical mpints, n at least 1024 bits.
  const PrivateKey& rsa = make_key(KeyType::rsa);
  auto c = rsa.public_key().rsa_components();
  Bytes good;
  Writer(good).string("ssh-rsa").mpint_unsigned(c.e).mpint_unsigned(c.n);
  EXPECT_TRUE(decode_public_blob(good));
  Bytes noncanonical;
  Bytes e_padded(1, 0);
  e_padded.insert(e_padded.end(), c.e.begin(), c.e.end());
  Writer(noncanonical).string("ssh-rsa").string(e_padded).mpint_unsigned(c.n);
  EXPECT_FALSE(decode_public_blob(noncanonical)) << "superfluous zero byte in e";
  Bytes small;
  Writer(small).string("ssh-rsa").mpint_unsigned(c.e).mpint_unsigned(std::span(c.n).first(64));
  EXPECT_FALSE(decode_public_blob(small)) << "512-bit modulus";
  Bytes swapped;
  Writer(swapped).string("ssh-rsa").mpint_unsigned(c.n).mpint_unsigned(c.e);
  EXPECT_FALSE(decode_public_blob(swapped)) << "n and e swapped";

  // Oversize: refused before parsing, whatever the content.
  Bytes huge = good;
  huge.resize(skiff::limits::kMaxHostKeyBlob + 1, 0);
  auto too_large = decode_public_blob(huge);
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error().code, Errc::too_large);
  Bytes huge_n(skiff::limits::kMaxMpintBytes + 1, 0x7f);
  huge_n.back() = 0xff;
  Bytes big;
  Writer(big).string("ssh-rsa").mpint_unsigned(c.e).mpint_unsigned(huge_n);
  EXPECT_FALSE(decode_public_blob(big)) << "modulus over 16384 bits";
}

TEST(SshKey, SignatureBlobRoundTrips) {
  const Bytes data = bytes_of("exchange hash H");
  struct Case {
    KeyType type;
    const char* alg;
  };
  for (Case c : {Case{KeyType::ed25519, "ssh-ed25519"}, Case{KeyType::ecdsa_p256, "ecdsa-sha2-nistp256"},
                 Case{KeyType::ecdsa_p384, "ecdsa-sha2-nistp384"}, Case{KeyType::ecdsa_p521, "ecdsa-sha2-nistp521"},
                 Case{KeyType::rsa, "rsa-sha2-256"}, Case{KeyType::rsa, "rsa-sha2-512"}}) {
    const PrivateKey& key = make_key(c.type);
    auto blob = sign_to_blob(key, c.alg, data);
    ASSERT_TRUE(blob) << c.alg << ": " << blob.error().to_string();
    Reader r(*blob);
    EXPECT_EQ(*r.text(), c.alg);
    auto sig = r.string();
    ASSERT_TRUE(sig);
    EXPECT_TRUE(r.expect_end());
    if (c.type == KeyType::ed25519) {
      EXPECT_EQ(sig->size(), 64u);
    } else if (c.type == KeyType::rsa) {
      EXPECT_EQ(sig->size(), 256u);
    } else {
      Reader inner(*sig);
      EXPECT_TRUE(inner.mpint_unsigned());
      EXPECT_TRUE(inner.mpint_unsigned());
      EXPECT_TRUE(inner.expect_end());
    }
    EXPECT_TRUE(verify_blob(key.public_key(), c.alg, data, *blob)) << c.alg;
    Bytes other = data;
    other[0] ^= 1;
    EXPECT_FALSE(verify_blob(key.public_key(), c.alg, other, *blob)) << c.alg;
    Bytes trailing = *blob;
    trailing.push_back(0);
    EXPECT_FALSE(verify_blob(key.public_key(), c.alg, data, trailing)) << c.alg;
    for (std::size_t n : {std::size_t{0}, std::size_t{3}, blob->size() / 2, blob->size() - 1}) {
      EXPECT_FALSE(verify_blob(key.public_key(), c.alg, data, std::span(*blob).first(n))) << c.alg << " cut at " << n;
    }
    // Another key of the same type does not verify it.
    const PrivateKey& stranger = make_key(c.type, 1);
    auto wrong = verify_blob(stranger.public_key(), c.alg, data, *blob);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::signature_invalid);
  }
}

TEST(SshKey, SignatureAlgorithmMismatchesRejected) {
  const Bytes data = bytes_of("session id || userauth request");
  const PrivateKey& rsa = make_key(KeyType::rsa);
  auto s256 = sign_to_blob(rsa, "rsa-sha2-256", data);
  auto s512 = sign_to_blob(rsa, "rsa-sha2-512", data);
  ASSERT_TRUE(s256 && s512);
  EXPECT_EQ(verify_blob(rsa.public_key(), "rsa-sha2-512", data, *s256).error().code, Errc::signature_invalid);
  EXPECT_EQ(verify_blob(rsa.public_key(), "rsa-sha2-256", data, *s512).error().code, Errc::signature_invalid);
  EXPECT_FALSE(verify_blob(rsa.public_key(), "ssh-rsa", data, *s256, true));

  // The name inside the blob is checked, and so is the signature under it: a SHA-256
  // signature relabelled rsa-sha2-512 fails.
  Reader r(*s256);
  (void)r.text();
  auto raw = r.string();
  ASSERT_TRUE(raw);
  Bytes relabelled;
  Writer(relabelled).string("rsa-sha2-512").string(*raw);
  EXPECT_EQ(verify_blob(rsa.public_key(), "rsa-sha2-512", data, relabelled).error().code, Errc::signature_invalid);

  // ssh-rsa (SHA-1) only on request, when signing and when verifying.
  auto sha1 = sign_to_blob(rsa, "ssh-rsa", data);
  ASSERT_FALSE(sha1);
  EXPECT_EQ(sha1.error().code, Errc::unsupported);
  auto sha1_allowed = sign_to_blob(rsa, "ssh-rsa", data, true);
  ASSERT_TRUE(sha1_allowed);
  EXPECT_EQ(verify_blob(rsa.public_key(), "ssh-rsa", data, *sha1_allowed).error().code, Errc::unsupported);
  EXPECT_TRUE(verify_blob(rsa.public_key(), "ssh-rsa", data, *sha1_allowed, true));
  EXPECT_FALSE(verify_blob(rsa.public_key(), "rsa-sha2-256", data, *sha1_allowed, true));

  // An algorithm that does not fit the key is the caller's error.
  const PrivateKey& ed = make_key(KeyType::ed25519);
  EXPECT_EQ(sign_to_blob(ed, "rsa-sha2-256", data).error().code, Errc::invalid_argument);
  EXPECT_EQ(sign_to_blob(rsa, "ssh-ed25519", data).error().code, Errc::invalid_argument);
  auto ed_sig = sign_to_blob(ed, "ssh-ed25519", data);
  ASSERT_TRUE(ed_sig);
  EXPECT_EQ(verify_blob(rsa.public_key(), "ssh-ed25519", data, *ed_sig).error().code, Errc::invalid_argument);
  EXPECT_EQ(verify_blob(ed.public_key(), "ecdsa-sha2-nistp256", data, *ed_sig).error().code, Errc::invalid_argument);

  const PrivateKey& p256 = make_key(KeyType::ecdsa_p256);
  const PrivateKey& p384 = make_key(KeyType::ecdsa_p384);
  auto p256_sig = sign_to_blob(p256, "ecdsa-sha2-nistp256", data);
  ASSERT_TRUE(p256_sig);
  EXPECT_FALSE(verify_blob(p384.public_key(), "ecdsa-sha2-nistp384", data, *p256_sig));
  EXPECT_EQ(sign_to_blob(p384, "ecdsa-sha2-nistp256", data).error().code, Errc::invalid_argument);

  Bytes oversize = *ed_sig;
  oversize.resize(skiff::limits::kMaxSignatureBlob + 1);
  EXPECT_EQ(verify_blob(ed.public_key(), "ssh-ed25519", data, oversize).error().code, Errc::too_large);
}

TEST(SshKey, EcdsaInnerEncoding) {
  const Bytes data = bytes_of("H");
  const PrivateKey& key = make_key(KeyType::ecdsa_p256);
  auto blob = sign_to_blob(key, "ecdsa-sha2-nistp256", data);
  ASSERT_TRUE(blob);

  auto rebuild = [&](const Bytes& inner_bytes) {
    Bytes out;
    Writer(out).string("ecdsa-sha2-nistp256").string(inner_bytes);
    return out;
  };
  auto split = [&](const Bytes& b) {
    Reader outer(b);
    (void)outer.text();
    Reader in(*outer.string());
    auto rr = in.mpint_unsigned();
    auto ss = in.mpint_unsigned();
    return std::pair{Bytes(rr->begin(), rr->end()), Bytes(ss->begin(), ss->end())};
  };
  auto [r_mag, s_mag] = split(*blob);

  Bytes ok;
  Writer(ok).mpint_unsigned(r_mag).mpint_unsigned(s_mag);
  EXPECT_TRUE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(ok)));

  Bytes extra = ok;
  extra.push_back(0);
  EXPECT_FALSE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(extra))) << "trailing inner byte";

  Bytes only_r;
  Writer(only_r).mpint_unsigned(r_mag);
  EXPECT_FALSE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(only_r)));

  // r widened to 33 significant bytes (a leading 0x01) is refused as too long.
  Bytes wide_r(1, 0x01);
  wide_r.insert(wide_r.end(), r_mag.begin(), r_mag.end());
  wide_r.resize(std::max<std::size_t>(wide_r.size(), 33));
  Bytes too_long;
  Writer(too_long).mpint_unsigned(wide_r).mpint_unsigned(s_mag);
  EXPECT_FALSE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(too_long)));

  // Zero r or s.
  Bytes zero_r;
  Writer(zero_r).mpint_unsigned(Bytes{}).mpint_unsigned(s_mag);
  EXPECT_FALSE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(zero_r)));

  // Non-canonical mpint (superfluous leading zero byte) is refused by the reader.
  Bytes padded_r(1, 0);
  padded_r.insert(padded_r.end(), r_mag.begin(), r_mag.end());
  if (!(r_mag[0] & 0x80)) {
    Bytes noncanonical;
    Writer(noncanonical).string(padded_r).mpint_unsigned(s_mag);
    EXPECT_FALSE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, rebuild(noncanonical)));
  }

  // A signature whose r is shorter than 32 bytes (about 1 in 256) is carried as a short
  // mpint and must be padded back, not refused.
  bool found_short = false;
  for (int i = 0; i < 4000 && !found_short; ++i) {
    auto b = sign_to_blob(key, "ecdsa-sha2-nistp256", data);
    ASSERT_TRUE(b);
    auto [rr, ss] = split(*b);
    if (rr.size() < 32 || ss.size() < 32) {
      found_short = true;
      EXPECT_TRUE(verify_blob(key.public_key(), "ecdsa-sha2-nistp256", data, *b));
    }
  }
  EXPECT_TRUE(found_short);
}
