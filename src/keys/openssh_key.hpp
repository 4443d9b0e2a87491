// OpenSSH's own private key format, "openssh-key-v1" (OpenSSH's PROTOCOL.key): the
// "-----BEGIN OPENSSH PRIVATE KEY-----" armour (base64 in lines of 70), the magic, the
// cipher and KDF names (bcrypt or none), one public key, and the private section with its
// two check integers, the key, the comment and the padding 1, 2, 3, ...
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace skiff::keys {

struct OpenSshKeyOptions {
  std::string cipher = "aes256-ctr";  // any name from crypto/key_file_cipher.hpp
  unsigned kdf_rounds = 16;           // bcrypt_pbkdf rounds (ssh-keygen -a)
};

struct OpenSshPrivateKey {
  crypto::PrivateKey key;
  std::string comment;
};

// Writes the file text (ending in a newline). An empty passphrase writes cipher and KDF
// "none" whatever options.cipher says; otherwise a random 16-byte salt and the chosen
// cipher. Errc::invalid_argument for an unknown cipher or zero rounds.
Result<std::string> write_openssh_private_key(const crypto::PrivateKey& key, std::string_view comment,
                                              std::string_view passphrase, const OpenSshKeyOptions& options = {});

// Reads the file text. Checks: the armour, magic, exactly one key, known cipher/KDF (and
// KDF "none" only with cipher "none"), KDF rounds at most limits::kMaxKdfRounds, the
// private section's length a multiple of the block size, equal check integers
// (Errc::bad_passphrase when they differ or an AEAD tag fails: wrong passphrase), the
// private key matching the public key in the header, the padding bytes 1, 2, 3, ...,
// nothing after the tag. An encrypted key with an empty passphrase is
// Errc::bad_passphrase too.
Result<OpenSshPrivateKey> read_openssh_private_key(std::string_view text, std::string_view passphrase);

struct OpenSshKeyInfo {
  crypto::PublicKey public_key;  // stored in the clear, even in encrypted files
  bool encrypted;
  std::string cipher;
  std::string kdf;
  unsigned kdf_rounds;  // 0 for kdf "none"
};
// What can be learned without the passphrase.
Result<OpenSshKeyInfo> inspect_openssh_private_key(std::string_view text);

// A private key on the wire as OpenSSH's sshkey_private_serialize lays it out: string
// key type || the key fields above (the same fields the openssh-key-v1 private section
// holds; the agent protocol's ADD_IDENTITY carries them too). No comment: the caller
// reads or writes what follows. The reader checks the fields as the file reader does
// (Ed25519 sk ends in pk, the ECDSA point and curve match the scalar and type).
Result<crypto::PrivateKey> read_private_key_wire(wire::Reader& r);
// The buffer is not wiped here: callers that keep it must wipe it.
void write_private_key_wire(wire::Writer& w, const crypto::PrivateKey& key);

}  // namespace skiff::keys
