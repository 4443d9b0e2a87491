// The symmetric ciphers OpenSSH can protect an "openssh-key-v1" private key with
// (`ssh-keygen -Z`): the whole private section is encrypted in one call, with the key
// and IV taken from bcrypt_pbkdf output (key first, then IV). AEAD ciphers append their
// tag after the ciphertext. Names as OpenSSH's cipher table spells them.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <skiff/error.hpp>

#include "crypto/secure.hpp"

namespace skiff::crypto {

struct KeyFileCipher {
  std::string_view name;   // "aes256-ctr", "chacha20-poly1305@openssh.com", ...
  std::size_t key_len;     // bytes of key taken from the KDF output
  std::size_t iv_len;      // bytes of IV following the key (0 for chacha20-poly1305)
  std::size_t block_size;  // the private section is padded to a multiple of this
  std::size_t tag_len;     // AEAD tag after the ciphertext (0 for CTR/CBC)
};

// Every cipher OpenSSH 9.2 accepts for key files: aes128-ctr, aes192-ctr, aes256-ctr,
// aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm@openssh.com, aes256-gcm@openssh.com,
// chacha20-poly1305@openssh.com, 3des-cbc. "none" (block size 8, nothing else) is in
// the table too, for unencrypted keys. nullptr for an unknown name.
const KeyFileCipher* find_key_file_cipher(std::string_view name) noexcept;
const std::vector<KeyFileCipher>& key_file_ciphers() noexcept;

// plaintext.size() must be a multiple of block_size (Errc::invalid_argument otherwise);
// key and iv must have the cipher's lengths. Returns ciphertext || tag.
// chacha20-poly1305@openssh.com is OpenSSH's packet construction with sequence number
// 0 and no length field (aadlen 0); AES-GCM uses the IV as given, no AAD.
Result<Bytes> key_file_encrypt(const KeyFileCipher& cipher, ByteView key, ByteView iv, ByteView plaintext);

// Input is ciphertext || tag. Errc::mac_error when an AEAD tag does not verify (for a key
// file: a wrong passphrase or a damaged file); Errc::bad_format for a length that is not
// a multiple of the block size.
Result<SecureBytes> key_file_decrypt(const KeyFileCipher& cipher, ByteView key, ByteView iv,
                                     ByteView ciphertext_and_tag);

}  // namespace skiff::crypto
