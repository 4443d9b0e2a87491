// Key fingerprints and randomart pictures as ssh-keygen -l / -lv prints them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/signature.hpp"
#include "wire/writer.hpp"

namespace skiff::keys {

// "SHA256:" + unpadded base64 of SHA-256 over the public key blob.
std::string fingerprint_sha256(wire::ByteView public_blob);

// "MD5:" + the 16 MD5 bytes of the public key blob as lowercase hex pairs joined by ':'
// (ssh-keygen -l -E md5). Legacy display only: MD5 is not collision resistant.
std::string fingerprint_md5(wire::ByteView public_blob);

// The title ssh-keygen puts in the randomart header, "<TYPE> <bits>": "ED25519 256",
// "ECDSA 256|384|521", "RSA <modulus bits>".
std::string key_size_title(crypto::KeyType type, std::size_t bits);

// OpenSSH's "drunken bishop" picture (sshkey.c fingerprint_randomart) of a fingerprint
// digest (the raw SHA-256 or MD5 bytes, not the text), byte for byte as ssh-keygen -lv
// prints it: 11 lines of 19 characters joined by '\n', no trailing newline. The header
// holds "[title]" and the footer "[hash_name]" ("SHA256", "MD5"), each centred. As in
// OpenSSH, a bracketed title longer than 17 characters falls back to its first word, and
// both labels are cut to 16 characters.
std::string randomart(wire::ByteView digest, std::string_view title, std::string_view hash_name);

}  // namespace skiff::keys
