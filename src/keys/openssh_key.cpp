// openssh-key-v1 (OpenSSH PROTOCOL.key), laid out as OpenSSH 9.2's sshkey.c writes it:
//   "openssh-key-v1\0" || string cipher || string kdf || string kdf options
//   || u32 1 || string public blob || u32 section length || section (encrypted) || tag
// with the kdf options string(salt) || u32 rounds for bcrypt (empty for none), and the
// section u32 check || u32 check || string key type || key fields || string comment ||
// padding 1, 2, 3, ... up to a multiple of the cipher's block size. Key fields:
//   ssh-ed25519:        string pk(32) || string sk(64 = seed || pk)
//   ecdsa-sha2-nistpN:  string curve id || string Q || mpint d
//   ssh-rsa:            mpint n || mpint e || mpint d || mpint iqmp || mpint p || mpint q
// The armour is base64 in lines of 70 between the BEGIN and END lines.
//
// Reading is stricter than OpenSSH where OpenSSH's own writer never varies: the KDF
// options must be consumed exactly (empty for "none"), an Ed25519 sk must end in its pk,
// and the comment may not hold NUL. Files that OpenSSH writes all pass.
#include "keys/openssh_key.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "crypto/bcrypt_pbkdf.hpp"
#include "crypto/key_file_cipher.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::keys {

namespace {

using crypto::KeyType;
using crypto::PrivateKey;
using crypto::SecureBytes;

constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
// The magic includes its terminating NUL.
constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
constexpr std::size_t kSaltLen = 16;
constexpr std::size_t kLineWidth = 70;
constexpr std::size_t kMaxNameLen = 64;  // cipher and KDF names
constexpr std::size_t kEd25519Len = 32;

// Wipes a buffer that held (possibly unencrypted) key material when it goes.
template <class T>
struct WipeOnExit {
  T& buf;
  ~WipeOnExit() { crypto::wipe(buf.data(), buf.size()); }
};

// The whole file in its parsed, not yet decrypted form; views point into `decoded`.
struct Envelope {
  wire::Bytes decoded;
  WipeOnExit<wire::Bytes> wipe_decoded{decoded};
  const crypto::KeyFileCipher* cipher = nullptr;
  std::string kdf;
  wire::ByteView salt;
  unsigned rounds = 0;
  wire::ByteView public_blob;
  std::optional<crypto::PublicKey> public_key;
  wire::ByteView section;  // ciphertext || tag

