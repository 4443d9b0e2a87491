// libFuzzer target: public keys from untrusted bytes and text. The same input goes to
// the wire blob decoder, the one-line parser, the RFC 4716 reader, the autodetecting
// reader and both PEM readers. Whatever they accept must write back and read again
// as the same key and comment.
//
// The private PEM reader gets an empty passphrase: an encrypted key then stops at
// "needs a passphrase" before any key derivation, which keeps every run fast (the
// derivation's cost is bounded separately, see check_kdf_cost in crypto/pem.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/pem.hpp"
#include "keys/public_key_text.hpp"
#include "keys/ssh_key.hpp"

using namespace skiff;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_public_key: invariant violated: %s\n", why);
  std::abort();
}

wire::Bytes blob(const crypto::PublicKey& k) { return keys::encode_public_blob(k); }

void check_same(const Result<keys::PublicKeyText>& again, const keys::PublicKeyText& first, const char* what) {
  if (!again) die(what);
  if (blob(again->key) != blob(first.key)) die(what);
  if (again->comment != first.comment) die(what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const wire::ByteView bytes(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto key = keys::decode_public_blob(bytes)) {
    if (blob(*key) != wire::Bytes(bytes.begin(), bytes.end())) die("blob does not re-encode to itself");
  }

  if (auto line = keys::parse_public_key_line(text)) {
    if (line->comment.find('\n') != std::string::npos) die("newline in a one-line comment");
    check_same(keys::parse_public_key_line(keys::format_public_key_line(line->key, line->comment)), *line,
               "one-line form does not round-trip");
  }

  if (auto rfc = keys::parse_rfc4716(text)) {
    const std::string out = keys::format_rfc4716(rfc->key, rfc->comment);
    std::size_t start = 0;
    for (std::size_t nl = out.find('\n'); nl != std::string::npos; start = nl + 1, nl = out.find('\n', start)) {
      if (nl - start > 72) die("RFC 4716 line longer than 72 bytes written");
    }
    // An unquoted 1023- or 1024-byte comment is cut to fit the quotes the writer adds.
    keys::PublicKeyText expected{rfc->key, rfc->comment.substr(0, 1022)};
    check_same(keys::parse_rfc4716(out), expected, "RFC 4716 form does not round-trip");
  }

  (void)keys::parse_public_key_any(text);

  if (auto pub = crypto::public_key_from_pem(text)) {
    auto out = crypto::public_key_to_pem(*pub, crypto::PemPublicFormat::spki);
    if (!out) die("accepted public key cannot be written as SPKI");
    auto again = crypto::public_key_from_pem(*out);
    if (!again || blob(*again) != blob(*pub)) die("SPKI form does not round-trip");
  }

  const bool encrypted = crypto::pem_private_key_is_encrypted(text);
  auto priv = crypto::private_key_from_pem(text, "");
  if (priv && encrypted) die("encrypted key read without a passphrase");
  return 0;
}
