// libFuzzer target: private key files (openssh-key-v1 and, through the dispatcher, PEM
// and PKCS#8), the text a user points ssh at or an attacker leaves on a shared disk.
//
// The input is the file text. It is inspected, read with an empty passphrase and, when
// its bcrypt rounds are small (a hostile file may ask for many: each costs real time),
// with the passphrase "fuzz", which the encrypted seeds use. Whatever loads must agree
// with what inspection says, and must write back and read again to the same key. PEM
// files are only loaded without a passphrase: their KDF work factors are OpenSSL's.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "keys/openssh_key.hpp"
#include "keys/private_key_file.hpp"
#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

using namespace skiff;

namespace {

constexpr std::string_view kPassphrase = "fuzz";
constexpr unsigned kMaxFuzzRounds = 4;

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_private_key: invariant violated: %s\n", why);
  std::abort();
}

bool same_key(const crypto::PublicKey& a, const crypto::PublicKey& b) {
  return keys::encode_public_blob(a) == keys::encode_public_blob(b);
}

// A key that was read must survive writing and reading back unchanged.
void check_round_trip(const keys::OpenSshPrivateKey& k) {
  auto text = keys::write_openssh_private_key(k.key, k.comment, "");
  if (!text) die("a key that was read cannot be written");
  auto again = keys::read_openssh_private_key(*text, "");
  if (!again) die("a written key cannot be read");
  if (!same_key(again->key.public_key(), k.key.public_key()) || again->comment != k.comment)
    die("round trip changed the key or comment");
}

void check_read(const Result<keys::OpenSshPrivateKey>& r, const Result<keys::OpenSshKeyInfo>& info) {
  if (!r) return;
  if (!info) die("read succeeded where inspect failed");
  if (!same_key(r->key.public_key(), info->public_key)) die("read and inspect disagree on the public key");
  if (r->comment.find('\0') != std::string::npos) die("NUL in a comment");
  check_round_trip(*r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto info = keys::inspect_openssh_private_key(text);
  if (info) {
    if (info->encrypted != (info->cipher != "none")) die("encrypted flag disagrees with the cipher");
    if (info->encrypted != (info->kdf == "bcrypt")) die("encryption without bcrypt or bcrypt without encryption");
    if (info->kdf_rounds > limits::kMaxKdfRounds) die("KDF rounds above the cap accepted");
  }
  const bool cheap_kdf = info && info->encrypted && info->kdf_rounds <= kMaxFuzzRounds;

  auto plain = keys::read_openssh_private_key(text, "");
  if (plain && info && info->encrypted) die("encrypted key read without a passphrase");
  if (!plain && info && info->encrypted && plain.error().code != Errc::bad_passphrase)
    die("encrypted key without passphrase: not bad_passphrase");
  check_read(plain, info);
  if (cheap_kdf) check_read(keys::read_openssh_private_key(text, kPassphrase), info);

  // The dispatcher also accepts blank lines before OpenSSH's armour; the reader does not.
  const bool starts_clean = text.find_first_not_of(" \t\r\n") == 0;
  auto loaded = keys::load_private_key(text, "");
  if (loaded && loaded->was_encrypted) die("dispatcher loaded an encrypted key without a passphrase");
  if (loaded && loaded->format == keys::PrivateKeyFormat::openssh && !plain && starts_clean)
    die("dispatcher loaded an openssh key that the reader refused");
  if (cheap_kdf) {
    auto with_pass = keys::load_private_key(text, kPassphrase);
    if (with_pass && !same_key(with_pass->key.public_key(), info->public_key)) die("dispatcher: wrong public key");
  }
  auto pub = keys::private_key_public_part(text);
  if (pub && !info && starts_clean) die("public part of a file that inspect refuses");
  if (pub && info && !same_key(*pub, info->public_key)) die("public part differs from inspect");
  if (keys::private_key_is_encrypted(text) && loaded && loaded->format == keys::PrivateKeyFormat::openssh)
    die("encrypted and loaded without a passphrase");
  return 0;
}