  Envelope() = default;
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;
};

std::string_view trim_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The base64 between the armour lines, whitespace removed. Anything but blank lines
// after the END line is refused, as is a missing END line.
Result<std::string> unarmour(std::string_view text) {
  if (text.size() > limits::kMaxKeyFileBytes) return fail(Errc::too_large, "key file larger than 1 MiB");
  std::size_t pos = 0;
  auto next_line = [&]() -> std::optional<std::string_view> {
    if (pos >= text.size()) return std::nullopt;
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = trim_cr(text.substr(pos, end - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    return line;
  };
  auto first = next_line();
  if (!first || *first != kBegin) return fail(Errc::bad_format, "not an OpenSSH private key (no BEGIN line)");
  std::string body;
  body.reserve(text.size());  // never reallocated: no stale copies of the key's base64
  bool ended = false;
  while (auto line = next_line()) {
    if (*line == kEnd) {
      ended = true;
      break;
    }
    for (char c : *line) {
      if (c != ' ' && c != '\t') body.push_back(c);
    }
  }
  if (!ended) {
    crypto::wipe(body.data(), body.size());
    return fail(Errc::bad_format, "OpenSSH private key has no END line");
  }
  // Text after the END line is ignored, as OpenSSH does (people append the .pub line).
  return body;
}

template <class T>
std::unexpected<Error> pass_on(Result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// Parses everything outside the private section, so that inspect and read agree.
Result<void> parse_envelope(std::string_view text, Envelope& env) {
  auto b64 = unarmour(text);
  if (!b64) return pass_on(b64);
  WipeOnExit<std::string> wipe_b64{*b64};
  auto decoded = wire::base64_decode(*b64);
  if (!decoded) return fail(Errc::bad_format, "OpenSSH private key: invalid base64");
  env.decoded = std::move(*decoded);

  wire::Reader r(env.decoded);
  auto magic = r.raw(kMagic.size());
  if (!magic || !std::equal(magic->begin(), magic->end(), kMagic.begin()))
    return fail(Errc::bad_format, "OpenSSH private key: bad magic");
  auto cipher_name = r.text(kMaxNameLen);
  if (!cipher_name) return pass_on(cipher_name);
  auto kdf_name = r.text(kMaxNameLen);
  if (!kdf_name) return pass_on(kdf_name);
  auto kdf_options = r.string();
  if (!kdf_options) return pass_on(kdf_options);
  auto nkeys = r.u32();
  if (!nkeys) return pass_on(nkeys);
  if (*nkeys != 1) return fail(Errc::bad_format, "OpenSSH private key file must hold exactly one key");
  auto blob = r.string(limits::kMaxHostKeyBlob);
  if (!blob) return pass_on(blob);
  auto section_len = r.u32();
  if (!section_len) return pass_on(section_len);

  env.cipher = crypto::find_key_file_cipher(*cipher_name);
  if (env.cipher == nullptr) return fail(Errc::unsupported, "unknown key file cipher \"" + std::string(*cipher_name) + "\"");
  env.kdf = std::string(*kdf_name);
  wire::Reader opts(*kdf_options);
  if (env.kdf == "none") {
    if (env.cipher->name != "none") return fail(Errc::bad_format, "encrypted key without a KDF");
    if (!opts.empty()) return fail(Errc::bad_format, "KDF \"none\" with options");
  } else if (env.kdf == "bcrypt") {
    if (env.cipher->name == "none") return fail(Errc::unsupported, "bcrypt KDF with cipher \"none\"");
    auto salt = opts.string();
    if (!salt) return pass_on(salt);
    auto rounds = opts.u32();
    if (!rounds) return pass_on(rounds);
    if (auto end = opts.expect_end(); !end) return pass_on(end);
    if (salt->empty()) return fail(Errc::bad_format, "bcrypt KDF with an empty salt");
    if (*rounds == 0) return fail(Errc::bad_format, "bcrypt KDF with zero rounds");
    if (*rounds > limits::kMaxKdfRounds)
      return fail(Errc::too_large, "bcrypt KDF rounds " + std::to_string(*rounds) + " exceed the limit of " +
                                       std::to_string(limits::kMaxKdfRounds));
    env.salt = *salt;
    env.rounds = *rounds;
  } else {
    return fail(Errc::unsupported, "unknown key file KDF \"" + env.kdf + "\"");
  }

  auto key = decode_public_blob(*blob);
  if (!key) return pass_on(key);
  env.public_blob = *blob;
  env.public_key = std::move(*key);

  if (*section_len < env.cipher->block_size || *section_len % env.cipher->block_size != 0)
    return fail(Errc::bad_format, "private section length is not a multiple of the cipher block size");
  const std::size_t want = std::size_t{*section_len} + env.cipher->tag_len;
  if (r.remaining() < want) return fail(Errc::truncated, "private section past the end of the key");
  if (r.remaining() > want) return fail(Errc::trailing_data, "data after the private section");
  env.section = r.rest();
  return {};
}

std::string_view curve_id(KeyType type) {
  switch (type) {
    case KeyType::ecdsa_p256: return "nistp256";
    case KeyType::ecdsa_p384: return "nistp384";
    default: return "nistp521";
  }
}

Result<PrivateKey> read_key_fields(wire::Reader& r, KeyType type) {
  switch (type) {
    case KeyType::ed25519: {
      auto pk = r.string();
      if (!pk) return pass_on(pk);
      auto sk = r.string();
      if (!sk) return pass_on(sk);
      if (pk->size() != kEd25519Len || sk->size() != 2 * kEd25519Len)
        return fail(Errc::bad_format, "Ed25519 key fields of the wrong size");
      if (!std::equal(pk->begin(), pk->end(), sk->begin() + kEd25519Len))
        return fail(Errc::bad_format, "Ed25519 private key does not end in its public key");
      auto key = PrivateKey::ed25519(sk->first(kEd25519Len));
      if (!key) return key;
      auto raw = key->public_key().raw_public();
      if (!std::equal(raw.begin(), raw.end(), pk->begin(), pk->end()))
        return fail(Errc::bad_format, "Ed25519 private key does not match its public key");
      return key;
    }
    case KeyType::rsa: {
      std::array<wire::ByteView, 6> v;  // n, e, d, iqmp, p, q
      for (auto& field : v) {
        auto m = r.mpint_unsigned();
        if (!m) return pass_on(m);
        field = *m;
      }
      return PrivateKey::rsa(v[0], v[1], v[2], v[4], v[5], v[3]);
    }
    default: {
      auto curve = r.text(kMaxNameLen);
      if (!curve) return pass_on(curve);
      if (*curve != curve_id(type)) return fail(Errc::bad_format, "ECDSA curve does not match the key type");
      auto q = r.string();
      if (!q) return pass_on(q);
      auto d = r.mpint_unsigned(crypto::ecdsa_scalar_size(type));
      if (!d) return pass_on(d);
      auto key = PrivateKey::ecdsa(type, *d);
      if (!key) return key;
      auto raw = key->public_key().raw_public();
      if (!std::equal(raw.begin(), raw.end(), q->begin(), q->end()))
        return fail(Errc::bad_format, "ECDSA private key does not match its public point");
      return key;
    }
  }
}

void write_key_fields(wire::Writer& w, const PrivateKey& key) {
  const auto& pub = key.public_key();
  switch (key.type()) {
    case KeyType::ed25519: {
      auto pk = pub.raw_public();
      SecureBytes sk = key.ed25519_seed();
      sk.insert(sk.end(), pk.begin(), pk.end());
      w.string(pk).string(sk);
      return;
    }
    case KeyType::rsa: {
      auto pc = pub.rsa_components();
      auto c = key.rsa_components();
      w.mpint_unsigned(pc.n).mpint_unsigned(pc.e).mpint_unsigned(c.d).mpint_unsigned(c.iqmp);
      w.mpint_unsigned(c.p).mpint_unsigned(c.q);
      return;
    }
    default:
      w.string(curve_id(key.type())).string(pub.raw_public()).mpint_unsigned(key.ecdsa_scalar());
      return;
  }
}

// Wire bytes of the private section, which would hold the key in the clear; a
// wiping allocator cannot go through wire::Writer, so the buffer is wiped by hand.
struct Section {
  wire::Bytes bytes;
  ~Section() { crypto::wipe(bytes.data(), bytes.size()); }
};

}  // namespace

Result<std::string> write_openssh_private_key(const crypto::PrivateKey& key, std::string_view comment,
                                              std::string_view passphrase, const OpenSshKeyOptions& options) {
  const bool encrypt = !passphrase.empty();
  const crypto::KeyFileCipher* cipher = crypto::find_key_file_cipher(encrypt ? options.cipher : "none");
  if (cipher == nullptr) return fail(Errc::invalid_argument, "unknown key file cipher \"" + options.cipher + "\"");
  if (encrypt && cipher->name == "none") return fail(Errc::invalid_argument, "a passphrase needs a cipher");
  if (encrypt && (options.kdf_rounds == 0 || options.kdf_rounds > limits::kMaxKdfRounds))
    return fail(Errc::invalid_argument, "bcrypt KDF rounds must be 1.." + std::to_string(limits::kMaxKdfRounds));
  if (comment.find('\0') != std::string_view::npos) return fail(Errc::invalid_argument, "comment contains NUL");

  wire::Bytes kdf_options;
  SecureBytes kdf_out(cipher->key_len + cipher->iv_len);
  if (encrypt) {
    auto salt = crypto::random_bytes(kSaltLen);
    if (auto ok = crypto::bcrypt_pbkdf(passphrase, salt, options.kdf_rounds, kdf_out); !ok) return pass_on(ok);
    wire::Writer(kdf_options).string(salt).u32(options.kdf_rounds);
  }

  // Reserved so that the writers never reallocate (which would free unwiped copies): the
  // largest private section, RSA-16384, is under 8 KiB plus the comment.
  constexpr std::size_t kSectionBound = 16 * 1024;
  Section plain;
  plain.bytes.reserve(kSectionBound + comment.size());
  wire::Writer s(plain.bytes);
  std::uint32_t check = 0;
  crypto::random_bytes(std::span(reinterpret_cast<std::uint8_t*>(&check), sizeof check));
  s.u32(check).u32(check).string(key_type_name(key.type()));
  write_key_fields(s, key);
  s.string(comment);
  for (std::uint8_t pad = 1; plain.bytes.size() % cipher->block_size != 0; ++pad) s.byte(pad);

  const crypto::ByteView kdf_view(kdf_out.data(), kdf_out.size());
  auto sealed = crypto::key_file_encrypt(*cipher, kdf_view.first(cipher->key_len),
                                         kdf_view.subspan(cipher->key_len), plain.bytes);
  if (!sealed) return pass_on(sealed);
  Section sealed_section{std::move(*sealed)};  // in the clear for cipher "none": wiped too

  Section file;
  file.bytes.reserve(kSectionBound + comment.size() + 1024);
  wire::Writer w(file.bytes);
  w.raw(kMagic).string(cipher->name).string(encrypt ? "bcrypt" : "none").string(kdf_options).u32(1);
  w.string(encode_public_blob(key.public_key()));
  w.u32(static_cast<std::uint32_t>(plain.bytes.size())).raw(sealed_section.bytes);

  std::string b64 = wire::base64_encode(file.bytes);
  WipeOnExit<std::string> wipe_b64{b64};
  std::string out;
  out.reserve(b64.size() + b64.size() / kLineWidth + kBegin.size() + kEnd.size() + 4);
  out.append(kBegin).push_back('\n');
  for (std::size_t i = 0; i < b64.size(); i += kLineWidth) out.append(b64, i, kLineWidth).push_back('\n');
  out.append(kEnd).push_back('\n');
  return out;
}

Result<OpenSshPrivateKey> read_openssh_private_key(std::string_view text, std::string_view passphrase) {
  Envelope env;
  if (auto ok = parse_envelope(text, env); !ok) return pass_on(ok);
  const bool encrypted = env.cipher->name != "none";
  if (encrypted && passphrase.empty()) return fail(Errc::bad_passphrase, "the private key is encrypted: passphrase needed");

  SecureBytes kdf_out(env.cipher->key_len + env.cipher->iv_len);
  if (encrypted) {
    if (auto ok = crypto::bcrypt_pbkdf(passphrase, env.salt, env.rounds, kdf_out); !ok) return pass_on(ok);
  }
  const crypto::ByteView kdf_view(kdf_out.data(), kdf_out.size());
  auto plain = crypto::key_file_decrypt(*env.cipher, kdf_view.first(env.cipher->key_len),
                                        kdf_view.subspan(env.cipher->key_len), env.section);
  if (!plain) {
    if (plain.error().code == Errc::mac_error) return fail(Errc::bad_passphrase, "wrong passphrase (tag does not verify)");
    return pass_on(plain);
  }

  wire::Reader r(*plain);
  auto check1 = r.u32();
  if (!check1) return pass_on(check1);
  auto check2 = r.u32();
  if (!check2) return pass_on(check2);
  if (*check1 != *check2) {
    if (encrypted) return fail(Errc::bad_passphrase, "wrong passphrase (check integers differ)");
    return fail(Errc::bad_format, "check integers of an unencrypted key differ");
  }
  auto type_name = r.text(kMaxNameLen);
  if (!type_name) return pass_on(type_name);
  const KeyType type = env.public_key->type();
  if (*type_name != key_type_name(type)) return fail(Errc::bad_format, "private key type differs from the public key");
  auto key = read_key_fields(r, type);
  if (!key) return pass_on(key);
  auto comment = r.text();
  if (!comment) return pass_on(comment);
  if (comment->find('\0') != std::string_view::npos) return fail(Errc::bad_format, "key comment contains NUL");
  std::uint8_t expected = 1;
  for (std::uint8_t pad : r.rest()) {
    if (pad != expected++) return fail(Errc::bad_format, "bad padding after the private key");
  }
  auto blob = encode_public_blob(key->public_key());
  if (!std::equal(blob.begin(), blob.end(), env.public_blob.begin(), env.public_blob.end()))
    return fail(Errc::bad_format, "private key does not match the public key of the file");
  return OpenSshPrivateKey{std::move(*key), std::string(*comment)};
}

Result<crypto::PrivateKey> read_private_key_wire(wire::Reader& r) {
  auto type_name = r.text(kMaxNameLen);
  if (!type_name) return pass_on(type_name);
  for (KeyType t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    if (key_type_name(t) == *type_name) return read_key_fields(r, t);
  }
  return fail(Errc::unsupported, "unknown private key type \"" + std::string(type_name->substr(0, kMaxNameLen)) + "\"");
}

void write_private_key_wire(wire::Writer& w, const crypto::PrivateKey& key) {
  w.string(key_type_name(key.type()));
  write_key_fields(w, key);
}

Result<OpenSshKeyInfo> inspect_openssh_private_key(std::string_view text) {
  Envelope env;
  if (auto ok = parse_envelope(text, env); !ok) return pass_on(ok);
  return OpenSshKeyInfo{std::move(*env.public_key), env.cipher->name != "none", std::string(env.cipher->name),
                        env.kdf, env.rounds};
}

}  // namespace skiff::keys
